/**
 * Telnyx benchmarks (bench/run.ts contract: `run()` writes bench/results/telnyx.json and telnyx.md).
 *
 * 1. Sync of 10,000 numbers (40 pages of 250) from the local Telnyx fake, on SQLite and PostgreSQL.
 *    Target <= 10 s. Each sync runs in its own child process with the fake in another, so the memory
 *    figures are the sync's alone: peak RSS and heap, heap sampled at every page (flat = no growth with
 *    pages), and the same at 2,500 numbers to show the peak does not grow with the account.
 *    Beside each sync, in the same process and run, the bare official SDK pages through the same account
 *    (connections, then numbers, 250 a page, doing nothing with them): the sync's time over that time is
 *    its overhead (issue 13's targets: a first sync <= 1.3x, a sync with nothing to change <= 1.5x).
 *    10,000 numbers are measured twice: with the fake answering at once (~4 ms a page here, so the ratio
 *    is the database's write speed against nothing), and with every answer API_DELAY_MS late, as a
 *    cloud API across a network is (a page of 250 numbers from a real account takes longer still): there
 *    the sync, which writes a page while fetching the next, should take the API's time.
 * 2. The dialer list, database source vs Telnyx source, through the real HTTP API (agent with 5 trunks
 *    x 20 numbers): p50/p99 of sequential requests.
 *
 * Run alone: `node --import tsx bench/telnyx-sync.bench.ts`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { DatabaseKind } from '../src/server/db/database.js';
import { migrateToLatest, openDatabase } from '../src/server/db/database.js';
import { loadConfig } from '../src/server/config.js';
import { UserRepository } from '../src/server/repositories/user-repository.js';
import { createTelnyxServices } from '../src/server/telnyx-wiring.js';
import { closeTestApp } from '../test/fakes/telnyx-api/helpers.js';
import { startFakeTelnyx } from '../test/fakes/telnyx-api/server.js';
import { createPgDatabase, DATABASE_KINDS } from '../test/support/databases.js';
import { plainTestHasher, startTestApp } from '../test/support/app.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = path.resolve(HERE, '..');
const RESULTS = path.join(HERE, 'results');
const MB = 1024 * 1024;

interface SyncMeasure {
  numbers: number;
  /** How late the fake API answered every request. */
  apiDelayMs: number;
  firstRunMs: number;
  secondRunMs: number;
  firstRunCounts: unknown;
  secondRunCreatedOrUpdated: number;
  peakRssMb: number;
  baselineRssMb: number;
  peakHeapMb: number;
  baselineHeapMb: number;
  /** The bare SDK paging through the same account (best of the runs around the syncs). */
  sdkMs: number;
  firstVsSdk: number;
  secondVsSdk: number;
  /** heapUsed (MB) after each page of the first run. */
  heapPerPageMb: number[];
}

// ---- child: one sync, measured ---------------------------------------------------------------------
async function child(): Promise<void> {
  const { BENCH_DB_URL, BENCH_TELNYX_URL, BENCH_TELNYX_KEY, BENCH_NUMBERS, BENCH_DATA_DIR } = process.env;
  const config = loadConfig({ DATABASE_URL: BENCH_DB_URL, DATA_DIR: BENCH_DATA_DIR, LOG_LEVEL: 'silent' });
  const handle = openDatabase(config.database);
  await migrateToLatest(handle.db);
  await new UserRepository(handle.db).create({
    email: 'admin@example.com',
    name: 'Admin',
    passwordHash: 'x',
    role: 'admin',
    status: 'active',
    defaultCountry: 'US',
  });
  const telnyx = createTelnyxServices(
    {
      telnyx: {
        apiKey: BENCH_TELNYX_KEY,
        baseUrl: BENCH_TELNYX_URL,
        timeoutMs: 10_000,
        syncIntervalMinutes: 0,
      },
    },
    handle.db,
    handle.kind,
  );
  const { default: Telnyx } = await import('telnyx');
  const sdk = new Telnyx({ apiKey: BENCH_TELNYX_KEY, baseURL: BENCH_TELNYX_URL, timeout: 10_000 });
  /** The bare SDK reading every page of both lists, as fast as the API serves them. */
  const bareSdk = async (): Promise<number> => {
    const t = performance.now();
    let n = 0;
    for await (const page of (await sdk.credentialConnections.list({ 'page[size]': 250 })).iterPages())
      n += page.data.length;
    for await (const page of (await sdk.phoneNumbers.list({ 'page[size]': 250 })).iterPages())
      n += page.data.length;
    if (n < Number(BENCH_NUMBERS)) throw new Error(`bare SDK read only ${n} items`);
    return performance.now() - t;
  };
  const sdkRuns = [await bareSdk()];
  const mem = { rss: 0, heap: 0 };
  const sample = (): void => {
    const m = process.memoryUsage();
    mem.rss = Math.max(mem.rss, m.rss);
    mem.heap = Math.max(mem.heap, m.heapUsed);
  };
  global.gc?.();
  const base = process.memoryUsage();
  const timer = setInterval(sample, 5);
  const heapPerPage: number[] = [];
  let t0 = performance.now();
  const first = await telnyx.sync.run({
    onProgress: () => {
      sample();
      heapPerPage.push(Math.round((process.memoryUsage().heapUsed / MB) * 10) / 10);
    },
  });
  const firstMs = performance.now() - t0;
  clearInterval(timer);
  sdkRuns.push(await bareSdk());
  t0 = performance.now();
  const second = await telnyx.sync.run();
  const secondMs = performance.now() - t0;
  sdkRuns.push(await bareSdk());
  sample();
  if (first.status !== 'succeeded' || second.status !== 'succeeded') {
    throw new Error(`sync failed: ${JSON.stringify([first.errors, second.errors])}`);
  }
  const c = second.counts;
  const result: Omit<SyncMeasure, 'apiDelayMs'> = {
    numbers: Number(BENCH_NUMBERS),
    firstRunMs: Math.round(firstMs),
    secondRunMs: Math.round(secondMs),
    sdkMs: Math.round(Math.min(...sdkRuns)),
    firstVsSdk: Math.round((firstMs / Math.min(...sdkRuns)) * 100) / 100,
    secondVsSdk: Math.round((secondMs / Math.min(...sdkRuns)) * 100) / 100,
    firstRunCounts: first.counts,
    secondRunCreatedOrUpdated:
      c.connections.created +
      c.connections.updated +
      c.numbers.created +
      c.numbers.updated +
      c.assignments.created,
    peakRssMb: Math.round((mem.rss / MB) * 10) / 10,
    baselineRssMb: Math.round((base.rss / MB) * 10) / 10,
    peakHeapMb: Math.round((mem.heap / MB) * 10) / 10,
    baselineHeapMb: Math.round((base.heapUsed / MB) * 10) / 10,
    heapPerPageMb: heapPerPage,
  };
  await handle.close();
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

// ---- parent -------------------------------------------------------------------------------------------
function spawnNode(args: string[], env: Record<string, string>): ReturnType<typeof spawn> {
  return spawn(process.execPath, ['--expose-gc', '--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function firstLine(p: ReturnType<typeof spawn>, prefix = ''): Promise<string> {
  const rl = readline.createInterface({ input: p.stdout! });
  for await (const line of rl) if (line.startsWith(prefix)) return line.slice(prefix.length);
  throw new Error('child ended without output');
}

/** A network round trip to a cloud API plus its time to answer, kept low: real pages take longer. */
const API_DELAY_MS = 50;

async function measureSync(kind: DatabaseKind, numbers: number, apiDelayMs = 0): Promise<SyncMeasure> {
  const fake = spawnNode(
    [
      path.join(ROOT, 'test/fakes/telnyx-api/main.ts'),
      ...['--numbers', String(numbers), '--connections', '10', '--delay-ms', String(apiDelayMs)],
    ],
    {},
  );
  const { baseUrl, apiKey } = JSON.parse(await firstLine(fake)) as { baseUrl: string; apiKey: string };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-bench-telnyx-'));
  const pg = kind === 'postgres' ? await createPgDatabase('dialer_bench') : null;
  try {
    const c = spawnNode([fileURLToPath(import.meta.url)], {
      BENCH_TELNYX_CHILD: '1',
      BENCH_DB_URL: pg ? pg.url : `sqlite:${path.join(dataDir, 'bench.sqlite')}`,
      BENCH_DATA_DIR: dataDir,
      BENCH_TELNYX_URL: baseUrl,
      BENCH_TELNYX_KEY: apiKey,
      BENCH_NUMBERS: String(numbers),
    });
    return { ...(JSON.parse(await firstLine(c, 'RESULT ')) as SyncMeasure), apiDelayMs };
  } finally {
    fake.kill('SIGTERM');
    await pg?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measureLists(kind: DatabaseKind): Promise<Record<string, unknown>> {
  const fake = await startFakeTelnyx({ connections: 10, numbers: 200, unassignedNumbers: 0 });
  const app = await startTestApp(kind, {
    env: {
      TELNYX_API_KEY: fake.apiKey,
      TELNYX_BASE_URL: fake.baseUrl,
      LOGIN_RATE_LIMIT: '1000',
      LOG_LEVEL: 'silent',
    },
  });
  try {
    const hash = await plainTestHasher.hash('bench-password');
    await app.services.repos.users.create({
      email: 'admin@example.com',
      name: 'A',
      passwordHash: hash,
      role: 'admin',
      status: 'active',
      defaultCountry: 'US',
    });
    const agent = await app.services.repos.users.create({
      email: 'agent@example.com',
      name: 'B',
      passwordHash: hash,
      role: 'agent',
      status: 'active',
      defaultCountry: 'US',
    });
    const run = await app.services.telnyx.sync.run();
    if (run.status !== 'succeeded') throw new Error('bench sync failed');
    const ids = [...fake.connections.keys()].slice(0, 5);
    await app.services.db
      .updateTable('sip_trunks')
      .set({ owner_id: agent.id })
      .where('telnyx_connection_id', 'in', ids)
      .execute();
    const client = await app.login('agent@example.com', 'bench-password');
    const out: Record<string, unknown> = {};
    for (const source of ['database', 'telnyx'] as const) {
      const path_ = `/api/connections?source=${source}`;
      const times: number[] = [];
      for (let i = 0; i < 220; i++) {
        const t0 = performance.now();
        const res = await client.get(path_);
        const ms = performance.now() - t0;
        if (res.status !== 200 || res.json.count !== 5)
          throw new Error(`${path_}: ${res.status} ${res.text.slice(0, 200)}`);
        if (i >= 20) times.push(ms);
      }
      times.sort((a, b) => a - b);
      out[source] = {
        requests: times.length,
        p50Ms: Math.round(percentile(times, 50) * 100) / 100,
        p99Ms: Math.round(percentile(times, 99) * 100) / 100,
      };
    }
    return { trunks: 5, numbersPerTrunk: 20, ...out };
  } finally {
    await closeTestApp(app);
    await fake.close();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const sync: Record<string, SyncMeasure[]> = {};
  const lists: Record<string, unknown> = {};
  for (const kind of DATABASE_KINDS) {
    sync[kind] = [
      await measureSync(kind, 2_500),
      await measureSync(kind, 10_000),
      await measureSync(kind, 10_000, API_DELAY_MS),
    ];
    lists[kind] = await measureLists(kind);
  }
  const results = {
    generatedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version },
    targets: { sync10kMs: 10_000 },
    sync,
    listLatency: lists,
  };
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(path.join(RESULTS, 'telnyx.json'), JSON.stringify(results, null, 2) + '\n');

  const md: string[] = [
    '## Telnyx',
    '',
    '| database | numbers | API answers after | bare SDK | first sync (x SDK) | second sync, no changes (x SDK) | peak RSS | peak heap | heap per page (min–max) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [kind, rows] of Object.entries(sync)) {
    for (const r of rows) {
      const h = r.heapPerPageMb;
      md.push(
        `| ${kind} | ${r.numbers} | ${r.apiDelayMs} ms | ${(r.sdkMs / 1000).toFixed(2)} s | ${(r.firstRunMs / 1000).toFixed(2)} s (${r.firstVsSdk}x) | ${(r.secondRunMs / 1000).toFixed(2)} s (${r.secondVsSdk}x, ${r.secondRunCreatedOrUpdated} writes) | ${r.peakRssMb} MB | ${r.peakHeapMb} MB | ${Math.min(...h)}–${Math.max(...h)} MB |`,
      );
    }
  }
  md.push(
    '',
    'List latency, agent with 5 trunks x 20 numbers, sequential requests through the HTTP API:',
    '',
    '| database | source=database p50 / p99 | source=telnyx p50 / p99 |',
    '|---|---|---|',
  );
  for (const [kind, l] of Object.entries(lists) as [
    string,
    Record<string, { p50Ms: number; p99Ms: number }>,
  ][]) {
    md.push(
      `| ${kind} | ${l.database!.p50Ms} / ${l.database!.p99Ms} ms | ${l.telnyx!.p50Ms} / ${l.telnyx!.p99Ms} ms |`,
    );
  }
  fs.writeFileSync(path.join(RESULTS, 'telnyx.md'), md.join('\n') + '\n');

  const summary: Record<string, unknown> = {};
  for (const [kind, rows] of Object.entries(sync)) {
    const [, big, late] = rows;
    summary[`${kind}Sync10kMs`] = big!.firstRunMs;
    summary[`${kind}Sync10kVsSdk`] = big!.firstVsSdk;
    summary[`${kind}NoChangeSync10kVsSdk`] = big!.secondVsSdk;
    summary[`${kind}Sync10kVsSdkApiAfter${API_DELAY_MS}ms`] = late!.firstVsSdk;
    summary[`${kind}NoChangeSync10kVsSdkApiAfter${API_DELAY_MS}ms`] = late!.secondVsSdk;
    summary[`${kind}PeakRssMb`] = big!.peakRssMb;
  }
  summary.listLatency = lists;
  return summary;
}

if (process.env.BENCH_TELNYX_CHILD === '1') {
  await child();
} else if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await run(), null, 2));
}
