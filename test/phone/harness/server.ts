/**
 * Builds the phone harness (src/phone via createSoftphone, code-split like the real page) with
 * esbuild into a temp dir and serves it on http://127.0.0.1:PORT/. The page must come from 127.0.0.1:
 * Chromium 156 blocks WebSockets to ws://127.0.0.1 from other origins (see test/lab/browser.ts).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface HarnessServer {
  url: string;
  dir: string;
  /** Gzipped size of each emitted JS file, bytes. */
  gzipSizes: Record<string, number>;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.map': 'application/json',
};

export async function startHarnessServer(): Promise<HarnessServer> {
  const esbuild = await import('esbuild');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'phone-harness-'));
  await esbuild.build({
    entryPoints: { entry: path.join(here, 'entry.ts') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    minify: true,
    sourcemap: false,
    outdir: dir,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const gzipSizes: Record<string, number> = {};
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.js')) gzipSizes[f] = gzipSync(readFileSync(path.join(dir, f))).length;
  }
  const html =
    '<!doctype html><html><head><meta charset="utf-8"><title>phone harness</title><script type="module" src="/entry.js"></script></head><body></body></html>';
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0]!;
    if (url === '/') {
      res.writeHead(200, { 'content-type': TYPES['.html']! }).end(html);
      return;
    }
    const file = path.join(dir, path.normalize(url).replace(/^([/\\])+/, ''));
    if (!file.startsWith(dir) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' })
      .end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    dir,
    gzipSizes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
