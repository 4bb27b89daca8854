/**
 * Login and sessions as production runs them, over HTTP on both databases: the argon2id hasher (not the
 * tests' plain one) for a wrong password, the right one and an outdated hash that is upgraded on login;
 * session expiry and its sliding refresh on the server, with the clock set by the test; a state-changing
 * request without the CSRF header; the session cookie marked Secure in production.
 */
import { hash as argon2Hash, type Algorithm } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/server/clock.js';
import { argon2Hasher } from '../../src/server/repositories/password-hasher.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';

const PASSWORD = 'correct-horse-battery';
const CURRENT_PARAMS = '$argon2id$v=19$m=19456,t=2,p=1$';
// @node-rs/argon2's Algorithm is a const enum, which isolatedModules cannot read: its documented values.
const ARGON2I = 1 as Algorithm;
const ARGON2ID = 2 as Algorithm;

/** A clock the test moves by hand. */
function manualClock(start: string): Clock & { advance(ms: number): void } {
  let now = Date.parse(start);
  return { now: () => new Date(now), advance: (ms) => (now += ms) };
}

describe.each(DATABASE_KINDS)('auth with the production hasher and clock (%s)', (kind) => {
  let t: TestApp;
  const clock = manualClock('2026-03-01T09:00:00.000Z');
  const MINUTE = 60_000;

  const createUser = async (email: string, passwordHash: string) =>
    t.services.repos.users.create({
      email,
      name: email.split('@')[0]!,
      passwordHash,
      role: 'agent',
      status: 'active',
      defaultCountry: 'US',
    });
  const storedHash = async (email: string) =>
    (await t.services.repos.users.findByEmail(email))!.password_hash;
  const login = (email: string, password: string) =>
    t.anonymous().post('/api/auth/login', { email, password });

  beforeAll(async () => {
    t = await startTestApp(kind, {
      env: { LOGIN_RATE_LIMIT: '1000', SESSION_TTL_HOURS: '1' },
      overrides: { hasher: argon2Hasher, clock },
    });
    await createUser('agent@example.com', await argon2Hasher.hash(PASSWORD));
  });
  afterAll(() => t.close());

  it('logs in with the right password and refuses a wrong one (argon2id)', async () => {
    expect(await storedHash('agent@example.com')).toMatch(/^\$argon2id\$/);
    const wrong = await login('agent@example.com', 'Correct-horse-battery');
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.message).toMatch(/not correct/);
    const right = await login('agent@example.com', PASSWORD);
    expect(right.status, right.text).toBe(200);
    expect(right.json.user.email).toBe('agent@example.com');
  });

  it('upgrades an outdated hash on the next successful login, and only then', async () => {
    const weak = await argon2Hash(PASSWORD, { algorithm: ARGON2ID, memoryCost: 4096, timeCost: 1 });
    const legacy = await argon2Hash(PASSWORD, { algorithm: ARGON2I });
    await createUser('weak@example.com', weak);
    await createUser('legacy@example.com', legacy);

    // A wrong password changes nothing.
    expect((await login('weak@example.com', 'wrong-password')).status).toBe(401);
    expect(await storedHash('weak@example.com')).toBe(weak);

    for (const [email, before] of [
      ['weak@example.com', weak],
      ['legacy@example.com', legacy],
    ] as const) {
      expect((await login(email, PASSWORD)).status).toBe(200);
      const after = await storedHash(email);
      expect(after).not.toBe(before);
      expect(after.startsWith(CURRENT_PARAMS)).toBe(true);
      // The upgraded hash still opens the account, and a current hash is left alone.
      expect((await login(email, PASSWORD)).status).toBe(200);
      expect(await storedHash(email)).toBe(after);
    }
  });

  it('expires an idle session on the server, and each request slides it forward', async () => {
    const res = await login('agent@example.com', PASSWORD);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(Date.parse(res.json.expiresAt as string)).toBe(clock.now().getTime() + 60 * MINUTE);
    const me = () => fetch(`${t.baseUrl}/api/auth/me`, { headers: { cookie } });

    // Used every 40 minutes, it outlives its first hour ...
    for (let i = 0; i < 3; i++) {
      clock.advance(40 * MINUTE);
      const r = await me();
      expect(r.status, `after ${(i + 1) * 40} min`).toBe(200);
    }
    // ... and left alone for more than the TTL, the server ends it.
    clock.advance(61 * MINUTE);
    const expired = await me();
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: 'SESSION_EXPIRED',
      message: 'Your session has expired. Please log in again.',
    });
    // Gone for good: the next request is a plain 401, not "expired" again.
    const after = await me();
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { code: string } }).error.code).not.toBe('SESSION_EXPIRED');
  });

  it('refuses a state-changing request without the CSRF header, and the session is untouched', async () => {
    const c = await t.login('agent@example.com', PASSWORD);
    const res = await fetch(`${t.baseUrl}/api/auth/logout`, {
      method: 'POST',
      headers: { cookie: c.cookie!, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('CSRF_INVALID');
    expect((await c.get('/api/auth/me')).status).toBe(200);
    expect((await c.post('/api/auth/logout')).status).toBe(200);
    expect((await c.get('/api/auth/me')).status).toBe(401);
  });
});

describe('the session cookie', () => {
  const cookieFor = async (env: Record<string, string>): Promise<string> => {
    const t = await startTestApp('sqlite', { env: { LOGIN_RATE_LIMIT: '1000', ...env } });
    try {
      await t.services.repos.users.create({
        email: 'agent@example.com',
        name: 'Agent',
        passwordHash: 'test$pw-123456',
        role: 'agent',
        status: 'active',
        defaultCountry: 'US',
      });
      const res = await t
        .anonymous()
        .post('/api/auth/login', { email: 'agent@example.com', password: 'pw-123456' });
      expect(res.status, res.text).toBe(200);
      return res.headers.get('set-cookie') ?? '';
    } finally {
      await t.close();
    }
  };

  it('is Secure in production (HTTPS only), and not on a developer’s plain http://localhost', async () => {
    const production = await cookieFor({ NODE_ENV: 'production' });
    expect(production).toMatch(/^dialer_session=[^;]+;/);
    expect(production).toMatch(/;\s*Secure/i);
    expect(production).toMatch(/HttpOnly/i);
    const development = await cookieFor({ NODE_ENV: 'development' });
    expect(development).toMatch(/^dialer_session=/);
    expect(development).not.toMatch(/;\s*Secure/i);
    // An operator behind plain HTTP in production can say so explicitly.
    expect(await cookieFor({ NODE_ENV: 'production', COOKIE_SECURE: 'false' })).not.toMatch(/;\s*Secure/i);
  });
});
