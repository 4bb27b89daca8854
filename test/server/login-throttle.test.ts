/**
 * Login throttling that holds, over real HTTP: the per-address limit cannot be escaped with a changing
 * X-Forwarded-For unless TRUST_PROXY names the proxy; the per-account backoff stops a password guesser
 * who changes address on every try (the "40 wrong passwords, then the right one, logs in"), is
 * shared by several app instances on one database, audits each wait it starts, never locks the real
 * user out for good (they get in once the wait is over) and is forgotten after a successful login.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestResponse } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { addUser, PASSWORD } from '../support/dialer-fixtures.js';

const WRONG = 'not-the-password';

describe.each(DATABASE_KINDS)('login throttling (%s)', (kind) => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  async function start(env: Record<string, string>): Promise<TestApp> {
    const t = await startTestApp(kind, { env });
    apps.push(t);
    return t;
  }

  function login(
    base: string,
    email: string,
    password: string,
    forwardedFor?: string,
  ): Promise<TestResponse> {
    return fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
      },
      body: JSON.stringify({ email, password }),
    }).then(async (res) => {
      const text = await res.text();
      return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
    });
  }

  async function sessionIps(t: TestApp, userId: string): Promise<(string | null)[]> {
    const rows = await t.services.db
      .selectFrom('sessions')
      .select('ip')
      .where('user_id', '=', userId)
      .execute();
    return rows.map((r) => r.ip);
  }

  it('ignores X-Forwarded-For without TRUST_PROXY: a changing header does not escape the per-address limit', async () => {
    const t = await start({ LOGIN_RATE_LIMIT: '3', LOGIN_THROTTLE_FAILURES: '1000' });
    const user = await addUser(t.services, { email: 'xff@example.com' });
    expect((await login(t.baseUrl, 'xff@example.com', PASSWORD, '203.0.113.7')).status).toBe(200);
    expect(await sessionIps(t, user.id)).toEqual(['127.0.0.1']);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await login(t.baseUrl, 'xff@example.com', WRONG, `198.51.100.${i}`)).status);
    }
    expect(statuses).toEqual([401, 401, 429, 429, 429, 429]);
  });

  it("takes the client's address from X-Forwarded-For when TRUST_PROXY names the proxy", async () => {
    const t = await start({
      LOGIN_RATE_LIMIT: '2',
      LOGIN_THROTTLE_FAILURES: '1000',
      TRUST_PROXY: '127.0.0.1',
    });
    const user = await addUser(t.services, { email: 'proxied@example.com' });
    expect((await login(t.baseUrl, 'proxied@example.com', PASSWORD, '203.0.113.7')).status).toBe(200);
    expect(await sessionIps(t, user.id)).toEqual(['203.0.113.7']);
    // 203.0.113.7 uses up its two attempts; another client behind the same proxy has its own.
    expect((await login(t.baseUrl, 'proxied@example.com', WRONG, '203.0.113.7')).status).toBe(401);
    expect((await login(t.baseUrl, 'proxied@example.com', WRONG, '203.0.113.7')).status).toBe(429);
    expect((await login(t.baseUrl, 'proxied@example.com', WRONG, '203.0.113.8')).status).toBe(401);
  });

  it('stops 40 wrong passwords from 40 addresses: the right one after them is refused, and the wait is audited', async () => {
    const t = await start({
      LOGIN_RATE_LIMIT: '3',
      TRUST_PROXY: '127.0.0.1',
      LOGIN_THROTTLE_FAILURES: '5',
      LOGIN_THROTTLE_BASE_SECONDS: '60',
    });
    const victim = await addUser(t.services, { email: 'victim@example.com' });
    await addUser(t.services, { email: 'bystander@example.com' });
    const answers: TestResponse[] = [];
    for (let i = 0; i < 40; i++)
      answers.push(await login(t.baseUrl, 'victim@example.com', WRONG, `10.9.${i}.1`));
    expect(answers.map((a) => a.status)).toEqual([...Array(5).fill(401), ...Array(35).fill(429)]);
    const refused = answers[5]!;
    expect(refused.json.error.code).toBe('RATE_LIMITED');
    expect(refused.json.error.message).toMatch(
      /Too many failed logins for this account\. Try again in \d+ seconds\./,
    );
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(50);

    // The right password during the wait does not log in (and is not checked).
    const right = await login(t.baseUrl, 'victim@example.com', PASSWORD, '10.9.200.1');
    expect(right.status).toBe(429);
    expect(await sessionIps(t, victim.id)).toEqual([]);

    // One audit entry for the wait, none per refused attempt.
    const audit = await t.services.repos.audit.list({ action: 'auth.login_throttled' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ entityType: 'user', entityId: victim.id, actorId: null });
    expect(audit[0]!.details).toMatchObject({ failures: 5, ip: '10.9.4.1' });

    // Another account is not affected, and an unknown email is throttled alike (nothing tells them apart).
    expect((await login(t.baseUrl, 'bystander@example.com', PASSWORD, '10.9.201.1')).status).toBe(200);
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++)
      unknown.push((await login(t.baseUrl, 'ghost@example.com', WRONG, `10.8.${i}.1`)).status);
    expect(unknown).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(await t.services.repos.audit.list({ action: 'auth.login_throttled' })).toHaveLength(1);
  });

  it('counts a burst of parallel attempts, and attempts spread over two app instances on one database, together', async () => {
    const t = await start({
      LOGIN_RATE_LIMIT: '1000',
      LOGIN_THROTTLE_FAILURES: '5',
      LOGIN_THROTTLE_BASE_SECONDS: '60',
    });
    await addUser(t.services, { email: 'burst@example.com' });
    await addUser(t.services, { email: 'spread@example.com' });
    const burst = await Promise.all(
      Array.from({ length: 20 }, () => login(t.baseUrl, 'burst@example.com', WRONG)),
    );
    const verified = burst.filter((r) => r.status === 401).length;
    expect(verified).toBeLessThanOrEqual(5);
    expect(burst.filter((r) => r.status === 429).length).toBe(20 - verified);

    // A second instance: its own services and HTTP server over the same database.
    const second = await startTestApp(kind, { database: t.database });
    apps.unshift(second); // closed before the first, which owns the database
    const secondUrl = second.baseUrl;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await login(i % 2 ? secondUrl : t.baseUrl, 'spread@example.com', WRONG)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
  });

  it('never locks the real user out: after the wait the right password logs in, a success forgets the failures, and each new wait doubles', async () => {
    const t = await start({
      LOGIN_RATE_LIMIT: '1000',
      LOGIN_THROTTLE_FAILURES: '3',
      LOGIN_THROTTLE_BASE_SECONDS: '0.1',
      LOGIN_THROTTLE_MAX_SECONDS: '0.4',
    });
    await addUser(t.services, { email: 'real@example.com' });
    const attempt = (password: string) => login(t.baseUrl, 'real@example.com', password);
    /** Tries until an answer is not 429 (the wait is over); returns it. */
    async function untilAllowed(password: string): Promise<TestResponse> {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const res = await attempt(password);
        if (res.status !== 429 || Date.now() > deadline) return res;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    /** The wait the account is in, in milliseconds (0 when none). */
    async function currentWaitMs(): Promise<number> {
      const row = await t.services.db.selectFrom('login_throttle').selectAll().executeTakeFirst();
      return row?.locked_until ? Date.parse(row.locked_until) - Date.parse(row.last_failure_at) : 0;
    }

    for (let i = 0; i < 3; i++) expect((await attempt(WRONG)).status).toBe(401);
    const locked = await attempt(PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('1');
    expect((await untilAllowed(PASSWORD)).status).toBe(200);
    expect(await currentWaitMs()).toBe(0);

    // The success forgot the failures: two wrong and then the right one go through unthrottled.
    expect((await attempt(WRONG)).status).toBe(401);
    expect((await attempt(WRONG)).status).toBe(401);
    expect((await attempt(PASSWORD)).status).toBe(200);

    // Each failure after a wait doubles the next wait, up to the cap: 100 ms, 200 ms, 400 ms, 400 ms.
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) expect((await attempt(WRONG)).status).toBe(401);
    waits.push(await currentWaitMs());
    for (let i = 0; i < 3; i++) {
      expect((await untilAllowed(WRONG)).status).toBe(401);
      waits.push(await currentWaitMs());
    }
    expect(waits).toEqual([100, 200, 400, 400]);
    // ...and still the real user gets in once it is over.
    expect((await untilAllowed(PASSWORD)).status).toBe(200);
  });
});
