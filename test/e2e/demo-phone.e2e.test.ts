/**
 * A newcomer's walkthrough, as the README tells it: the compiled app with the demo data (`dialer serve
 * --seed-demo` on a fresh SQLite file) and the demo phone system (`npm run demo:phone`: Kamailio,
 * rtpengine and a SIPp echo number on this machine). First without the demo phone system, whose absence
 * the demo trunks name; then agent1 calls the echo number and hears it, and calls agent2 in a second
 * browser window, who answers: audio both ways, as the pages' WebRTC statistics show. Ctrl-C stops the
 * demo phone system and everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/demo-phone/processes.js';
import type { ConnectionListDto } from '../../src/shared/api.js';
import { DEMO_PHONE_NOT_RUNNING } from '../../src/shared/demo-phone.js';
import { DEMO_ECHO_NUMBER, demoPhoneLines } from '../../src/server/seed/demo-data.js';
import buildNodeIfStale from '../support/build-node.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../lab/browser.js';
import { findMissingLabTools, labToolsHint } from '../lab/sip-lab.js';
import { callState, chooseConnection, dial, phoneStatus, shownBytes } from './calling-world.js';
import { apiAs, DEMO_USERS, ensureWebBuild, screenshot, VIEWPORTS } from './harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AGENT2_LINE = demoPhoneLines().find((l) => l.owner === 'agent2' && l.numbers.length > 0)!;

/** A command of the walkthrough, in its own process group (as a terminal runs it), its output kept. */
interface Running {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(cmd: string, args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}

/** Ctrl-C in the terminal: SIGINT to the command's whole process group. */
function ctrlC(r: Running): void {
  try {
    process.kill(-r.child.pid!, 'SIGINT');
  } catch {
    /* already gone */
  }
}

const poll = <T>(fn: () => T | Promise<T>, timeout = 15_000) => expect.poll(fn, { timeout, interval: 200 });

/** Waits until `text()` contains `expected` (in hooks, where expect.poll is not available). */
async function waitForText(text: () => string, expected: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!text().includes(expected)) {
    if (Date.now() > deadline) throw new Error(`no "${expected}" in time; output so far:\n${text()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tcpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

let dataDir: string;
let app: Running;
let appUrl: string;
let demoPhone: Running | undefined;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  const missing = findMissingLabTools();
  if (missing.length > 0) throw new Error(labToolsHint(missing)); // never skipped: CI must see it
  ensureWebBuild();
  await buildNodeIfStale();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-walkthrough-'));
  const port = await freePort();
  app = start(process.execPath, ['bin/dialer.js', 'serve', '--seed-demo'], {
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    HEALTH_CHECK_INTERVAL_SECONDS: '2',
    NODE_ENV: 'development',
  });
  await waitForText(() => app.output(), 'Open http://', 90_000);
  appUrl = `http://127.0.0.1:${port}`;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}, 180_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  for (const r of [demoPhone, app]) {
    if (!r || r.child.exitCode !== null || r.child.signalCode !== null) continue;
    ctrlC(r);
    await Promise.race([r.exited, new Promise((res) => setTimeout(res, 10_000))]);
    try {
      process.kill(-r.child.pid!, 'SIGKILL');
    } catch {
      /* stopped */
    }
  }
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function logIn(who: 'agent1' | 'agent2'): Promise<Page> {
  const context = await browser.newContext({
    baseURL: appUrl,
    viewport: VIEWPORTS.desktop,
    locale: 'en-US',
    timezoneId: 'UTC',
    permissions: ['microphone'],
  });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto('/login');
  await page.getByLabel('Email').fill(DEMO_USERS[who].email);
  await page.getByLabel('Password').fill(DEMO_USERS[who].password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByRole('heading', { name: 'Dialer', level: 1 }).waitFor();
  return page;
}

/** Both of the page's audio counters grow over a second: audio is flowing both ways right now. */
async function expectAudioBothWays(page: Page): Promise<void> {
  await poll(async () => Math.min(...Object.values(await shownBytes(page)))).toBeGreaterThan(0);
  const before = await shownBytes(page);
  await poll(async () => {
    const now = await shownBytes(page);
    return now.sent > before.sent && now.received > before.received;
  }).toBe(true);
}

describe('the demo, from a fresh start', () => {
  it('without the demo phone system, the demo trunks say so and what to run', async () => {
    const page = await logIn('agent1');
    await chooseConnection(page, 'Chicago Office SIP');
    await poll(() => phoneStatus(page)).toContain(DEMO_PHONE_NOT_RUNNING);
    await screenshot(page, 'demo-phone-not-running-desktop', { fullPage: false });
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, 'demo-phone-not-running-phone', { fullPage: false });
    await page.setViewportSize(VIEWPORTS.desktop);
    // The health probes say the same to anyone who looks at the connection.
    const agent1 = await apiAs(appUrl, DEMO_USERS.agent1.email, DEMO_USERS.agent1.password);
    await poll(async () => {
      const { connections } = await agent1<ConnectionListDto>('GET', '/api/connections');
      return connections.find((c) => c.name === 'Chicago Office SIP')?.health.message;
    }).toBe(DEMO_PHONE_NOT_RUNNING);
    await page.context().close();
  }, 120_000);

  it('with `npm run demo:phone`: agent1 hears the echo number, then calls agent2, who answers; Ctrl-C stops it all', async () => {
    demoPhone = start('npm', ['run', '--silent', 'demo:phone']);
    await waitForText(() => demoPhone!.output(), 'Ctrl-C stops it', 90_000);
    expect(demoPhone.output()).toContain('ws://127.0.0.1:5066');

    // agent1 calls the echo number: what the microphone sends comes back.
    const p1 = await logIn('agent1');
    await chooseConnection(p1, 'Chicago Office SIP');
    await poll(() => phoneStatus(p1)).toMatch(/Phone: Registered/);
    await dial(p1, DEMO_ECHO_NUMBER);
    await poll(() => callState(p1)).toBe('active');
    await expectAudioBothWays(p1);
    // ...and the echo peer itself counted the audio it played back.
    await poll(() => /played back (\d+) audio packets/.exec(demoPhone!.output())?.[1] ?? '0').not.toBe('0');
    await screenshot(p1, 'demo-phone-echo-call-desktop', { fullPage: false });
    await p1.getByTestId('call-hangup').click();
    await poll(() => callState(p1)).toBe('ended');
    await p1.getByTestId('call-close').click();

    // agent1 calls agent2 in a second browser window; agent2 answers.
    const p2 = await logIn('agent2');
    await chooseConnection(p2, AGENT2_LINE.trunk);
    await poll(() => phoneStatus(p2)).toMatch(/Phone: Registered/);
    await dial(p1, AGENT2_LINE.numbers[0]!);
    const ringing = p2.getByRole('dialog', { name: 'Incoming call' });
    await ringing.waitFor();
    await ringing.getByRole('button', { name: 'Answer' }).click();
    await poll(() => callState(p1)).toBe('active');
    await poll(() => callState(p2)).toBe('active');
    await expectAudioBothWays(p1);
    await expectAudioBothWays(p2);
    await screenshot(p2, 'demo-phone-agent-call-desktop', { fullPage: false });
    await p1.getByTestId('call-hangup').click();
    await poll(() => callState(p2)).toBe('ended');

    // Ctrl-C: everything it started stops, and the demo trunks' address is free again.
    ctrlC(demoPhone);
    await demoPhone.exited;
    expect(demoPhone.output()).toContain('The demo phone system has stopped.');
    expect(await tcpPortFree(5066)).toBe(true);
    await poll(() => phoneStatus(p1)).not.toMatch(/Phone: Registered/);
  }, 300_000);
});
