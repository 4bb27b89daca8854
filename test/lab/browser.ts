/**
 * Browser helpers for lab tests: Debian's chromium via playwright-core with the flags WebRTC needs on
 * a loopback-only machine, and a browser bundle of JsSIP (the npm package ships no dist/ build, so it
 * is bundled with esbuild on first use and cached).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const require = createRequire(import.meta.url);

/** Chromium flags for WebRTC tests here (see /work/shared/LAB.md). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
];

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface LabBrowser {
  browser: Browser | null; // null: persistent context (no separate Browser object)
  context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Launch Debian chromium with a fresh profile dir and microphone permission granted. */
export async function launchLabBrowser(opts: { extraArgs?: string[] } = {}): Promise<LabBrowser> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(path.join(os.tmpdir(), 'lab-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(opts.extraArgs ?? [])],
  });
  await context.grantPermissions(['microphone']);
  return {
    browser: null,
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

let bundleCache: string | undefined;

/**
 * JsSIP as one IIFE script defining `window.JsSIP` (same API as the npm package).
 * Use with `page.addScriptTag({ content: await jssipBrowserBundle() })`.
 */
export async function jssipBrowserBundle(): Promise<string> {
  if (bundleCache) return bundleCache;
  const pkgPath = require.resolve('jssip/package.json');
  const version = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
  const dist = path.join(path.dirname(pkgPath), 'dist', 'jssip.min.js');
  if (existsSync(dist)) return (bundleCache = readFileSync(dist, 'utf8'));
  const cacheDir = path.join(os.tmpdir(), 'sip-lab-cache');
  const cached = path.join(cacheDir, `jssip-${version}.iife.js`);
  if (existsSync(cached)) return (bundleCache = readFileSync(cached, 'utf8'));
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: [path.join(path.dirname(pkgPath), 'lib', 'JsSIP.js')],
    bundle: true,
    format: 'iife',
    globalName: 'JsSIP',
    platform: 'browser',
    target: 'chrome120',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0]!.text;
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(`${cached}.${process.pid}`, code);
  // atomic enough for parallel workers
  (await import('node:fs')).renameSync(`${cached}.${process.pid}`, cached);
  return (bundleCache = code);
}

export interface LabPageServer {
  /** http://127.0.0.1:PORT/ — a blank page that loads JsSIP (window.JsSIP) from /jssip.js. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serve a blank page with JsSIP on http://127.0.0.1:PORT/. Chromium 156 blocks a WebSocket from
 * about:blank (or any non-local origin) to ws://127.0.0.1 (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS);
 * from a page served by 127.0.0.1 it is allowed.
 */
export async function serveLabPage(opts: { extraHtml?: string } = {}): Promise<LabPageServer> {
  const bundle = await jssipBrowserBundle();
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>sip-lab</title>
<script src="/jssip.js"></script></head><body>${opts.extraHtml ?? ''}</body></html>`;
  const server = http.createServer((req, res) => {
    if (req.url === '/jssip.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(bundle);
    } else if (req.url === '/favicon.ico') {
      res.writeHead(204).end();
    } else if (req.url === '/' || req.url?.startsWith('/?')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
