/**
 * The dialer route's JavaScript budget: 250 KiB gzipped for everything a browser downloads to dial out
 * with one connection, i.e. the route's own chunks plus the softphone adapter (and SIP SDK) of one
 * provider, which createSoftphone() loads on demand: the SDK a connection does not use is never fetched.
 * The page itself (without any adapter) is held to 175 KiB so the bigger SDK (@telnyx/webrtc ≈ 75 KiB)
 * always fits.
 * Builds into a temporary folder (not dist/web, which a running server may be serving).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build, type Manifest } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-web-size-'));
const ROUTE_BUDGET_BYTES = 250 * 1024;
const PAGE_BUDGET_BYTES = 175 * 1024;
const ADAPTERS = { sip: 'adapters/jssip-adapter.ts', telnyx: 'adapters/telnyx-adapter.ts' } as const;

afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

/** Every JS file a route loads: its chunk and, transitively, the chunks it imports statically. */
function closure(manifest: Manifest, keys: string[]): Set<string> {
  const files = new Set<string>();
  const seen = new Set<string>();
  const visit = (key: string): void => {
    if (seen.has(key)) return;
    seen.add(key);
    const entry = manifest[key];
    if (!entry) throw new Error(`not in the manifest: ${key}`);
    if (entry.file.endsWith('.js')) files.add(entry.file);
    for (const imported of entry.imports ?? []) visit(imported);
  };
  keys.forEach(visit);
  return files;
}

describe('bundle size', () => {
  it(
    'keeps the dialer route within 250 KiB gzipped with one provider’s SDK',
    { timeout: 120_000 },
    async () => {
      // Vitest sets NODE_ENV=test, which would make Vite bundle Vue's development build.
      const nodeEnv = process.env.NODE_ENV;
      process.env.NODE_ENV = 'production';
      try {
        await build({
          configFile: path.join(repoRoot, 'vite.config.ts'),
          mode: 'production',
          logLevel: 'warn',
          build: { outDir, emptyOutDir: true, manifest: true, sourcemap: false },
        });
      } finally {
        process.env.NODE_ENV = nodeEnv;
      }
      const manifest = JSON.parse(
        fs.readFileSync(path.join(outDir, '.vite/manifest.json'), 'utf8'),
      ) as Manifest;
      const gzipOf = (file: string) =>
        gzipSync(fs.readFileSync(path.join(outDir, file)), { level: 6 }).length;
      const sum = (files: Iterable<string>) => [...files].reduce((total, f) => total + gzipOf(f), 0);
      const kib = (bytes: number) => +(bytes / 1024).toFixed(1);

      const dialerKey = Object.keys(manifest).find((k) => k.endsWith('views/DialerView.vue'));
      expect(dialerKey).toBeDefined();
      // The entry (main.ts) starts the first requests and then imports the app (app.ts): both are the page.
      const appKey = manifest['index.html']?.dynamicImports?.find((k) => k.endsWith('app.ts'));
      expect(appKey).toBeDefined();
      const page = closure(manifest, ['index.html', appKey!, dialerKey!]);
      const pageBytes = sum(page);
      // The SIP SDKs are never part of the page itself.
      expect([...page].join(' ')).not.toMatch(/jssip|telnyx/i);
      // The charting library (ECharts) is loaded by the routes that draw charts, never by the dialer.
      for (const file of page)
        expect(fs.readFileSync(path.join(outDir, file), 'utf8'), file).not.toContain('echarts_instance_');
      // So are the pages that draw charts (Analytics, a connection's health).
      for (const view of ['views/AnalyticsView.vue', 'views/ConnectionHealthView.vue']) {
        const key = Object.keys(manifest).find((k) => k.endsWith(view));
        expect(key, view).toBeDefined();
        expect(page.has(manifest[key!]!.file), view).toBe(false);
      }

      const providers = Object.entries(ADAPTERS).map(([provider, suffix]) => {
        const key = Object.keys(manifest).find((k) => k.endsWith(suffix));
        // An adapter missing from the manifest was not measured: a renamed file or a statically bundled
        // one must fail this test, not pass it with nothing to add.
        if (!key) throw new Error(`the ${provider} adapter (${suffix}) is not a chunk of the build`);
        const extra = [...closure(manifest, [key])].filter((f) => !page.has(f));
        // Its own chunk holds its SDK: an adapter folded into the page (no extra file) is not lazy.
        expect(extra.length, `${provider} adapter chunk`).toBeGreaterThan(0);
        return {
          provider,
          extraGzipKiB: kib(sum(extra)),
          totalGzipKiB: kib(pageBytes + sum(extra)),
          files: extra,
        };
      });
      const report = {
        route: '/',
        pageGzipKiB: kib(pageBytes),
        pageFiles: [...page].map((f) => ({ file: f, gzipKiB: kib(gzipOf(f)) })),
        withProvider: providers,
      };
      fs.mkdirSync(path.join(repoRoot, 'test-results'), { recursive: true });
      fs.writeFileSync(path.join(repoRoot, 'test-results/bundle-size.json'), JSON.stringify(report, null, 2));
      console.log(
        `dialer route JS (gzip): page ${report.pageGzipKiB} KiB; ` +
          providers.map((p) => `with ${p.provider} ${p.totalGzipKiB} KiB`).join(', '),
      );

      expect(pageBytes).toBeLessThanOrEqual(PAGE_BUDGET_BYTES);
      for (const p of providers)
        expect(p.totalGzipKiB * 1024, p.provider).toBeLessThanOrEqual(ROUTE_BUDGET_BYTES);
    },
  );
});
