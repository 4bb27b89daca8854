/**
 * The per-account login throttle (login-throttle.ts) on an in-memory table with the repository's
 * compare-and-set writes: the free attempts, the doubling wait and its cap, refusals that neither check the
 * password nor extend the wait, forgetting after a day or a success, one account's key whatever the
 * spelling of its address, and attempts that lose races.
 */
import { describe, expect, it } from 'vitest';
import {
  accountKeyFor,
  LoginThrottle,
  type LoginAttempt,
} from '../../../src/server/services/login-throttle.js';
import type { LoginThrottleRow } from '../../../src/server/db/schema.js';
import type { Repositories } from '../../../src/server/repositories/index.js';

type Repo = Repositories['loginThrottle'];
type State = Omit<LoginThrottleRow, 'account_key'>;

/** The table, with the SQL's conditions: insert only if absent, replace only if unchanged. */
function table() {
  const rows = new Map<string, LoginThrottleRow>();
  const pruned: [string, string][] = [];
  const repo = {
    find: (key: string) => Promise.resolve(rows.has(key) ? { ...rows.get(key)! } : undefined),
    insert: (key: string, state: State) => {
      if (rows.has(key)) return Promise.resolve(false);
      rows.set(key, { account_key: key, ...state });
      return Promise.resolve(true);
    },
    replace: (previous: LoginThrottleRow, next: State) => {
      const now = rows.get(previous.account_key);
      const same =
        now && now.failures === previous.failures && now.last_failure_at === previous.last_failure_at;
      if (same) rows.set(previous.account_key, { account_key: previous.account_key, ...next });
      return Promise.resolve(Boolean(same));
    },
    clear: (key: string) => {
      rows.delete(key);
      return Promise.resolve();
    },
    prune: (before: string, now: string) => {
      pruned.push([before, now]);
      return Promise.resolve();
    },
  };
  return { rows, pruned, repo: repo as unknown as Repo };
}

const POLICY = { failuresBeforeBackoff: 5, baseBackoffMs: 30_000, maxBackoffMs: 15 * 60_000 };
const T0 = Date.parse('2026-12-02T03:00:00.000Z');

function setup() {
  const t = table();
  let now = T0;
  const throttle = new LoginThrottle(t.repo, POLICY, { now: () => new Date(now) });
  return {
    ...t,
    throttle,
    advance: (ms: number) => (now += ms),
    at: () => now,
  };
}

function allowed(a: LoginAttempt): Extract<LoginAttempt, { allowed: true }> {
  if (!a.allowed) throw new Error(`refused, retry after ${a.retryAfterSeconds} s`);
  return a;
}

describe('LoginThrottle', () => {
  it('waits 0 for the first failures, then 30 s doubling per failure up to 15 minutes', () => {
    const { throttle } = setup();
    expect([0, 1, 4].map((n) => throttle.backoffMs(n))).toEqual([0, 0, 0]);
    expect([5, 6, 7, 8, 9, 10, 11].map((n) => throttle.backoffMs(n) / 1000)).toEqual([
      30, 60, 120, 240, 480, 900, 900,
    ]);
    expect(throttle.backoffMs(10_000)).toBe(900_000); // no overflow
  });

  it('counts each attempt as a failure at once, and makes the fifth one set the wait', async () => {
    const s = setup();
    for (let i = 1; i <= 4; i++) {
      const a = allowed(await s.throttle.begin('agent@example.com'));
      expect(a).toMatchObject({
        failures: i,
        lockedUntil: null,
        accountKey: accountKeyFor('agent@example.com'),
      });
      s.advance(1_000);
    }
    const fifth = allowed(await s.throttle.begin('agent@example.com'));
    expect(fifth.failures).toBe(5);
    expect(fifth.lockedUntil).toBe(new Date(s.at() + 30_000).toISOString());
    expect(s.rows.get(fifth.accountKey)).toEqual({
      account_key: fifth.accountKey,
      failures: 5,
      last_failure_at: new Date(s.at()).toISOString(),
      locked_until: new Date(s.at() + 30_000).toISOString(),
    });
  });

  it('refuses attempts during the wait without counting them or moving the end, and says how long', async () => {
    const s = setup();
    for (let i = 0; i < 5; i++) await s.throttle.begin('agent@example.com');
    const before = { ...s.rows.get(accountKeyFor('agent@example.com'))! };
    s.advance(10_500);
    expect(await s.throttle.begin('agent@example.com')).toEqual({ allowed: false, retryAfterSeconds: 20 });
    s.advance(19_000);
    expect(await s.throttle.begin('agent@example.com')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(s.rows.get(accountKeyFor('agent@example.com'))).toEqual(before);
    // At the end of the wait the user gets one attempt; failing it doubles the next wait.
    s.advance(500);
    const sixth = allowed(await s.throttle.begin('agent@example.com'));
    expect(sixth.failures).toBe(6);
    expect(sixth.lockedUntil).toBe(new Date(s.at() + 60_000).toISOString());
  });

  it('never says 0 seconds while the wait has a few milliseconds left', async () => {
    const s = setup();
    for (let i = 0; i < 5; i++) await s.throttle.begin('agent@example.com');
    s.advance(29_999);
    expect(await s.throttle.begin('agent@example.com')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('forgets the failures after a success, and after a day without one', async () => {
    const s = setup();
    for (let i = 0; i < 3; i++) await s.throttle.begin('agent@example.com');
    const ok = allowed(await s.throttle.begin('agent@example.com'));
    await s.throttle.succeeded(ok);
    expect(s.rows.size).toBe(0);
    expect(allowed(await s.throttle.begin('agent@example.com')).failures).toBe(1);

    for (let i = 0; i < 3; i++) await s.throttle.begin('agent@example.com');
    s.advance(24 * 3600_000); // exactly a day: still remembered
    expect(allowed(await s.throttle.begin('agent@example.com')).failures).toBe(5);
    s.advance(24 * 3600_000 + 1);
    expect(allowed(await s.throttle.begin('agent@example.com')).failures).toBe(1);
  });

  it('keys an account by its address in any case or spacing, and keeps accounts apart', async () => {
    const s = setup();
    await s.throttle.begin('Agent@Example.com ');
    const again = allowed(await s.throttle.begin('  agent@example.COM'));
    expect(again.failures).toBe(2);
    expect(again.accountKey).toBe(accountKeyFor('agent@example.com'));
    expect(accountKeyFor('agent@example.com')).toMatch(/^[0-9a-f]{64}$/);
    expect(allowed(await s.throttle.begin('other@example.com')).failures).toBe(1);
  });

  it('prunes rows older than a day when it adds an account, not on every attempt', async () => {
    const s = setup();
    await s.throttle.begin('agent@example.com');
    await s.throttle.begin('agent@example.com');
    expect(s.pruned).toEqual([[new Date(T0 - 24 * 3600_000).toISOString(), new Date(T0).toISOString()]]);
  });

  it('retries when another attempt changed the row first, and gives up with a 1 s wait after 8 races', async () => {
    const s = setup();
    await s.throttle.begin('agent@example.com');
    const key = accountKeyFor('agent@example.com');
    // Another instance counts a failure between each read and write, 3 times: this attempt counts after them.
    let races = 3;
    const repo = s.repo as unknown as { replace: (p: LoginThrottleRow, n: State) => Promise<boolean> };
    const realReplace = repo.replace;
    repo.replace = async (previous, next) => {
      if (races-- > 0) {
        const row = s.rows.get(key)!;
        s.rows.set(key, { ...row, failures: row.failures + 1 });
        return realReplace(previous, next);
      }
      return realReplace(previous, next);
    };
    expect(allowed(await s.throttle.begin('agent@example.com')).failures).toBe(5);

    // Always losing (after the wait that fifth failure set): refused rather than let through uncounted.
    s.advance(30_000);
    let tries = 0;
    repo.replace = () => {
      tries++;
      return Promise.resolve(false);
    };
    expect(await s.throttle.begin('agent@example.com')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(tries).toBe(8);
  });

  it('lets an attempt that lost the race to create the row count on the row the winner made', async () => {
    const s = setup();
    const key = accountKeyFor('agent@example.com');
    const repo = s.repo as unknown as { insert: (k: string, st: State) => Promise<boolean> };
    const realInsert = repo.insert;
    repo.insert = async (k, st) => {
      await realInsert(k, { ...st }); // the winner's row
      return realInsert(k, st); // ours: too late
    };
    const a = allowed(await s.throttle.begin('agent@example.com'));
    expect(a.failures).toBe(2);
    expect(s.rows.get(key)?.failures).toBe(2);
    expect(s.pruned).toEqual([]); // only the attempt that created the row prunes
  });
});
