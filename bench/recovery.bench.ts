/**
 * How fast things come back, as figures (the tests assert only that they do, and in what order):
 *   - the SIP lab: `startSipLab({ withRtpengine: true })` and `restartKamailio()`;
 *   - the phone (the JsSIP adapter through createSoftphone, in Chromium): from a Kamailio restart to
 *     "reconnecting" and to "registered" again, times from the page's own clock;
 *   - the server while PostgreSQL is unreachable (connections refused, or a network gone silent): how long
 *     GET /api/connections and GET /api/ready take to answer their 503 (DATABASE_CONNECT_TIMEOUT_MS 400).
 * These used to be pass/fail limits in test/lab/sip-lab.test.ts (< 2 s, < 5 s),
 * test/phone/jssip-adapter.browser.test.ts and test/e2e/calling.e2e.test.ts (< 10 s),
 * test/server/operations.test.ts (< 3 s) and test/server/cluster.test.ts (< 5 s).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { SipRegistrationDto } from '../src/shared/api.js';
import { loadConfig } from '../src/server/config.js';
import { migrateToLatest, openDatabase } from '../src/server/db/database.js';
import { launchLabBrowser } from '../test/lab/browser.js';
import { startSipLab } from '../test/lab/sip-lab.js';
import type { HarnessWindow } from '../test/phone/harness/entry.js';
import { startHarnessServer } from '../test/phone/harness/server.js';
import { startTestApp } from '../test/support/app.js';
import { createPgDatabase, type TestDatabase } from '../test/support/databases.js';
import { addUser, PASSWORD } from '../test/support/dialer-fixtures.js';
import { startTcpProxy } from '../test/support/tcp-proxy.js';

const RESULTS_DIR = fileURLToPath(new URL('./results', import.meta.url));
const ROUNDS = Number(process.env.RECOVERY_BENCH_ROUNDS ?? 5);
const USER = { username: 'alice', password: 'alice-pw' };

interface Stats {
  median: number;
  p90: number;
  min: number;
  max: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  const r = (n: number): number => Math.round(n * 10) / 10;
  return { median: r(at(0.5)), p90: r(at(0.9)), min: r(s[0]!), max: r(s[s.length - 1]!) };
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, performance.now() - started];
}

async function labFigures(): Promise<{ startMs: number[]; restartMs: number[] }> {
  const startMs: number[] = [];
  const restartMs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const [lab, ms] = await timed(() => startSipLab({ users: [USER], withRtpengine: true }));
    startMs.push(ms);
    try {
      restartMs.push((await timed(() => lab.restartKamailio()))[1]);
    } finally {
      await lab.stop();
    }
  }
  return { startMs, restartMs };
}

type Logged = { t: number; kind: string; data: { status?: string } };

async function phoneFigures(): Promise<{ toReconnectingMs: number[]; toRegisteredMs: number[] }> {
  const [lab, browser, harness] = await Promise.all([
    startSipLab({ users: [USER] }),
    launchLabBrowser(),
    startHarnessServer(),
  ]);
  const toReconnectingMs: number[] = [];
  const toRegisteredMs: number[] = [];
  try {
    const page: Page = await browser.newPage();
    await page.goto(harness.url);
    await page.waitForFunction(() => (window as unknown as HarnessWindow).harness);
    const registration: SipRegistrationDto = {
      provider: 'sip',
      connectionId: 'conn-alice',
      wsServer: lab.wsUrl,
      sipUri: `sip:alice@${lab.domain}`,
      authorizationUser: 'alice',
      password: USER.password,
      displayName: 'Alice',
      fallback: false,
      dtmfMode: 'rfc2833',
      sendPAssertedIdentity: true,
      iceServers: [],
    };
    await page.evaluate(async (reg) => {
      const h = (window as unknown as HarnessWindow).harness;
      await h.create('sip');
      await h.register(reg);
    }, registration);
    const log = (): Promise<Logged[]> =>
      page.evaluate(() => (window as unknown as HarnessWindow).harness.log as Logged[]);
    for (let i = 0; i < ROUNDS; i++) {
      const seen = (await log()).length;
      const t0 = await page.evaluate(() => performance.now());
      await lab.restartKamailio();
      const deadline = Date.now() + 60_000;
      let entries: Logged[] = [];
      while (!entries.some((e) => e.kind === 'registration' && e.data.status === 'registered')) {
        if (Date.now() > deadline) throw new Error('the phone did not register again within 60 s');
        await new Promise((r) => setTimeout(r, 20));
        entries = (await log()).slice(seen);
      }
      const first = (status: string): number =>
        entries.find((e) => e.kind === 'registration' && e.data.status === status)!.t - t0;
      toReconnectingMs.push(first('reconnecting'));
      toRegisteredMs.push(first('registered'));
    }
  } finally {
    await browser.close();
    await harness.close();
    await lab.stop();
  }
  return { toReconnectingMs, toRegisteredMs };
}

async function outageFigures(): Promise<Record<'refuse' | 'hang', { listMs: number[]; readyMs: number[] }>> {
  const pg = await createPgDatabase();
  const proxy = await startTcpProxy('127.0.0.1', Number(new URL(pg.url).port || 5432));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-recovery-bench-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    DATABASE_URL: proxy.urlFor(pg.url),
    LOG_LEVEL: 'silent',
    DATABASE_POOL_SIZE: '3',
    DATABASE_CONNECT_TIMEOUT_MS: '400',
    DATABASE_STATEMENT_TIMEOUT_MS: '1000',
  });
  const handle = openDatabase(config.database);
  await migrateToLatest(handle.db);
  const database: TestDatabase = {
    kind: 'postgres',
    handle,
    config,
    dataDir,
    queries: [],
    drop: () => Promise.resolve(),
  };
  const t = await startTestApp('postgres', { database });
  const figures: Record<'refuse' | 'hang', { listMs: number[]; readyMs: number[] }> = {
    refuse: { listMs: [], readyMs: [] },
    hang: { listMs: [], readyMs: [] },
  };
  try {
    await addUser(t.services, { email: 'agent@example.com' });
    const agent = await t.login('agent@example.com', PASSWORD);
    for (const mode of ['refuse', 'hang'] as const) {
      for (let i = 0; i < ROUNDS; i++) {
        proxy.cut(mode);
        const [list, listMs] = await timed(() => agent.get('/api/connections'));
        const [ready, readyMs] = await timed(() => t.anonymous().get('/api/ready'));
        if (list.status !== 503 || ready.status !== 503) {
          throw new Error(
            `expected 503s while the database is cut (${mode}): ${list.status} ${ready.status}`,
          );
        }
        figures[mode].listMs.push(listMs);
        figures[mode].readyMs.push(readyMs);
        proxy.restore();
        const until = Date.now() + 30_000;
        while ((await t.anonymous().get('/api/ready')).status !== 200) {
          if (Date.now() > until) throw new Error('the app did not recover within 30 s');
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  } finally {
    await t.close();
    await handle.close();
    await proxy.close();
    await pg.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return figures;
}

export async function run(): Promise<Record<string, unknown>> {
  const loadBefore = os.loadavg().map((n) => +n.toFixed(2));
  const lab = await labFigures();
  const phone = await phoneFigures();
  const outage = await outageFigures();
  const result = {
    measuredAt: new Date().toISOString(),
    machine: `${os.cpus()[0]?.model ?? 'cpu'} x ${os.cpus().length}, Node ${process.version}`,
    loadAverage: { before: loadBefore, after: os.loadavg().map((n) => +n.toFixed(2)) },
    rounds: ROUNDS,
    lab: { startMs: stats(lab.startMs), restartKamailioMs: stats(lab.restartMs) },
    phone: {
      restartToReconnectingMs: stats(phone.toReconnectingMs),
      restartToRegisteredMs: stats(phone.toRegisteredMs),
    },
    outage: {
      refuse: { listMs: stats(outage.refuse.listMs), readyMs: stats(outage.refuse.readyMs) },
      hang: { listMs: stats(outage.hang.listMs), readyMs: stats(outage.hang.readyMs) },
    },
    raw: { lab, phone, outage },
  };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'recovery.json'), JSON.stringify(result, null, 2));
  const row = (name: string, s: Stats, before: string): string =>
    `| ${name} | ${s.median} | ${s.p90} | ${s.min} | ${s.max} | ${before} |`;
  const md = [
    '## Recovery: SIP lab, phone re-registration, database outage (`bench/recovery.bench.ts`)',
    '',
    `${ROUNDS} rounds each. Measured ${result.measuredAt} on ${result.machine}; load average`,
    `${result.loadAverage.before.join(' ')} → ${result.loadAverage.after.join(' ')}.`,
    'The tests assert that each of these happens, and in which order (from recorded state changes); the',
    'times are here. "Was a test limit" is the pass/fail limit the tests used to put on the figure.',
    '',
    '| step | median ms | p90 ms | min ms | max ms | was a test limit |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    row('SIP lab start (Kamailio + rtpengine)', result.lab.startMs, '< 2000 ms'),
    row('Kamailio restart', result.lab.restartKamailioMs, '< 5000 ms'),
    row(
      'phone (JsSIP adapter): restart → "reconnecting"',
      result.phone.restartToReconnectingMs,
      'seen by a poll within 3 s',
    ),
    row(
      'phone (JsSIP adapter): restart → registered again',
      result.phone.restartToRegisteredMs,
      '< 10 000 ms',
    ),
    row('PostgreSQL refusing: GET /api/connections → 503', result.outage.refuse.listMs, '< 3000 ms'),
    row('PostgreSQL refusing: GET /api/ready → 503', result.outage.refuse.readyMs, '< 3000 ms'),
    row('PostgreSQL silent: GET /api/connections → 503', result.outage.hang.listMs, '< 3000 ms'),
    row('PostgreSQL silent: GET /api/ready → 503', result.outage.hang.readyMs, '< 3000 ms'),
    '',
    'The phone reconnects with JsSIP\'s recovery interval (1-3 s in the adapter), so "registered again" is',
    'mostly that wait. A silent database answers through DATABASE_CONNECT_TIMEOUT_MS (400 ms in this bench).',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(RESULTS_DIR, 'recovery.md'), md);
  return {
    labStartMs: result.lab.startMs.median,
    restartToRegisteredMs: result.phone.restartToRegisteredMs.median,
    silentDatabase503Ms: result.outage.hang.listMs.median,
  };
}
