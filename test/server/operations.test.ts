/**
 * Operations endpoints, on both databases: /api/health (alive), /api/ready (database reachable and
 * migrated, else 503 saying why), /api/metrics (Prometheus text, only with METRICS_TOKEN or an admin's
 * session). Then, on PostgreSQL behind a proxy the test cuts: while the database is unreachable or silent,
 * requests get a prompt 503 SERVICE_UNAVAILABLE (never a 500 or a hang) and readiness says why; when it
 * comes back, the same app answers again by itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.js';
import { migrateToLatest, openDatabase } from '../../src/server/db/database.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createPgDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.js';
import { addUser, PASSWORD } from '../support/dialer-fixtures.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

describe.each(DATABASE_KINDS)('operations endpoints (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, { env: { METRICS_TOKEN } });
    await addUser(t.services, { email: 'admin@example.com', role: 'admin' });
    await addUser(t.services, { email: 'agent@example.com' });
  });
  afterAll(() => t.close());

  it('says it is alive and ready', async () => {
    const health = await t.anonymous().get('/api/health');
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok', database: kind });
    const ready = await t.anonymous().get('/api/ready');
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ status: 'ready', database: kind });
  });

  it('serves the metrics to the METRICS_TOKEN bearer and to an admin, to nobody else', async () => {
    const agent = await t.login('agent@example.com', PASSWORD);
    await agent.get('/api/connections');
    await agent.get('/api/connections');

    const anonymous = await t.anonymous().get('/api/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).not.toContain('dialer_');
    const wrong = await t.anonymous().request('GET', '/api/metrics', undefined, {
      authorization: `Bearer ${METRICS_TOKEN.replace(/.$/, 'x')}`,
    });
    expect(wrong.status).toBe(401);
    expect((await agent.get('/api/metrics')).status).toBe(403);

    const scraped = await t.anonymous().request('GET', '/api/metrics', undefined, {
      authorization: `Bearer ${METRICS_TOKEN}`,
    });
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain/);
    // Latency by route pattern, not by raw URL.
    expect(scraped.text).toMatch(
      /dialer_http_request_duration_seconds_count\{method="GET",route="\/api\/connections",status_code="200"\} 2/,
    );
    expect(scraped.text).toMatch(/^dialer_active_calls 0$/m);
    expect(scraped.text).toMatch(/^dialer_db_up 1$/m);
    expect(scraped.text).toContain('dialer_job_runs_total');
    if (kind === 'postgres') expect(scraped.text).toMatch(/^dialer_db_pool_max \d+$/m);

    const admin = await t.login('admin@example.com', PASSWORD);
    const byAdmin = await admin.get('/api/metrics');
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.text).toContain('dialer_http_request_duration_seconds_bucket');
  });

  it('counts a call in progress', async () => {
    const now = new Date().toISOString();
    const user = await t.services.repos.users.findByEmail('agent@example.com');
    await t.services.db
      .insertInto('calls')
      .values({
        id: `call-${kind}`,
        user_id: user!.id,
        trunk_id: null,
        phone_number_id: null,
        caller_number: null,
        remote_number: '+15551230000',
        direction: 'outbound',
        outcome: 'in_progress',
        hangup_cause: null,
        sip_code: null,
        sip_call_id: null,
        started_at: now,
        answered_at: null,
        ended_at: null,
        duration_seconds: null,
        mos: null,
        jitter_ms: null,
        packet_loss_pct: null,
        rtt_ms: null,
        last_seen_at: now,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const admin = await t.login('admin@example.com', PASSWORD);
    expect((await admin.get('/api/metrics')).text).toMatch(/^dialer_active_calls 1$/m);
  });

  it('is not ready when the database lacks a migration of this version, and says which', async () => {
    await t.services.db
      .deleteFrom('kysely_migration' as never)
      .where('name' as never, '=', '0005_login_throttle' as never)
      .execute();
    const second = await startTestApp(kind, { database: t.database });
    try {
      const ready = await second.anonymous().get('/api/ready');
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toBe('5');
      expect(ready.json.error.code).toBe('SERVICE_UNAVAILABLE');
      expect(ready.json.error.message).toMatch(/migration/);
      expect(ready.json.error.details).toEqual({
        database: 'behind',
        pendingMigrations: ['0005_login_throttle'],
      });
      expect((await second.anonymous().get('/api/health')).status).toBe(200);
    } finally {
      await second.close();
    }
  });
});

describe.runIf(DATABASE_KINDS.includes('postgres'))('a PostgreSQL outage (postgres)', () => {
  let proxy: TcpProxy;
  let t: TestApp;
  let dropPg: () => Promise<void>;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-outage-'));

  beforeAll(async () => {
    const pg = await createPgDatabase();
    dropPg = pg.drop;
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(pg.url).port || 5432));
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
    t = await startTestApp('postgres', { database });
    await addUser(t.services, { email: 'agent@example.com' });
  });
  afterAll(async () => {
    await t.close();
    await t.database.handle.close();
    await proxy.close();
    await dropPg();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(['refuse', 'hang'] as const)(
    'answers 503 promptly while the database is unreachable (%s), then recovers by itself',
    async (mode) => {
      const agent = await t.login('agent@example.com', PASSWORD);
      expect((await agent.get('/api/connections')).status).toBe(200);

      proxy.cut(mode);
      // A hung database answers through DATABASE_CONNECT_TIMEOUT_MS (400 ms here), never the test's own
      // timeout; how long the 503 takes is a figure for bench/recovery.bench.ts.
      const list = await agent.get('/api/connections');
      expect(list.status).toBe(503);
      expect(list.json.error).toEqual({
        code: 'SERVICE_UNAVAILABLE',
        message: expect.stringMatching(/database is not answering/) as unknown,
      });
      expect(list.headers.get('retry-after')).toBe('5');
      const login = await t
        .anonymous()
        .post('/api/auth/login', { email: 'agent@example.com', password: PASSWORD });
      expect(login.status).toBe(503);
      const ready = await t.anonymous().get('/api/ready');
      expect(ready.status).toBe(503);
      expect(ready.json.error.details).toEqual({ database: 'unreachable' });
      expect(ready.json.error.message).toMatch(/database is not reachable/);
      expect((await t.anonymous().get('/api/health')).status).toBe(200);
      expect(t.logs.join('')).not.toMatch(/"statusCode":500|unhandled error/);

      proxy.restore();
      await expect
        .poll(async () => (await t.anonymous().get('/api/ready')).status, { timeout: 5000, interval: 100 })
        .toBe(200);
      expect((await agent.get('/api/connections')).status).toBe(200);
    },
  );
});
