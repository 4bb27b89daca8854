/**
 * Login, sessions and logout (AuthService) on the in-memory users and sessions, with a scripted login
 * throttle and a readable fake hasher: refusals say how long to wait, unknown emails cost a password check
 * like known ones, a wrong password that starts a wait is audited once, a session is stored only as the
 * token's hash, a login ends the browser's previous session, weak hashes are replaced, and sessions expire
 * and slide only once a minute.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PasswordHasher } from '../../../src/server/repositories/password-hasher.js';
import { AuthService, hashToken } from '../../../src/server/services/auth-service.js';
import type { LoginAttempt, LoginThrottle } from '../../../src/server/services/login-throttle.js';
import { ErrorCode } from '../../../src/shared/errors.js';
import { adminFakes, emptyAdminStore, extend, type AdminStore } from './fake-admin-repositories.js';
import { aUser, failure } from './fake-repositories.js';

const NOW = '2026-12-02T06:00:00.000Z';
const TTL = 8 * 3600_000;
const plus = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();

describe('AuthService', () => {
  let store: AdminStore;
  let service: AuthService;
  let attempt: LoginAttempt;
  let hashed: string[];
  let verified: [string, string][];
  let succeeded: LoginAttempt[];
  let begun: string[];
  let user: ReturnType<typeof aUser>;

  const hasher: PasswordHasher = {
    hash: (p) => {
      hashed.push(p);
      return Promise.resolve(`new-hash(${p})`);
    },
    verify: (h, p) => {
      verified.push([h, p]);
      return Promise.resolve(h === `hash(${p})` || h === `old-hash(${p})` || h === `new-hash(${p})`);
    },
    needsRehash: (h) => h.startsWith('old-'),
  };

  function build(s: AdminStore = store) {
    const { repos } = adminFakes(s);
    const throttle = {
      begin: (email: string) => {
        begun.push(email);
        return Promise.resolve(attempt);
      },
      succeeded: (a: LoginAttempt) => {
        succeeded.push(a);
        return Promise.resolve();
      },
    } as unknown as LoginThrottle;
    return { repos, service: new AuthService(repos, hasher, TTL, throttle, { now: () => new Date(NOW) }) };
  }

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(NOW));
    store = emptyAdminStore();
    user = aUser({ id: 'u-1', email: 'ana@example.test', password_hash: 'hash(right-password)' });
    store.users.push(user);
    attempt = { allowed: true, accountKey: 'key-ana', failures: 1, lockedUntil: null };
    hashed = [];
    verified = [];
    succeeded = [];
    begun = [];
    service = build().service;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hashes a token with SHA-256 in hex', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  describe('login', () => {
    it('stores a session under the hash of a fresh token and answers the session', async () => {
      const { token, session } = await service.login('ana@example.test', 'right-password', {
        ip: '203.0.113.9',
        userAgent: 'Firefox',
      });
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(session.csrfToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(store.sessions).toStrictEqual([
        {
          id: hashToken(token),
          user_id: 'u-1',
          csrf_token: session.csrfToken,
          created_at: NOW,
          expires_at: plus(TTL),
          last_seen_at: NOW,
          ip: '203.0.113.9',
          user_agent: 'Firefox',
        },
      ]);
      expect(session).toStrictEqual({
        user: {
          id: 'u-1',
          email: 'ana@example.test',
          name: user.name,
          role: 'agent',
          status: 'active',
          defaultCountry: 'US',
          createdAt: user.created_at,
          lastLoginAt: NOW,
        },
        csrfToken: session.csrfToken,
        expiresAt: plus(TTL),
      });
      expect(store.users[0]!.last_login_at).toBe(NOW);
      expect(store.users[0]!.password_hash).toBe('hash(right-password)');
      expect(hashed).toEqual([]);
      expect(begun).toEqual(['ana@example.test']);
      expect(succeeded).toEqual([attempt]);
      expect(JSON.stringify(store)).not.toContain(token);
    });

    it('gives each login its own token and CSRF token', async () => {
      const a = await service.login('ana@example.test', 'right-password', {});
      const b = await service.login('ana@example.test', 'right-password', {});
      expect(a.token).not.toBe(b.token);
      expect(a.session.csrfToken).not.toBe(b.session.csrfToken);
      expect(store.sessions).toHaveLength(2);
    });

    it('finds the account with spaces around the email, keeps no address or agent it was not given, and cuts a long agent', async () => {
      await service.login('  ana@example.test ', 'right-password', {});
      expect(store.sessions[0]).toMatchObject({ ip: null, user_agent: null });
      await service.login('ana@example.test', 'right-password', { userAgent: 'x'.repeat(400) });
      expect(store.sessions[1]!.user_agent).toBe('x'.repeat(300));
    });

    it("ends the browser's previous session, and only that one", async () => {
      store.sessions.push(
        { ...sessionRow('old'), id: hashToken('old-cookie') },
        { ...sessionRow('other'), id: hashToken('other-cookie') },
      );
      await service.login('ana@example.test', 'right-password', { previousToken: 'old-cookie' });
      expect(store.sessions.map((s) => s.id)).not.toContain(hashToken('old-cookie'));
      expect(store.sessions.map((s) => s.id)).toContain(hashToken('other-cookie'));
      expect(store.sessions).toHaveLength(2);
    });

    it('replaces a hash made with weaker settings once the password is proven', async () => {
      store.users[0]!.password_hash = 'old-hash(right-password)';
      await service.login('ana@example.test', 'right-password', {});
      expect(hashed).toEqual(['right-password']);
      expect(store.users[0]!.password_hash).toBe('new-hash(right-password)');
    });

    it('answers the user as read when the last-login write finds no row', async () => {
      const { repos } = build();
      const s = new AuthService(
        { ...repos, users: extend(repos.users, { update: () => Promise.resolve(undefined) }) },
        hasher,
        TTL,
        {
          begin: () => Promise.resolve(attempt),
          succeeded: () => Promise.resolve(),
        } as unknown as LoginThrottle,
        { now: () => new Date(NOW) },
      );
      const { session } = await s.login('ana@example.test', 'right-password', {});
      expect(session.user).toMatchObject({ id: 'u-1', lastLoginAt: null });
    });

    it('refuses a wrong password without a session or an audit entry while no wait starts', async () => {
      const err = await failure(service.login('ana@example.test', 'wrong', { ip: '203.0.113.9' }));
      expect(err.code).toBe(ErrorCode.InvalidCredentials);
      expect(err.message).toBe('Email or password is not correct.');
      expect(store.sessions).toEqual([]);
      expect(store.audit).toEqual([]);
      expect(succeeded).toEqual([]);
    });

    it('audits the failed attempt that starts a wait, with the wait and the address', async () => {
      attempt = { allowed: true, accountKey: 'key-ana', failures: 5, lockedUntil: plus(119_600) };
      const err = await failure(service.login('ana@example.test', 'wrong', { ip: '203.0.113.9' }));
      expect(err.code).toBe(ErrorCode.InvalidCredentials);
      expect(store.audit).toStrictEqual([
        {
          actorId: null,
          action: 'auth.login_throttled',
          entityType: 'user',
          entityId: 'u-1',
          details: { failures: 5, waitSeconds: 120, lockedUntil: plus(119_600), ip: '203.0.113.9' },
        },
      ]);
      await failure(service.login('ana@example.test', 'wrong', {}));
      expect(store.audit[1]!.details).toMatchObject({ ip: null });
    });

    it('refuses an unknown email after checking a password all the same, with the same answer', async () => {
      const err = await failure(service.login('nobody@example.test', 'whatever', {}));
      expect(err.code).toBe(ErrorCode.InvalidCredentials);
      expect(err.message).toBe('Email or password is not correct.');
      expect(hashed).toEqual(['not-a-real-password']);
      expect(verified).toEqual([['new-hash(not-a-real-password)', 'whatever']]);
      await failure(service.login('nobody@example.test', 'again', {}));
      expect(hashed).toHaveLength(1);
      expect(verified[1]).toEqual(['new-hash(not-a-real-password)', 'again']);
      expect(store.audit).toEqual([]);
    });

    it('refuses an inactive account after the password, saying why', async () => {
      store.users[0]!.status = 'suspended';
      const err = await failure(service.login('ana@example.test', 'right-password', {}));
      expect(err.code).toBe(ErrorCode.InvalidCredentials);
      expect(err.message).toBe('This account is suspended. Ask an administrator to reactivate it.');
      expect(store.sessions).toEqual([]);
      expect(store.users[0]!.last_login_at).toBeNull();
    });

    it('refuses a throttled account before checking the password, saying how long to wait', async () => {
      const waits: [number, string][] = [
        [1, '1 second'],
        [30, '30 seconds'],
        [89, '89 seconds'],
        [90, '2 minutes'],
        [150, '3 minutes'],
      ];
      for (const [seconds, words] of waits) {
        attempt = { allowed: false, retryAfterSeconds: seconds };
        const err = await failure(service.login('ana@example.test', 'right-password', {}));
        expect(err.code).toBe(ErrorCode.RateLimited);
        expect(err.message).toBe(`Too many failed logins for this account. Try again in ${words}.`);
        expect(err.details).toEqual({ retryAfterSeconds: seconds });
      }
      expect(verified).toEqual([]);
      expect(store.sessions).toEqual([]);
    });
  });

  describe('authenticate', () => {
    function session(o: Partial<ReturnType<typeof sessionRow>> = {}) {
      store.sessions.push({ ...sessionRow('u-1'), id: hashToken('cookie'), ...o });
    }

    it('answers the session and its user, without writing within a minute of the last write', async () => {
      session({ last_seen_at: plus(-60_000), expires_at: plus(1000) });
      expect(await service.authenticate('cookie')).toStrictEqual({
        sessionId: hashToken('cookie'),
        csrfToken: 'csrf-u-1',
        expiresAt: plus(1000),
        user: expect.objectContaining({ id: 'u-1', email: 'ana@example.test' }) as unknown,
      });
      expect(store.sessions[0]).toMatchObject({ last_seen_at: plus(-60_000), expires_at: plus(1000) });
    });

    it('slides the expiry once more than a minute has passed', async () => {
      session({ last_seen_at: plus(-60_001), expires_at: plus(1000) });
      const s = await service.authenticate('cookie');
      expect(s.expiresAt).toBe(plus(TTL));
      expect(store.sessions[0]).toMatchObject({ last_seen_at: NOW, expires_at: plus(TTL) });
    });

    it('refuses no cookie and an unknown one', async () => {
      for (const token of [undefined, '', 'unknown']) {
        const err = await failure(service.authenticate(token));
        expect(err.code).toBe(ErrorCode.Unauthenticated);
        expect(err.message).toBe('Please log in');
      }
    });

    it('ends an expired session (at its expiry time exactly) and says it expired', async () => {
      session({ expires_at: NOW });
      const err = await failure(service.authenticate('cookie'));
      expect(err.code).toBe(ErrorCode.SessionExpired);
      expect(err.message).toBe('Your session has expired. Please log in again.');
      expect(store.sessions).toEqual([]);
    });

    it('ends the session of an account that is no longer active', async () => {
      session();
      store.users[0]!.status = 'inactive';
      const err = await failure(service.authenticate('cookie'));
      expect(err.code).toBe(ErrorCode.Unauthenticated);
      expect(err.message).toBe('This account is inactive.');
      expect(store.sessions).toEqual([]);
    });
  });

  it('logs out by ending the session', async () => {
    store.sessions.push({ ...sessionRow('u-1'), id: 'sid-1' }, { ...sessionRow('u-1'), id: 'sid-2' });
    await service.logout('sid-1');
    expect(store.sessions.map((s) => s.id)).toEqual(['sid-2']);
  });
});

function sessionRow(userId: string) {
  return {
    id: `s-${userId}`,
    user_id: userId,
    csrf_token: `csrf-${userId}`,
    created_at: '2026-12-01T00:00:00.000Z',
    expires_at: '2026-12-09T00:00:00.000Z',
    last_seen_at: '2026-12-02T05:59:30.000Z',
    ip: null,
    user_agent: null,
  };
}
