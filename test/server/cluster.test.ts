/**
 * Two compiled Dialer instances on one PostgreSQL behind a real HAProxy (deploy/haproxy.cfg), as the
 * README tells an operator to run them:
 *   - a login made through one instance works on the other;
 *   - a write through one is seen at once through the other (the connections cache is validated by the
 *     database's revision on every request);
 *   - each periodic job runs on one instance at a time (job leases), the other skipping its ticks;
 *   - a live event raised on one instance reaches event streams (GET /api/events, opened through HAProxy)
 *     on both, B's included (PostgreSQL LISTEN/NOTIFY), unbuffered by HAProxy;
 *   - one instance SIGKILLed: requests through HAProxy go on through the other, every write answered 2xx
 *     is kept;
 *   - PostgreSQL unreachable: requests get a prompt 503 SERVICE_UNAVAILABLE (never a 500 or a hang),
 *     /api/ready on each instance says the database is unreachable, and both recover by themselves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRow } from '../../src/server/db/schema.js';
import { argon2Hasher } from '../../src/server/repositories/password-hasher.js';
import { CLUSTER_METRICS_TOKEN, startCluster, waitForStatus, type Cluster } from '../support/cluster.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { addNumber, addTrunk, assign } from '../support/dialer-fixtures.js';
import { openEvents, type SseReader } from '../support/sse.js';

const PASSWORD = 'cluster-pass-123';

interface Session {
  cookie: string;
  csrf: string;
}

async function call(
  base: string,
  method: string,
  path: string,
  session: Session | null,
  body?: unknown,
  extra: Record<string, string> = {},
): Promise<{ status: number; json: unknown; text: string }> {
  const headers: Record<string, string> = { ...extra };
  if (session) {
    headers.cookie = session.cookie;
    headers['x-csrf-token'] = session.csrf;
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

async function login(base: string, email: string): Promise<Session> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  const json = (await res.json()) as { csrfToken: string };
  expect(res.status).toBe(200);
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: json.csrfToken };
}

function gauge(metrics: string, name: string): number {
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics);
  return m ? Number(m[1]) : 0;
}

function jobRuns(metrics: string, job: string, result: string): number {
  const m = new RegExp(`^dialer_job_runs_total\\{job="${job}",result="${result}"\\} (\\d+)$`, 'm').exec(
    metrics,
  );
  return m ? Number(m[1]) : 0;
}

describe.runIf(DATABASE_KINDS.includes('postgres'))(
  'several instances behind HAProxy on one PostgreSQL',
  () => {
    let cluster: Cluster;
    let a: string;
    let b: string;
    let agent: UserRow;
    let trunkId: string;
    let callerNumber: string;

    beforeAll(async () => {
      // The sweep runs every second (a quarter of the timeout), so the lease test needs no long wait.
      cluster = await startCluster({ env: { CALL_ABANDON_TIMEOUT_SECONDS: '4' } });
      [a, b] = cluster.instances.map((i) => i.url) as [string, string];
      const hash = await argon2Hasher.hash(PASSWORD);
      const users = cluster.services.repos.users;
      agent = await users.create({
        email: 'agent@example.com',
        name: 'Agent',
        passwordHash: hash,
        role: 'agent',
        status: 'active',
        defaultCountry: 'US',
      });
      await users.create({
        email: 'admin@example.com',
        name: 'Admin',
        passwordHash: hash,
        role: 'admin',
        status: 'active',
        defaultCountry: 'US',
      });
      trunkId = (await addTrunk(cluster.services, agent.id, { name: 'Original name' })).id;
      const number = await addNumber(cluster.services, { owner_id: agent.id });
      await assign(cluster.services, trunkId, number.id, 'primary');
      callerNumber = number.number;
    }, 60_000);
    afterAll(async () => {
      await cluster?.close();
    });

    it('keeps a login made on one instance on the other, and shows a write on one at once on the other', async () => {
      const session = await login(a, 'agent@example.com');
      const onB = await call(b, 'GET', '/api/connections', session);
      expect(onB.status).toBe(200);
      expect(JSON.stringify(onB.json)).toContain('Original name'); // B's cache now holds the list

      const admin = await login(b, 'admin@example.com');
      const renamed = await call(a, 'PATCH', `/api/admin/trunks/${trunkId}`, admin, { name: 'Renamed on A' });
      expect(renamed.status).toBe(200);
      const after = await call(b, 'GET', '/api/connections', session);
      expect(JSON.stringify(after.json)).toContain('Renamed on A');
      expect(JSON.stringify(after.json)).not.toContain('Original name');
    });

    const scrape = async (url: string) =>
      (
        await call(url, 'GET', '/api/metrics', null, undefined, {
          authorization: `Bearer ${CLUSTER_METRICS_TOKEN}`,
        })
      ).text;

    it('delivers a live event raised on instance A to event streams held on A and on B through HAProxy', async () => {
      const session = await login(cluster.url, 'agent@example.com');
      // HAProxy balances round robin: streams opened one after the other land on both instances. Which
      // instance holds which stream is read from each instance's dialer_event_streams gauge.
      const streams: { reader: SseReader; instance: number }[] = [];
      try {
        for (let i = 0; i < 6 && new Set(streams.map((s) => s.instance)).size < 2; i++) {
          const before = await Promise.all(
            [a, b].map(async (u) => gauge(await scrape(u), 'dialer_event_streams')),
          );
          const reader = await openEvents(cluster.url, session.cookie);
          const after = await Promise.all(
            [a, b].map(async (u) => gauge(await scrape(u), 'dialer_event_streams')),
          );
          const instance = after.findIndex((n, k) => n > before[k]!);
          expect(instance).toBeGreaterThanOrEqual(0);
          streams.push({ reader, instance });
        }
        const onB = streams.find((s) => s.instance === 1);
        const onA = streams.find((s) => s.instance === 0);
        expect(onB, 'a stream held by instance B').toBeDefined();
        expect(onA, 'a stream held by instance A').toBeDefined();

        // A health observation recorded through instance A's API (the agent's browser failed to register).
        const report = await call(a, 'POST', `/api/connections/${trunkId}/registration-report`, session, {
          ok: false,
          statusCode: 403,
          cause: 'Rejected',
        });
        expect(report.status, report.text).toBe(200);
        for (const s of [onB!, onA!]) {
          const e = await s.reader.waitFor((ev) => ev.event === 'connection.health', 10_000);
          expect(JSON.parse(e.data)).toMatchObject({ connectionId: trunkId });
        }
      } finally {
        for (const s of streams) s.reader.close();
      }
    });

    it('runs each periodic job on one instance at a time', async () => {
      await expect
        .poll(
          async () =>
            jobRuns(await scrape(a), 'abandoned-calls', 'success') +
            jobRuns(await scrape(b), 'abandoned-calls', 'success'),
          {
            timeout: 10_000,
            interval: 250,
          },
        )
        .toBeGreaterThanOrEqual(3);
      const [ma, mb] = [await scrape(a), await scrape(b)];
      const ran = [jobRuns(ma, 'abandoned-calls', 'success'), jobRuns(mb, 'abandoned-calls', 'success')];
      const skipped = [jobRuns(ma, 'abandoned-calls', 'skipped'), jobRuns(mb, 'abandoned-calls', 'skipped')];
      // One instance holds the lease and runs every tick; the other skips every tick.
      expect(ran.filter((n) => n > 0)).toHaveLength(1);
      expect(skipped[ran[0]! > 0 ? 1 : 0]).toBeGreaterThanOrEqual(2);
    });

    it('goes on through the other instance when one is SIGKILLed, losing no acknowledged write', async () => {
      const session = await login(cluster.url, 'agent@example.com');
      const created: string[] = [];
      const failures: string[] = [];
      for (let i = 0; i < 30; i++) {
        if (i === 10) await cluster.instances[0]!.kill();
        const start = await call(cluster.url, 'POST', '/api/calls', session, {
          connectionId: trunkId,
          callerNumber,
          remoteNumber: `+1555010${String(i).padStart(4, '0')}`,
          direction: 'outbound',
        });
        if (start.status !== 201) {
          failures.push(`POST /api/calls #${i} -> ${start.status} ${start.text.slice(0, 100)}`);
          continue;
        }
        created.push((start.json as { id: string }).id);
        const beat = await call(cluster.url, 'POST', `/api/calls/${created.at(-1)}/heartbeat`, session, {});
        if (beat.status >= 300) failures.push(`heartbeat #${i} -> ${beat.status}`);
      }
      expect(failures).toEqual([]);
      expect(created).toHaveLength(30);
      const list = await call(cluster.url, 'GET', '/api/calls?pageSize=100', session);
      expect(list.status).toBe(200);
      const ids = new Set((list.json as { items: { id: string }[] }).items.map((c) => c.id));
      expect(created.filter((id) => !ids.has(id))).toEqual([]);
    });

    it('answers 503 while PostgreSQL is unreachable, says why, and recovers by itself', async () => {
      const session = await login(cluster.url, 'agent@example.com');
      const live = cluster.instances.filter((i) => i.child.exitCode === null && i.child.signalCode === null);
      expect(live.length).toBeGreaterThanOrEqual(1);
      cluster.dbProxy.cut('refuse');
      try {
        for (let i = 0; i < 6; i++) {
          const res = await call(cluster.url, 'GET', '/api/connections', session);
          expect(res.status, res.text).toBe(503);
          expect((res.json as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE');
        }
        for (const instance of live) {
          const ready = await call(instance.url, 'GET', '/api/ready', null);
          expect(ready.status).toBe(503);
          expect((ready.json as { error: { details: unknown } }).error.details).toEqual({
            database: 'unreachable',
          });
        }
      } finally {
        cluster.dbProxy.restore();
      }
      for (const instance of live) await waitForStatus(`${instance.url}/api/ready`, 200);
      await waitForStatus(`${cluster.url}/api/ready`, 200);
      expect((await call(cluster.url, 'GET', '/api/connections', session)).status).toBe(200);
      // Not one request answered 500 or failed unhandled on either instance.
      const logs = live.flatMap((i) => i.logs());
      expect(
        logs.filter(
          (l) =>
            l.msg === 'unhandled error' || (l.res as { statusCode?: number } | undefined)?.statusCode === 500,
        ),
      ).toEqual([]);
      expect(logs.some((l) => l.msg === 'database unavailable')).toBe(true);
    });
  },
);
