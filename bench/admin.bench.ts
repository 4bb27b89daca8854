/**
 * The admin console's heavy requests, on SQLite and PostgreSQL, in the benchmark database of 1,000 users
 * and 100,000 numbers (bench/support/dataset.ts), through the real app (routing, validation, session,
 * CSRF, serialisation) with Fastify's inject, so no socket or client adds to the figures:
 * - CSV import of 10,000 rows (assign 10,000 unassigned numbers to 999 connections by name): the dry run,
 *   then the apply (one transaction, one audit entry). Targets (issue 10): each <= 2 s on SQLite and
 *   <= 3 s on PostgreSQL.
 * - GET /api/admin/numbers, first page (50 rows), with several filters and sorts: p95 per filter over
 *   BENCH_ADMIN_ROUNDS requests (default 100) after a warm-up. Target: p95 <= 50 ms on both databases.
 *
 * Env: BENCH_DATABASES (default "sqlite,postgres"), BENCH_ADMIN_ROUNDS, TEST_PG_URL (PostgreSQL admin URL).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { createServices } from '../src/server/container.js';
import { migrateToLatest, openDatabase, type DatabaseKind } from '../src/server/db/database.js';
import { SHAPE, buildDataset } from './support/dataset.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = path.join(ROOT, 'bench/results');
const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.env.BENCH_ADMIN_ROUNDS ?? 100);
const IMPORT_ROWS = 10_000;
const ADMIN = { email: 'bench-admin@dialer.local', password: 'bench-admin-password-1' };
const TARGETS = {
  sqlite: { importSeconds: 2, listP95Ms: 50 },
  postgres: { importSeconds: 3, listP95Ms: 50 },
} as const;

interface ListFigure {
  filter: string;
  total: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

interface EngineResult {
  database: DatabaseKind;
  setupSeconds: number;
  import: { rows: number; dryRunSeconds: number; applySeconds: number; changed: number };
  list: ListFigure[];
  loadavg: { before: number; after: number };
  targets: { importSeconds: number; listP95Ms: number };
  pass: { import: boolean; list: boolean };
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
const load1 = (): number => Math.round(os.loadavg()[0]! * 100) / 100;

function percentile(sorted: number[], p: number): number {
  return round1(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);
}

async function createPg(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `dialer_bench_admin_${crypto.randomBytes(4).toString('hex')}`;
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

/** A signed-in admin's requests through the app (cookie and CSRF token as the browser sends them). */
async function adminClient(app: FastifyInstance) {
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: ADMIN });
  if (login.statusCode !== 200) throw new Error(`admin login: ${login.statusCode} ${login.body}`);
  const cookie = String(login.headers['set-cookie'] ?? '').split(';')[0]!;
  const { csrfToken } = login.json<{ csrfToken: string }>();
  return async (method: 'GET' | 'POST', url: string, csv?: string) => {
    const started = performance.now();
    const res = await app.inject({
      method,
      url,
      headers: {
        cookie,
        'x-csrf-token': csrfToken,
        ...(csv === undefined ? {} : { 'content-type': 'text/csv' }),
      },
      ...(csv === undefined ? {} : { payload: csv }),
    });
    const ms = performance.now() - started;
    if (res.statusCode !== 200)
      throw new Error(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    return { ms, json: res.json<Record<string, unknown>>() };
  };
}

async function benchEngine(kind: DatabaseKind): Promise<EngineResult> {
  const started = Date.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-bench-admin-'));
  const pgDb = kind === 'postgres' ? await createPg() : undefined;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    COOKIE_SECURE: 'false',
    DATA_DIR: dataDir,
    DATABASE_URL: pgDb ? pgDb.url : `sqlite:${path.join(dataDir, 'bench.sqlite')}`,
    LOG_LEVEL: 'silent',
    LOGIN_RATE_LIMIT: '1000',
  };
  const config = loadConfig(env);
  const handle = openDatabase(config.database);
  let app: FastifyInstance | undefined;
  try {
    await migrateToLatest(handle.db);
    await buildDataset(handle.db, kind, 'x');
    const services = createServices({ config, db: handle.db, databaseKind: kind });
    await services.admin.users.create({ ...ADMIN, name: 'Bench Admin', role: 'admin' }, null);
    const setupSeconds = (Date.now() - started) / 1000;
    process.stdout.write(`  ${kind}: dataset in ${setupSeconds.toFixed(1)} s\n`);
    app = await buildApp({ config, services, serveWeb: false });
    await app.ready();
    const request = await adminClient(app);
    const loadBefore = load1();

    // 10,000 unassigned numbers (the dataset assigns the first ~41,000), each to one of the
    // connections that already have a primary number, as backup: every row changes.
    const picked = await handle.db
      .selectFrom('phone_numbers')
      .leftJoin('trunk_phone_numbers', 'trunk_phone_numbers.phone_number_id', 'phone_numbers.id')
      .where('trunk_phone_numbers.id', 'is', null)
      .select('phone_numbers.id')
      .orderBy('phone_numbers.number')
      .limit(IMPORT_ROWS)
      .execute();
    // The dataset's numbers (+1200…) are not valid NANP numbers, which the import refuses: these become
    // +1 312 200 0000 to +1 312 200 9999.
    const unassigned = picked.map((r, i) => ({ id: r.id, number: `+1312${2_000_000 + i}` }));
    await handle.db.transaction().execute(async (trx) => {
      for (const n of unassigned) {
        await trx.updateTable('phone_numbers').set({ number: n.number }).where('id', '=', n.id).execute();
      }
    });
    const csv = [
      'number,connection,type,action',
      ...unassigned.map((n, i) => `${n.number},Main line ${1 + (i % (SHAPE.users - 1))},backup,assign`),
    ].join('\n');
    const dry = await request('POST', '/api/admin/assignments/import?dryRun=true', csv);
    const applied = await request('POST', '/api/admin/assignments/import?dryRun=false', csv);
    const counts = applied.json.counts as { changed: number };
    if (!applied.json.applied || counts.changed !== IMPORT_ROWS) {
      throw new Error(`the import did not apply every row: ${JSON.stringify(applied.json.counts)}`);
    }

    const someTrunk = await handle.db
      .selectFrom('sip_trunks')
      .select('id')
      .where('name', '=', 'Main line 7')
      .executeTakeFirstOrThrow();
    const filters: [string, string][] = [
      ['no filter (default order)', ''],
      ['area code', 'areaCode=312'],
      ['unassigned', 'assigned=false'],
      ['connection', `trunkId=${someTrunk.id}`],
      ['text (digits)', 'q=2000123'],
      ['text (partial digits)', 'q=99942'],
      ['text (city, mixed case)', 'q=cITY%2012'],
      ['text (no match)', 'q=zzz9'],
      // Shorter than a trigram: no index can narrow these, the database reads every row.
      ['text, 1 character (most match)', 'q=7'],
      ['text, 2 characters (most match)', 'q=12'],
      ['text, 2 characters (no match)', 'q=zq'],
      [
        'country + type + status, sorted by number desc',
        'country=US&numberType=toll_free&status=active&sort=-number',
      ],
      ['assigned as backup, sorted by connection', 'assigned=true&assignmentType=backup&sort=connection'],
      ['area code + unassigned, sorted by type', 'areaCode=250&assigned=false&sort=numberType'],
    ];
    const list: ListFigure[] = [];
    for (const [name, query] of filters) {
      const url = `/api/admin/numbers?page=1&pageSize=50${query ? `&${query}` : ''}`;
      let total = 0;
      for (let i = 0; i < 5; i++) total = Number((await request('GET', url)).json.total);
      const times: number[] = [];
      for (let i = 0; i < ROUNDS; i++) times.push((await request('GET', url)).ms);
      times.sort((a, b) => a - b);
      list.push({
        filter: name,
        total,
        p50Ms: percentile(times, 50),
        p95Ms: percentile(times, 95),
        maxMs: round1(times.at(-1)!),
      });
    }
    const targets = TARGETS[kind];
    const importResult = {
      rows: IMPORT_ROWS,
      dryRunSeconds: Math.round(dry.ms) / 1000,
      applySeconds: Math.round(applied.ms) / 1000,
      changed: counts.changed,
    };
    return {
      database: kind,
      setupSeconds: round1(setupSeconds),
      import: importResult,
      list,
      loadavg: { before: loadBefore, after: load1() },
      targets,
      pass: {
        import:
          importResult.dryRunSeconds <= targets.importSeconds &&
          importResult.applySeconds <= targets.importSeconds,
        list: list.every((l) => l.p95Ms <= targets.listP95Ms),
      },
    };
  } finally {
    await app?.close();
    await handle.close();
    await pgDb?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function markdown(results: EngineResult[], meta: Record<string, unknown>): string {
  const lines = [
    '## Admin console: CSV import of 10,000 rows, numbers list of 100,000 numbers (bench/admin.bench.ts)',
    '',
    `${String(meta.date)} · ${String(meta.machine)} · Node ${String(meta.node)} · load average at the end ${String(meta.loadavg)}`,
    '',
    'Through the real app with Fastify inject (session, CSRF, validation, serialisation; no socket).',
    '',
    '| database | import dry run | import apply | target | pass | load before → after |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.database} | ${r.import.dryRunSeconds.toFixed(2)} s | ${r.import.applySeconds.toFixed(2)} s | ≤ ${r.targets.importSeconds} s | ${r.pass.import ? 'yes' : 'NO'} | ${r.loadavg.before} → ${r.loadavg.after} |`,
    ),
    '',
    `GET /api/admin/numbers, first page of 50, ${ROUNDS} requests per filter one after another (target p95 ≤ 50 ms):`,
    '',
    '| database | filter | matches | p50 | p95 | max | pass |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
    ...results.flatMap((r) =>
      r.list.map(
        (l) =>
          `| ${r.database} | ${l.filter} | ${l.total.toLocaleString('en')} | ${l.p50Ms} ms | ${l.p95Ms} ms | ${l.maxMs} ms | ${l.p95Ms <= r.targets.listP95Ms ? 'yes' : 'NO'} |`,
      ),
    ),
    '',
  ];
  return lines.join('\n');
}

export async function run(): Promise<Record<string, unknown>> {
  const kinds = (process.env.BENCH_DATABASES ?? 'sqlite,postgres')
    .split(',')
    .map((s) => s.trim()) as DatabaseKind[];
  const results: EngineResult[] = [];
  for (const kind of kinds) results.push(await benchEngine(kind));
  const meta = {
    date: new Date().toISOString(),
    machine: `${os.cpus()[0]?.model ?? 'unknown CPU'} x ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    loadavg: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    rounds: ROUNDS,
    shape: SHAPE,
  };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(
    path.join(RESULTS_DIR, 'admin.json'),
    JSON.stringify({ ...meta, results }, null, 2) + '\n',
  );
  fs.writeFileSync(path.join(RESULTS_DIR, 'admin.md'), markdown(results, meta));
  return Object.fromEntries(
    results.map((r) => [
      r.database,
      {
        importDryRunSeconds: r.import.dryRunSeconds,
        importApplySeconds: r.import.applySeconds,
        listWorstP95Ms: Math.max(...r.list.map((l) => l.p95Ms)),
        pass: r.pass,
        loadavg: r.loadavg,
      },
    ]),
  );
}
