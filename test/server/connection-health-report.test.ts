/**
 * GET /api/connections/:id/health, the per-connection health page's data, on SQLite and PostgreSQL:
 * who may read it (the owner, an admin any; anyone else a 404, no session a 401), and what it holds
 * (current state, state changes newest first, observations per time slot with failures and latency).
 * Observations are arranged through the health repository at fixed times, so no SIP peer is needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthWrite } from '../../src/server/repositories/health/health-repository.js';
import type { ConnectionHealthReportDto } from '../../src/shared/health.js';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { addTrunk, addUser, PASSWORD } from '../support/dialer-fixtures.js';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

function write(trunkId: string, o: Partial<HealthWrite> & { at: string }): HealthWrite {
  const ok = o.ok ?? true;
  return {
    trunkId,
    ok,
    latencyMs: ok ? (o.latencyMs ?? 20) : null,
    source: 'probe',
    observation: ok ? 'OPTIONS answered 200 OK' : 'no answer to OPTIONS in 2 s',
    status: o.status ?? 'up',
    previousStatus: o.previousStatus ?? o.status ?? 'up',
    reason: o.reason ?? 'OPTIONS answered 200 OK',
    failStreak: 0,
    okStreak: 0,
    registrationRefused: null,
    keepSample: true,
    display: true,
    ...o,
  };
}

describe.each(DATABASE_KINDS)('connection health report (%s)', (kind) => {
  let t: TestApp;
  let admin: Client;
  let agent: Client;
  let other: Client;
  let mine: string;
  let foreign: string;
  const times = { back: minutesAgo(20) };

  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000' } });
    const s = t.services;
    await addUser(s, { email: `r-admin-${kind}@example.com`, role: 'admin' });
    const agentId = (await addUser(s, { email: `r-agent-${kind}@example.com` })).id;
    const otherId = (await addUser(s, { email: `r-other-${kind}@example.com` })).id;
    mine = (await addTrunk(s, agentId, { name: 'Mine' })).id;
    foreign = (await addTrunk(s, otherId, { name: 'Theirs' })).id;
    // Up, then two failed checks turn it down 50 minutes ago, then up again 20 minutes ago.
    const writes = [
      write(mine, { at: minutesAgo(55), latencyMs: 10, status: 'up', previousStatus: 'unknown' }),
      write(mine, { at: minutesAgo(54), latencyMs: 30 }),
      write(mine, { at: minutesAgo(51), ok: false, status: 'up' }),
      write(mine, {
        at: minutesAgo(50),
        ok: false,
        status: 'down',
        previousStatus: 'up',
        reason: 'no answer to OPTIONS in 2 s',
      }),
      write(mine, { at: times.back, latencyMs: 40, status: 'up', previousStatus: 'down' }),
      // Older than the window asked for below: not in it.
      write(mine, { at: minutesAgo(180), latencyMs: 999 }),
    ];
    // One at a time, as the service writes them (one observation per connection per statement).
    for (const w of writes) await s.repos.health.apply([w]);
    admin = await t.login(`r-admin-${kind}@example.com`, PASSWORD);
    agent = await t.login(`r-agent-${kind}@example.com`, PASSWORD);
    other = await t.login(`r-other-${kind}@example.com`, PASSWORD);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the owner reads the state, its changes newest first and the checks per slot', async () => {
    const res = await agent.get(`/api/connections/${mine}/health?hours=1`);
    expect(res.status, res.text).toBe(200);
    const report = res.json as ConnectionHealthReportDto;
    expect(report).toMatchObject({ connectionId: mine, name: 'Mine', hours: 1 });
    expect(report.health.status).toBe('up');
    expect(report.changes.map((c) => `${c.previousStatus}->${c.status}`)).toEqual([
      'down->up',
      'up->down',
      'unknown->up',
    ]);
    expect(report.changes[1]!.reason).toBe('no answer to OPTIONS in 2 s');
    // One hour in five-minute slots; every check in the window counted once, none from before it.
    expect(report.series.bucketMinutes).toBe(5);
    expect(report.series.buckets.length).toBeGreaterThanOrEqual(12);
    const counted = report.series.buckets.filter((b) => b.checks > 0);
    expect(counted.reduce((n, b) => n + b.checks, 0)).toBe(5);
    expect(counted.reduce((n, b) => n + b.failures, 0)).toBe(2);
    expect(Math.max(...counted.map((b) => b.maxMs ?? 0))).toBe(40);
    // The slot of the check 20 minutes ago: one answered check of 40 ms.
    const at20 = Date.parse(times.back);
    const slot = report.series.buckets.find(
      (b) => Date.parse(b.start) <= at20 && at20 < Date.parse(b.start) + 5 * 60_000,
    );
    expect(slot).toMatchObject({ checks: 1, failures: 0, avgMs: 40, maxMs: 40 });
    const allLatency = counted.filter((b) => b.avgMs !== null);
    expect(allLatency.every((b) => b.avgMs! >= 10 && b.avgMs! <= 40)).toBe(true);
    expect(report.samples.map((s) => s.ok)).toEqual([true, true, false, false, true]);
  });

  it('a longer window uses longer slots and holds the older check', async () => {
    const res = await agent.get(`/api/connections/${mine}/health?hours=24`);
    expect(res.status).toBe(200);
    const report = res.json as ConnectionHealthReportDto;
    expect(report.series.bucketMinutes).toBe(60);
    expect(report.series.buckets.reduce((n, b) => n + b.checks, 0)).toBe(6);
    expect(Math.max(...report.series.buckets.map((b) => b.maxMs ?? 0))).toBe(999);
  });

  it('an admin reads any connection’s; another agent gets a 404, as for a connection that does not exist', async () => {
    expect((await admin.get(`/api/connections/${mine}/health`)).status).toBe(200);
    expect((await admin.get(`/api/connections/${foreign}/health`)).json.name).toBe('Theirs');
    const notYours = await other.get(`/api/connections/${mine}/health`);
    expect(notYours.status).toBe(404);
    expect(notYours.json.error.code).toBe('NOT_FOUND');
    expect(notYours.text).not.toContain('Mine');
    expect((await agent.get(`/api/connections/${foreign}/health`)).status).toBe(404);
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await agent.get(`/api/connections/${missing}/health`)).status).toBe(404);
    expect((await admin.get(`/api/connections/${missing}/health`)).status).toBe(404);
  });

  it('no session is a 401; a window out of range is a 400, not a 500', async () => {
    expect((await t.anonymous().get(`/api/connections/${mine}/health`)).status).toBe(401);
    expect((await agent.get(`/api/connections/${mine}/health?hours=0`)).status).toBe(400);
    expect((await agent.get(`/api/connections/${mine}/health?hours=9999`)).status).toBe(400);
    expect((await agent.get(`/api/connections/${mine}/health?hours=abc`)).status).toBe(400);
    expect((await agent.get('/api/connections/not-an-id/health')).status).toBeLessThan(500);
  });
});
