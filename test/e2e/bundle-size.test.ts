/**
 * The dialer route's JavaScript budget. The page must leave room for the SIP SDK the selected
 * connection needs (JsSIP ≈ 55 KB, @telnyx/webrtc ≈ 75 KB gzipped, loaded on demand by createSoftphone)
 * inside 250 KB gzipped; the app's own share is held to 150 KiB here.
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
const BUDGET_BYTES = 150 * 1024;

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
  it('keeps the dialer route’s JavaScript within 150 KiB gzipped', { timeout: 120_000 }, async () => {
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
    const dialerKey = Object.keys(manifest).find((k) => k.endsWith('views/DialerView.vue'));
    expect(dialerKey).toBeDefined();
    const files = closure(manifest, ['index.html', dialerKey!]);
    const sizes = [...files].map((file) => {
      const code = fs.readFileSync(path.join(outDir, file));
      return { file, bytes: code.length, gzip: gzipSync(code, { level: 6 }).length };
    });
    const total = sizes.reduce((sum, s) => sum + s.gzip, 0);
    const report = {
      route: '/',
      totalGzipBytes: total,
      totalGzipKiB: +(total / 1024).toFixed(1),
      files: sizes,
    };
    fs.mkdirSync(path.join(repoRoot, 'test-results'), { recursive: true });
    fs.writeFileSync(path.join(repoRoot, 'test-results/bundle-size.json'), JSON.stringify(report, null, 2));
    console.log(
      `dialer route JS: ${report.totalGzipKiB} KiB gzipped`,
      sizes.map((s) => `${s.file} ${(s.gzip / 1024).toFixed(1)} KiB`),
    );
    // The SIP SDKs are never part of it: they are loaded only for the connection that needs them.
    const names = sizes.map((s) => s.file).join(' ');
    expect(names).not.toMatch(/jssip|telnyx/i);
    expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
