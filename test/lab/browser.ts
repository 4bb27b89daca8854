/* eslint-disable @typescript-eslint/no-explicit-any -- code inside page.evaluate() handles JsSIP objects from a plain <script>, untyped there */
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

/** Chromium flags for WebRTC tests here (see shared/LAB.md). */
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

/** JsSIP UA options that were needed/used with the lab (see README.md). */
export function labJssipConfig(opts: {
  domain: string;
  username: string;
  password: string;
}): Record<string, unknown> {
  return {
    uri: `sip:${opts.username}@${opts.domain}`,
    password: opts.password,
    // authorization_user defaults to the URI user; realm is taken from the challenge (= domain)
    register: true,
    register_expires: 300,
    session_timers: false, // no UPDATE/re-INVITE refreshes through rtpengine; not needed for tests
    connection_recovery_min_interval: 1,
    connection_recovery_max_interval: 3,
  };
}

export interface BrowserRegisterResult {
  ok: boolean;
  ms: number;
  cause?: string;
  status?: number;
}

/**
 * Create a JsSIP UA in the page (kept as window.__labUas[name]) and wait for registered /
 * registrationFailed. The page must have JsSIP loaded (serveLabPage()).
 */
export async function browserRegister(
  page: Page,
  opts: {
    name: string;
    wsUrl: string;
    domain: string;
    username: string;
    password: string;
    timeoutMs?: number;
  },
): Promise<BrowserRegisterResult> {
  const config = labJssipConfig(opts);
  return page.evaluate(
    async ({ name, wsUrl, config, timeoutMs }) => {
      const w = window as unknown as {
        JsSIP: any;
        __labUas?: Record<string, any>;
        __labEvents?: Record<string, string[]>;
      };
      const JsSIP = w.JsSIP;
      w.__labUas ??= {};
      w.__labEvents ??= {};
      const events: string[] = (w.__labEvents[name] = []);
      const ua = new JsSIP.UA({ ...config, sockets: [new JsSIP.WebSocketInterface(wsUrl)] });
      w.__labUas[name] = ua;
      for (const ev of ['connected', 'disconnected', 'registered', 'unregistered', 'registrationFailed']) {
        ua.on(ev, () => events.push(ev));
      }
      const t0 = performance.now();
      return new Promise<{ ok: boolean; ms: number; cause?: string; status?: number }>((resolve) => {
        const timer = setTimeout(
          () => resolve({ ok: false, ms: performance.now() - t0, cause: 'timeout' }),
          timeoutMs,
        );
        ua.once('registered', () => {
          clearTimeout(timer);
          resolve({ ok: true, ms: performance.now() - t0 });
        });
        ua.once('registrationFailed', (e: any) => {
          clearTimeout(timer);
          ua.stop();
          resolve({
            ok: false,
            ms: performance.now() - t0,
            cause: String(e.cause),
            status: e.response?.status_code,
          });
        });
        ua.start();
      });
    },
    { name: opts.name, wsUrl: opts.wsUrl, config, timeoutMs: opts.timeoutMs ?? 10_000 },
  );
}

/** Make the UA `name` auto-answer incoming calls (audio only). */
export async function browserAutoAnswer(page: Page, name: string): Promise<void> {
  await page.evaluate((name) => {
    const w = window as unknown as { __labUas: Record<string, any>; __labIncoming?: any[] };
    w.__labIncoming ??= [];
    w.__labUas[name].on('newRTCSession', (e: any) => {
      if (e.originator !== 'remote') return;
      w.__labIncoming!.push(e.session);
      e.session.answer({ mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } });
    });
  }, name);
}

export interface BrowserCallResult {
  /** call() to 'confirmed' */
  confirmedMs: number;
  /** call() until inbound-rtp bytesReceived > 0 (or -1) */
  firstAudioMs: number;
  bytesReceived: number;
  bytesSent: number;
  /** terminate() to 'ended' */
  byeMs: number;
}

/** Call `target` from UA `name`, wait for audio bytes to flow, hold `holdMs`, hang up. */
export async function browserCall(
  page: Page,
  opts: { name: string; target: string; holdMs?: number; extraHeaders?: string[]; timeoutMs?: number },
): Promise<BrowserCallResult> {
  return page.evaluate(
    async ({ name, target, holdMs, extraHeaders, timeoutMs }) => {
      const w = window as unknown as { __labUas: Record<string, any> };
      const ua = w.__labUas[name];
      const t0 = performance.now();
      const session = ua.call(target, {
        mediaConstraints: { audio: true, video: false },
        pcConfig: { iceServers: [] },
        extraHeaders,
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('call timeout')), timeoutMs);
        session.on('confirmed', () => {
          clearTimeout(timer);
          resolve();
        });
        session.on('failed', (e: any) => {
          clearTimeout(timer);
          reject(new Error(`call failed: ${e.cause} ${e.message?.status_code ?? ''}`));
        });
      });
      const confirmedMs = performance.now() - t0;
      let firstAudioMs = -1;
      let bytesReceived = 0;
      let bytesSent = 0;
      const end = performance.now() + Math.max(holdMs, 5000);
      while (performance.now() < end) {
        await new Promise((r) => setTimeout(r, 50));
        const stats = await session.connection.getStats();
        stats.forEach((r: any) => {
          if (r.type === 'inbound-rtp' && r.kind === 'audio') bytesReceived = r.bytesReceived ?? 0;
          if (r.type === 'outbound-rtp' && r.kind === 'audio') bytesSent = r.bytesSent ?? 0;
        });
        if (bytesReceived > 0 && firstAudioMs < 0) firstAudioMs = performance.now() - t0;
        if (firstAudioMs >= 0 && performance.now() - t0 - confirmedMs >= holdMs) break;
      }
      const tb = performance.now();
      await new Promise<void>((resolve) => {
        session.on('ended', () => resolve());
        session.terminate();
      });
      return { confirmedMs, firstAudioMs, bytesReceived, bytesSent, byeMs: performance.now() - tb };
    },
    {
      name: opts.name,
      target: opts.target,
      holdMs: opts.holdMs ?? 500,
      extraHeaders: opts.extraHeaders ?? [],
      timeoutMs: opts.timeoutMs ?? 15_000,
    },
  );
}

/** Events seen by UA `name` so far (connected, disconnected, registered, ...). */
export async function browserUaEvents(page: Page, name: string): Promise<string[]> {
  return page.evaluate((name) => [...((window as any).__labEvents?.[name] ?? [])], name);
}

/** Audio byte counters of the most recent incoming (auto-answered) session of the page, or null. */
export async function browserIncomingStats(
  page: Page,
): Promise<{ state: string; bytesReceived: number; bytesSent: number; connectionState: string } | null> {
  return page.evaluate(async () => {
    const list = (window as any).__labIncoming as any[] | undefined;
    const s = list?.[list.length - 1];
    if (!s?.connection) return null;
    let bytesReceived = 0;
    let bytesSent = 0;
    const stats = await s.connection.getStats();
    stats.forEach((r: any) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') bytesReceived = r.bytesReceived ?? 0;
      if (r.type === 'outbound-rtp' && r.kind === 'audio') bytesSent = r.bytesSent ?? 0;
    });
    const state = s.isEnded() ? 'ended' : s.isEstablished() ? 'established' : 'progress';
    return { state, bytesReceived, bytesSent, connectionState: s.connection.connectionState as string };
  });
}

/** Stop UA `name` (un-REGISTERs, closes its WebSocket); resolves on 'unregistered' or after timeoutMs. */
export async function browserStopUa(page: Page, name: string, timeoutMs = 2000): Promise<void> {
  await page.evaluate(
    async ({ name, timeoutMs }) => {
      const ua = (window as any).__labUas?.[name];
      if (!ua) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        ua.once('unregistered', () => {
          clearTimeout(timer);
          resolve();
        });
        ua.stop();
      });
    },
    { name, timeoutMs },
  );
}
