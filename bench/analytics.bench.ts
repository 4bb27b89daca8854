/**
 * Analytics (issue 12): with 1,000,000 calls over 200 connections and 5,000 numbers (90 days, 50 agents;
 * bench/support/analytics-dataset.ts), on SQLite and on PostgreSQL:
 *   1. every dashboard API answer (/api/analytics/*, as the page asks for them: an admin, everyone's
 *      calls, the default 30 days) p95 <= 300 ms: sequential requests to the compiled `dialer serve`;
 *   2. the page interactive within 1.5 s of navigation: Chromium (playwright-core) goes to /analytics
 *      and waits for the KPI table's rows and the charts to be drawn.
 *
 * The generated databases are kept in bench/.cache/ (gitignored; PostgreSQL: the database
 * dialer_bench_analytics, with its metadata in bench/.cache/) and reused while they are less than a day
 * old, so a rerun does not regenerate a million calls. BENCH_ANALYTICS_FRESH=1 rebuilds them;
 * BENCH_ANALYTICS_ONLY=sqlite|postgres measures one; BENCH_ANALYTICS_REQUESTS sets the requests per
 * endpoint (default 12, after one warm-up) and BENCH_ANALYTICS_PAGE_LOADS the page loads (default 5);
 * BENCH_ANALYTICS_BUDGET_S bounds the time spent on one
 * endpoint (default 120 s: past it, the requests made so far are reported, at least 2), and an answer
 * slower than 280 s is reported as a timeout instead of stopping the run. BENCH_ANALYTICS_CALLS sets the
 * number of calls (default 1,000,000), BENCH_ANALYTICS_PAGE=0 skips the page.
 *
 * bench/results/analytics.{md,json} are written only from a full-scale run on a quiet machine (load
 * average at most 3 throughout); any other run writes its figures to bench/.cache/ and says so.
 *
 * Run alone: `npm run bench -- analytics`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { loadConfig } from '../src/server/config.js';
import { migrateToLatest, openDatabase, type DatabaseKind } from '../src/server/db/database.js';
import { argon2Hasher } from '../src/server/repositories/password-hasher.js';
import buildNodeIfStale from '../test/support/build-node.js';
import { startServe } from '../test/support/cli.js';
import { ensureWebBuild, launchBrowser, loginAs, newPage } from '../test/e2e/harness.js';
import {
  ANALYTICS_ADMIN,
  ANALYTICS_SHAPE,
  buildAnalyticsDataset,
  FULL_SCALE_CALLS,
} from './support/analytics-dataset.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = path.resolve(HERE, '..');
const RESULTS = path.join(HERE, 'results');
const CACHE = path.join(HERE, '.cache');
const PG_DATABASE = 'dialer_bench_analytics';
const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REQUESTS = Number(process.env.BENCH_ANALYTICS_REQUESTS ?? 12);
const BUDGET_MS = Number(process.env.BENCH_ANALYTICS_BUDGET_S ?? 120) * 1000;
const REQUEST_TIMEOUT_MS = 280_000;
const PAGE_LOADS = Number(process.env.BENCH_ANALYTICS_PAGE_LOADS ?? 5);
const CREDENTIALS_KEY = 'b'.repeat(64);
const MAX_CACHE_AGE_MS = 86_400_000;
/**
 * Bumped when the generated database changes shape (2: with the analytics roll-ups of 0015; 3: every
 * trunk's calls spread over its 25 numbers, both directions and every outcome; 4: the roll-up levels
 * without the agent, 0023; 5: the week rows, 0025).
 */
const DATASET_VERSION = 5;
const QUIET_LOAD = 3;

/**
 * What the page asks for (src/web/api/analytics.ts), as an admin looking at everyone's calls. The KPI
 * table is one page (50 rows, the busiest first) of the server-sorted table.
 */
const ENDPOINTS = [
  '/api/analytics/filters',
  '/api/analytics/kpis?by=connection',
  '/api/analytics/kpis?by=number',
  '/api/analytics/kpis?by=agent',
  '/api/analytics/trends?bucket=day',
  '/api/analytics/heatmap',
  '/api/analytics/destinations',
  '/api/analytics/quality',
  '/api/analytics/failures',
  // A later page of the numbers in another order, as the KPI table's header and pager ask for it.
  '/api/analytics/kpis?by=number&sort=-asr&page=40',
  // One connection and one number, as the filters narrow it.
  '/api/analytics/kpis?by=connection&connectionId=30000000-0000-4000-8000-000000000007',
  '/api/analytics/kpis?by=number&phoneNumberId=40000000-0000-4000-8000-000000000180',
];

interface EndpointFigures {
  path: string;
  requests: number;
  timeouts: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  bytes: number;
}

interface EngineFigures {
  kind: DatabaseKind;
  datasetSeconds: number | 'cached';
  callsInDefaultRange: number;
  endpoints: EndpointFigures[];
  pageMs: number[];
  loadAverage: number[];
}

const round = (n: number) => Math.round(n * 10) / 10;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;

function pgUrl(database: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The database for `kind`, built if missing or stale: its DATABASE_URL and how long the build took. */
async function prepare(kind: DatabaseKind): Promise<{ url: string; built: number | 'cached' }> {
  fs.mkdirSync(CACHE, { recursive: true });
  const metaFile = path.join(CACHE, `analytics-${kind}.json`);
  const sqliteFile = path.join(CACHE, 'analytics.sqlite');
  const url = kind === 'sqlite' ? `sqlite:${sqliteFile}` : pgUrl(PG_DATABASE);
  const meta = fs.existsSync(metaFile)
    ? (JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { endMs: number; calls: number; version?: number })
    : null;
  const fresh =
    process.env.BENCH_ANALYTICS_FRESH !== '1' &&
    meta !== null &&
    meta.calls === ANALYTICS_SHAPE.calls &&
    meta.version === DATASET_VERSION &&
    Date.now() - meta.endMs < MAX_CACHE_AGE_MS &&
    (kind === 'postgres' || fs.existsSync(sqliteFile));
  if (fresh) return { url, built: 'cached' };

  if (kind === 'sqlite') {
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(sqliteFile + suffix, { force: true });
  } else {
    const admin = openDatabase(
      loadConfig({ DATABASE_URL: PG_ADMIN_URL, DATA_DIR: CACHE, LOG_LEVEL: 'silent' }).database,
      { poolSize: 1 },
    );
    await sql`drop database if exists ${sql.id(PG_DATABASE)}`.execute(admin.db);
    await sql`create database ${sql.id(PG_DATABASE)}`.execute(admin.db);
    await admin.close();
  }
  const started = performance.now();
  const handle = openDatabase(
    loadConfig({
      DATABASE_URL: url,
      DATA_DIR: CACHE,
      LOG_LEVEL: 'silent',
      CREDENTIALS_KEY,
      // Generating a million calls takes statements of minutes (the app's default is 10 s).
      DATABASE_STATEMENT_TIMEOUT_MS: '3600000',
    }).database,
    { poolSize: 2 },
  );
  try {
    await migrateToLatest(handle.db);
    const endMs = Math.floor(Date.now() / 60_000) * 60_000;
    await buildAnalyticsDataset(
      handle.db,
      kind,
      await argon2Hasher.hash(ANALYTICS_ADMIN.password),
      endMs,
      (n) => console.log(`  ${kind}: ${n.toLocaleString('en-US')} calls`),
    );
    fs.writeFileSync(
      metaFile,
      JSON.stringify({ endMs, calls: ANALYTICS_SHAPE.calls, version: DATASET_VERSION }) + '\n',
    );
  } finally {
    await handle.close();
  }
  return { url, built: Math.round((performance.now() - started) / 1000) };
}

async function login(base: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ANALYTICS_ADMIN.email, password: ANALYTICS_ADMIN.password }),
  });
  if (res.status !== 200) throw new Error(`login answered ${res.status}: ${await res.text()}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

async function timeEndpoint(base: string, cookie: string, p: string): Promise<EndpointFigures> {
  const url = `${base}${p}${p.includes('?') ? '&' : '?'}userId=all&tz=UTC`;
  const times: number[] = [];
  let bytes = 0;
  let timeouts = 0;
  const started = performance.now();
  for (let i = 0; i <= REQUESTS; i++) {
    if (i > 2 && performance.now() - started > BUDGET_MS) break;
    const t0 = performance.now();
    let body: string;
    try {
      const res = await fetch(url, { headers: { cookie }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      body = await res.text();
      if (res.status !== 200) throw new Error(`${p} answered ${res.status}: ${body.slice(0, 200)}`);
    } catch (err) {
      if ((err as Error).name !== 'TimeoutError') throw err;
      timeouts++;
      times.push(REQUEST_TIMEOUT_MS);
      continue;
    }
    const ms = performance.now() - t0;
    bytes = body.length;
    if (i > 0) times.push(ms); // the first is a warm-up (statement caches, the page cache)
  }
  times.sort((a, b) => a - b);
  return {
    path: p,
    requests: times.length,
    timeouts,
    p50Ms: round(percentile(times, 0.5)),
    p95Ms: round(percentile(times, 0.95)),
    maxMs: round(times.at(-1)!),
    bytes,
  };
}

/** Navigation to /analytics until the KPI table has its rows and every chart has drawn its canvas. */
async function timePage(base: string): Promise<number[]> {
  const browser = await launchBrowser();
  try {
    const { context, page } = await newPage(browser, base);
    page.setDefaultTimeout(600_000); // a busy machine: report the time, however long
    await loginAs(page, ANALYTICS_ADMIN.email, ANALYTICS_ADMIN.password);
    const times: number[] = [];
    for (let i = 0; i <= PAGE_LOADS; i++) {
      await page.goto('/');
      await page.getByRole('heading', { name: 'Dialer', level: 1 }).waitFor();
      const t0 = performance.now();
      await page.goto('/analytics');
      await page.locator('[data-testid="kpi-table"] tbody tr th').first().waitFor();
      await page.waitForFunction(() => {
        const charts = document.querySelectorAll('.analytics-page canvas');
        return charts.length >= 5 && !document.querySelector('.analytics-page[aria-busy="true"]');
      });
      if (i > 0) times.push(Math.round(performance.now() - t0));
    }
    await context.close();
    return times;
  } finally {
    await browser.close();
  }
}

async function measure(kind: DatabaseKind): Promise<EngineFigures> {
  const { url, built } = await prepare(kind);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-analytics-bench-'));
  const loads: number[] = [os.loadavg()[0]!];
  const serve = await startServe(
    [],
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      DATABASE_URL: url,
      CREDENTIALS_KEY,
      LOGIN_RATE_LIMIT: '1000',
      HEALTH_CHECK_INTERVAL_SECONDS: '0',
      WEB_DIST_DIR: path.join(ROOT, 'dist/web'),
    },
    { startTimeoutMs: 300_000 },
  );
  try {
    const cookie = await login(serve.url);
    const endpoints: EndpointFigures[] = [];
    for (const p of ENDPOINTS) {
      endpoints.push(await timeEndpoint(serve.url, cookie, p));
      loads.push(os.loadavg()[0]!);
      console.log(`  ${kind} ${p}: p95 ${endpoints.at(-1)!.p95Ms} ms`);
    }
    const total = (await (
      await fetch(`${serve.url}/api/analytics/kpis?by=total&userId=all`, { headers: { cookie } })
    ).json()) as { totals: { calls: number } };
    const pageMs = process.env.BENCH_ANALYTICS_PAGE === '0' ? [] : await timePage(serve.url);
    loads.push(os.loadavg()[0]!);
    return {
      kind,
      datasetSeconds: built,
      callsInDefaultRange: total.totals.calls,
      endpoints,
      pageMs,
      loadAverage: loads.map(round),
    };
  } finally {
    await serve.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, unknown>> {
  await buildNodeIfStale();
  ensureWebBuild();
  const only = process.env.BENCH_ANALYTICS_ONLY;
  const engines: EngineFigures[] = [];
  for (const kind of ['sqlite', 'postgres'] as const)
    if (!only || only === kind) engines.push(await measure(kind));
  const results = {
    generatedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    shape: ANALYTICS_SHAPE,
    targets: { apiP95Ms: 300, pageMs: 1500 },
    engines,
  };
  const maxLoad = Math.max(...engines.flatMap((e) => e.loadAverage));
  const official = ANALYTICS_SHAPE.calls === FULL_SCALE_CALLS && maxLoad <= QUIET_LOAD;
  const outDir = official ? RESULTS : CACHE;
  if (!official) {
    console.log(
      `  not a full-scale run on a quiet machine (${ANALYTICS_SHAPE.calls} calls, load average up to ${maxLoad}): figures in ${path.relative(ROOT, outDir)}/analytics.{md,json}, bench/results/ left as it is`,
    );
  }
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'analytics.json'), JSON.stringify(results, null, 2) + '\n');

  const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
  const md = [
    '## Analytics dashboard (`bench/analytics.bench.ts`)',
    '',
    `${ANALYTICS_SHAPE.calls.toLocaleString('en-US')} calls over the last ${ANALYTICS_SHAPE.days} days, ${ANALYTICS_SHAPE.trunks} connections, ${ANALYTICS_SHAPE.trunks * ANALYTICS_SHAPE.numbersPerTrunk} numbers, ${ANALYTICS_SHAPE.agents} agents. An admin, everyone's calls, the page's default range (the last 30 days). ${REQUESTS} sequential requests per answer after one warm-up, to the compiled \`dialer serve\`; the page: ${PAGE_LOADS} navigations to /analytics in Chromium until the KPI table's rows and the charts are drawn.`,
    `Measured ${results.generatedAt} on ${results.machine.cpus} CPUs (${results.machine.model}), Node ${results.machine.node}.`,
    'Targets: every answer p95 <= 300 ms; the page interactive within 1.5 s.',
    '',
  ];
  for (const e of engines) {
    const pageSorted = [...e.pageMs].sort((a, b) => a - b);
    md.push(
      `### ${e.kind}: ${e.callsInDefaultRange.toLocaleString('en-US')} calls in the range; dataset ${e.datasetSeconds === 'cached' ? 'from the cache' : `built in ${e.datasetSeconds} s`}; load average (1 min) ${Math.min(...e.loadAverage)}–${Math.max(...e.loadAverage)}`,
      '',
      '| answer | requests (timeouts) | p50 ms | p95 ms | max ms | bytes | p95 <= 300 ms |',
      '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
      ...e.endpoints.map(
        (x) =>
          `| \`${x.path}\` | ${x.requests} (${x.timeouts}) | ${x.p50Ms} | ${x.p95Ms} | ${x.maxMs} | ${x.bytes} | ${yes(x.p95Ms <= 300)} |`,
      ),
      pageSorted.length
        ? `| page /analytics interactive (ms) | ${pageSorted.length} | ${percentile(pageSorted, 0.5)} | ${percentile(pageSorted, 0.95)} | ${pageSorted.at(-1)} | | <= 1500 ms: ${yes(percentile(pageSorted, 0.95) <= 1500)} |`
        : '| page /analytics interactive | not measured (BENCH_ANALYTICS_PAGE=0) | | | | | |',
      '',
    );
  }
  fs.writeFileSync(path.join(outDir, 'analytics.md'), md.join('\n'));
  return Object.fromEntries(
    engines.map((e) => [
      e.kind,
      {
        worstP95Ms: Math.max(...e.endpoints.map((x) => x.p95Ms)),
        pageMedianMs: e.pageMs.length
          ? percentile(
              [...e.pageMs].sort((a, b) => a - b),
              0.5,
            )
          : null,
      },
    ]),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await run(), null, 2));
}
