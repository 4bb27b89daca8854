/**
 * The dialer page's end-to-end harness: the real server (Fastify app, services, migrations) on a fresh
 * SQLite database seeded with the demo data, serving the production build of the web app (dist/web),
 * and Debian's Chromium driven by playwright-core.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildApp } from '../../src/server/app.js';
import { createServices, type Services } from '../../src/server/container.js';
import { seedDemo } from '../../src/server/seed/demo-seed.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { plainTestHasher } from '../support/app.js';

export { DEMO_TRUNKS, DEMO_USERS } from '../../src/server/seed/demo-data.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const WEB_DIST_DIR = path.join(repoRoot, 'dist/web');
export const SCREENSHOT_DIR = path.join(repoRoot, 'test-results/screenshots');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

/** `npm test` builds the app first; a lone run of this file builds it when it is missing. */
export function ensureWebBuild(): void {
  if (fs.existsSync(path.join(WEB_DIST_DIR, 'index.html')) && process.env.DIALER_E2E_REBUILD !== '1') return;
  execFileSync(
    process.execPath,
    [path.join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: repoRoot,
      stdio: 'inherit',
    },
  );
}

export interface DialerServer {
  url: string;
  /** Every route the server registered, with its declared access (to walk, e.g., all admin routes). */
  routes: { method: string; url: string; access: unknown }[];
  services: Services;
  database: TestDatabase;
  close(): Promise<void>;
}

/**
 * The server serves a private copy of dist/web, so that a rebuild during the run (another test tier,
 * a developer's `vite build`) cannot pull chunks from under the page.
 */
function snapshotWebBuild(): string {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-web-'));
  fs.cpSync(WEB_DIST_DIR, copy, { recursive: true });
  return copy;
}

/** `host`: the address to listen on (default 127.0.0.1; a browser in another network namespace needs a routed one). */
export async function startDialerServer(
  env: Record<string, string> = {},
  opts: { host?: string } = {},
): Promise<DialerServer> {
  const webDir = snapshotWebBuild();
  const database = await createTestDatabase('sqlite', {
    WEB_DIST_DIR: webDir,
    LOG_LEVEL: 'silent',
    // Every test logs in through the form; the real limit is covered by the server's own tests.
    LOGIN_RATE_LIMIT: '1000',
    ...env,
  });
  const services = createServices({
    config: database.config,
    db: database.handle.db,
    databaseKind: 'sqlite',
    overrides: { hasher: plainTestHasher },
  });
  await seedDemo(services);
  const routes: DialerServer['routes'] = [];
  const app = await buildApp({
    config: database.config,
    services,
    serveWeb: true,
    onRoute: (route) => {
      for (const method of [route.method].flat())
        routes.push({ method, url: route.url, access: route.config?.access });
    },
  });
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${host}:${port}`,
    routes,
    services,
    database,
    async close() {
      await app.close();
      await database.drop();
      fs.rmSync(webDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export async function newPage(
  browser: Browser,
  baseURL: string,
  viewport: { width: number; height: number } = VIEWPORTS.desktop,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport, locale: 'en-US', timezoneId: 'UTC' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return { context, page };
}

/** Logs in through the form and waits for the dialer to show its first connection. */
export async function loginAs(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByRole('heading', { name: 'Dialer', level: 1 }).waitFor();
}

/**
 * Presses a button that is aria-disabled (focusable, explains itself) the way a person would: once it has
 * stopped moving and nothing covers it. Playwright's own checks treat aria-disabled as "not clickable", so
 * a plain click waits forever and a forced one lands wherever the button was a moment ago: after the phone
 * status or the caller ID arrives and the layout shifts, that is the page's <main>.
 */
export async function pressWhenSettled(page: Page, testId: string): Promise<void> {
  const button = page.getByTestId(testId);
  let last = '';
  let sameSince = Date.now();
  const deadline = Date.now() + 10_000;
  for (;;) {
    const state = await button.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return JSON.stringify([r.left, r.top, r.width, r.height, hit !== null && el.contains(hit)]);
    });
    if (state !== last) {
      last = state;
      sameSince = Date.now();
    } else if (Date.now() - sameSince >= 300 && state.endsWith('true]')) {
      break;
    }
    if (Date.now() > deadline) throw new Error(`${testId} did not settle uncovered: ${state}`);
    await page.waitForTimeout(50);
  }
  await button.click({ force: true });
}

/**
 * Saves a screenshot; whole page by default. Pass `fullPage: false` while an overlay is open: a full-page
 * capture resizes the window, and PrimeVue closes overlays on resize.
 */
export async function screenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: options.fullPage ?? true });
  return file;
}

/** The API as a logged-in user, from Node (to arrange data the way the browser would create it). */
export async function apiAs(
  baseUrl: string,
  email: string,
  password: string,
): Promise<<T = unknown>(method: string, path: string, body?: unknown) => Promise<T>> {
  const login = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!login.ok) throw new Error(`login as ${email} failed: ${login.status}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        cookie,
        'x-csrf-token': csrfToken,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}
