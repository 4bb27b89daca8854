/**
 * GET /api/connections for a user with 50 trunks x 20 numbers, in a database of 1,000 users and
 * 100,000 numbers, on SQLite and PostgreSQL. Each engine is measured twice with autocannon at the same
 * concurrency: the real app (session lookup, route, service, mapping, serialisation) and a bare route
 * running the same two queries + JSON.stringify (the floor of Fastify + Kysely + the driver).
 * Targets (issue 2, item 10): p99 <= 5 ms on SQLite and <= 8 ms on PostgreSQL; real req/s >= 70 % of floor.
 *
 * Env: BENCH_DURATION (seconds per measurement, default 5), BENCH_CONNECTIONS (default 10),
 * BENCH_DATABASES (default "sqlite,postgres"), TEST_PG_URL (PostgreSQL admin URL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import pg from 'pg';
import { loadConfig } from '../src/server/config.js';
import { migrateToLatest, openDatabase, type DatabaseKind } from '../src/server/db/database.js';
import { argon2Hasher } from '../src/server/repositories/password-hasher.js';
import { BENCH_USER, SHAPE, buildDataset } from './support/dataset.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = path.join(ROOT, 'bench/results');
const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const TARGETS = { sqlite: { p99Ms: 5 }, postgres: { p99Ms: 8 }, minThroughputRatio: 0.7 } as const;

export interface Measurement {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  reqPerSec: number;
  requests: number;
  errors: number;
  non2xx: number;
  /** CPU time the server process spent per request (user + system), in ms. */
  serverCpuMsPerRequest: number;
}

export interface EngineResult {
  database: DatabaseKind;
  dataset: Record<string, number>;
  setupSeconds: number;
  responseBytes: { app: number; floor: number };
  app: Measurement;
  floor: Measurement;
  /** One request at a time: the service time of one request, without queueing behind the others. */
  serial: { app: Measurement; floor: Measurement };
  /** The floor's answer served from memory: what a per-user response cache could reach. */
  cachedCeiling: Measurement;
  throughputRatio: number;
  /** floor CPU per request / app CPU per request: the throughput ratio the two would have on an idle core. */
  cpuRatio: number;
  targets: { p99Ms: number; minThroughputRatio: number };
  pass: { p99: boolean; throughput: boolean };
}

function measurement(r: Result, cpuMicros: number): Measurement {
  return {
    serverCpuMsPerRequest: Math.round((cpuMicros / 1000 / Math.max(1, r.requests.total)) * 1000) / 1000,
    p50Ms: r.latency.p50,
    p90Ms: r.latency.p90,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    reqPerSec: Math.round(r.requests.average),
    requests: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

async function createPg(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `dialer_bench_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

async function startServerProcess(env: Record<string, string>): Promise<{ child: ChildProcess; appPort: number; barePort: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/support/server.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with code ${code}`)));
  });
  const ports = JSON.parse(first) as { appPort: number; barePort: number };
  return { child, ...ports };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function login(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(BENCH_USER),
  });
  if (res.status !== 200) throw new Error(`bench login failed: ${res.status} ${await res.text()}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

/** Checks the answers before timing them, so a broken route cannot produce a fast benchmark. */
async function verify(appUrl: string, floorUrl: string, cookie: string): Promise<{ app: number; floor: number }> {
  const res = await fetch(appUrl, { headers: { cookie } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /api/connections answered ${res.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { count: number; connections: { numbers: unknown[] }[] };
  const numbers = body.connections.reduce((n, c) => n + c.numbers.length, 0);
  if (body.count !== SHAPE.benchTrunks || numbers !== SHAPE.benchTrunks * SHAPE.numbersPerBenchTrunk) {
    throw new Error(`unexpected connections list: ${body.count} connections, ${numbers} numbers`);
  }
  const floor = await fetch(floorUrl);
  const floorText = await floor.text();
  if (floor.status !== 200) throw new Error(`bare route answered ${floor.status}`);
  return { app: Buffer.byteLength(text), floor: Buffer.byteLength(floorText) };
}

async function serverCpuMicros(cpuUrl: string): Promise<number> {
  const u = (await (await fetch(cpuUrl)).json()) as { userMicros: number; systemMicros: number };
  return u.userMicros + u.systemMicros;
}

async function load(
  url: string,
  headers: Record<string, string>,
  cpuUrl: string,
  connections = CONNECTIONS,
): Promise<Measurement> {
  // A short warm-up so the JIT and the database caches are in the steady state being measured.
  await autocannon({ url, connections, duration: 1, headers });
  const before = await serverCpuMicros(cpuUrl);
  const result = await autocannon({ url, connections, duration: DURATION, headers });
  return measurement(result, (await serverCpuMicros(cpuUrl)) - before);
}

async function benchEngine(kind: DatabaseKind): Promise<EngineResult> {
  const started = Date.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-bench-'));
  const pgDb = kind === 'postgres' ? await createPg() : undefined;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    COOKIE_SECURE: 'false',
    DATA_DIR: dataDir,
    DATABASE_URL: pgDb ? pgDb.url : `sqlite:${path.join(dataDir, 'bench.sqlite')}`,
    LOG_LEVEL: 'silent',
    LOGIN_RATE_LIMIT: '1000',
  };
  let child: ChildProcess | undefined;
  try {
    const config = loadConfig(env);
    const handle = openDatabase(config.database);
    await migrateToLatest(handle.db);
    const dataset = await buildDataset(handle.db, kind, await argon2Hasher.hash(BENCH_USER.password));
    await handle.close();
    const setupSeconds = (Date.now() - started) / 1000;
    process.stdout.write(`  ${kind}: dataset ${JSON.stringify(dataset.rows)} in ${setupSeconds.toFixed(1)} s\n`);

    const server = await startServerProcess({ ...env, BENCH_USER_ID: dataset.benchUserId });
    child = server.child;
    const appUrl = `http://127.0.0.1:${server.appPort}/api/connections`;
    const floorUrl = `http://127.0.0.1:${server.barePort}/bare/connections`;
    const cookie = await login(`http://127.0.0.1:${server.appPort}`);
    const responseBytes = await verify(appUrl, floorUrl, cookie);

    const cpuUrl = `http://127.0.0.1:${server.barePort}/bare/cpu`;
    const floor = await load(floorUrl, {}, cpuUrl);
    const app = await load(appUrl, { cookie }, cpuUrl);
    const cachedCeiling = await load(`http://127.0.0.1:${server.barePort}/bare/cached`, {}, cpuUrl);
    const serial = { floor: await load(floorUrl, {}, cpuUrl, 1), app: await load(appUrl, { cookie }, cpuUrl, 1) };
    const cpuRatio = Math.round((floor.serverCpuMsPerRequest / app.serverCpuMsPerRequest) * 100) / 100;
    const throughputRatio = Math.round((app.reqPerSec / floor.reqPerSec) * 100) / 100;
    const p99Target = TARGETS[kind].p99Ms;
    const result: EngineResult = {
      database: kind,
      dataset: dataset.rows,
      setupSeconds,
      responseBytes,
      app,
      floor,
      serial,
      cachedCeiling,
      throughputRatio,
      cpuRatio,
      targets: { p99Ms: p99Target, minThroughputRatio: TARGETS.minThroughputRatio },
      pass: { p99: app.p99Ms <= p99Target, throughput: throughputRatio >= TARGETS.minThroughputRatio },
    };
    process.stdout.write(
      `  ${kind}: serial (1 connection) app p50 ${serial.app.p50Ms} ms, floor p50 ${serial.floor.p50Ms} ms\n` +
      `  ${kind}: app p50 ${app.p50Ms} ms p99 ${app.p99Ms} ms ${app.reqPerSec} req/s | floor p50 ${floor.p50Ms} ms p99 ${floor.p99Ms} ms ${floor.reqPerSec} req/s | ratio ${throughputRatio} | server CPU per request app ${app.serverCpuMsPerRequest} ms, floor ${floor.serverCpuMsPerRequest} ms (ratio ${cpuRatio}) | cached ceiling p99 ${cachedCeiling.p99Ms} ms ${cachedCeiling.reqPerSec} req/s\n`,
    );
    return result;
  } finally {
    if (child) await stop(child);
    await pgDb?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function markdown(results: EngineResult[], meta: Record<string, unknown>): string {
  const yes = (ok: boolean): string => (ok ? 'yes' : '**no**');
  const rows = results.flatMap((r) => [
    `| ${r.database} | real app | ${r.app.p50Ms} | ${r.app.p99Ms} | ${r.app.reqPerSec} | ${r.throughputRatio} | ${r.app.serverCpuMsPerRequest} (${r.cpuRatio}) | ${r.responseBytes.app} | p99 ≤ ${r.targets.p99Ms} ms: ${yes(r.pass.p99)}; ≥ 70 % of floor: ${yes(r.pass.throughput)} |`,
    `| ${r.database} | floor (bare route) | ${r.floor.p50Ms} | ${r.floor.p99Ms} | ${r.floor.reqPerSec} | 1 | ${r.floor.serverCpuMsPerRequest} (1) | ${r.responseBytes.floor} | |`,
    `| ${r.database} | cached answer (ceiling) | ${r.cachedCeiling.p50Ms} | ${r.cachedCeiling.p99Ms} | ${r.cachedCeiling.reqPerSec} | | ${r.cachedCeiling.serverCpuMsPerRequest} | ${r.responseBytes.floor} | |`,
  ]);
  const serialRows = results.flatMap((r) => [
    `| ${r.database} | real app | ${r.serial.app.p50Ms} | ${r.serial.app.p99Ms} | ${r.serial.app.reqPerSec} |`,
    `| ${r.database} | floor (bare route) | ${r.serial.floor.p50Ms} | ${r.serial.floor.p99Ms} | ${r.serial.floor.reqPerSec} |`,
  ]);
  return [
    '## GET /api/connections (`bench/connections.bench.ts`)',
    '',
    `One user with ${SHAPE.benchTrunks} trunks x ${SHAPE.numbersPerBenchTrunk} numbers in a database of ${SHAPE.users.toLocaleString('en')} users and ${SHAPE.numbers.toLocaleString('en')} numbers.`,
    `autocannon, ${CONNECTIONS} connections, ${DURATION} s per row after a 1 s warm-up; server in its own process.`,
    `Measured ${String(meta.date)} on ${String(meta.machine)}, Node ${process.version}.`,
    '',
    '| database | route | p50 ms | p99 ms | req/s | req/s ratio to floor | server CPU ms/req (floor/app) | response bytes | targets met |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    '',
    'One connection (no queueing: the time one request takes):',
    '',
    '| database | route | p50 ms | p99 ms | req/s |',
    '| --- | --- | ---: | ---: | ---: |',
    ...serialRows,
    '',
    `Load average on the machine when measured: ${String(meta.loadavg)} (other work on the machine inflates latency).`,
    '',
    'The floor runs the connections service\'s two queries and `JSON.stringify` of the raw rows, with no',
    'session lookup, no mapping to the API shape and no Fastify plugins: what this stack cannot go below.',
    'The "cached answer" row serves the floor\'s JSON from memory (no SQL): the best a per-user response cache could do.',
    '"server CPU ms/req" is the CPU time the server process spent per request (PostgreSQL\'s own CPU not included);',
    'unlike latency it does not depend on what else the machine is doing, so its ratio is the fairest app/floor comparison.',
    '',
  ].join('\n');
}

export async function run(): Promise<Record<string, unknown>> {
  const kinds = (process.env.BENCH_DATABASES ?? 'sqlite,postgres').split(',').map((s) => s.trim()) as DatabaseKind[];
  const results: EngineResult[] = [];
  for (const kind of kinds) results.push(await benchEngine(kind));
  const meta = {
    date: new Date().toISOString(),
    machine: `${os.cpus()[0]?.model ?? 'unknown CPU'} x ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    loadavg: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    connections: CONNECTIONS,
    durationSeconds: DURATION,
    shape: SHAPE,
  };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'connections.json'), JSON.stringify({ ...meta, results }, null, 2) + '\n');
  fs.writeFileSync(path.join(RESULTS_DIR, 'connections.md'), markdown(results, meta));
  return {
    ...Object.fromEntries(
      results.map((r) => [
        r.database,
        { p50Ms: r.app.p50Ms, p99Ms: r.app.p99Ms, reqPerSec: r.app.reqPerSec, floorReqPerSec: r.floor.reqPerSec, ratio: r.throughputRatio, pass: r.pass },
      ]),
    ),
  };
}
