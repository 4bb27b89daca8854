/**
 * The per-account login throttle, on top of the per-address rate limit (which an attacker with many
 * addresses, or a misconfigured proxy, gets around). After `failuresBeforeBackoff` consecutive failures
 * an account's next attempt must wait, and each further failure doubles the wait up to a cap:
 * 30 s, 1 min, 2 min … 15 min with the defaults. Attempts during the wait are refused without checking
 * the password (so they cannot guess) and without extending it, so the real user always gets in once
 * the wait is over: there is no permanent lock-out. A successful login forgets the account's failures.
 *
 * Every attempt counts as a failure from the moment it starts until its password is verified: a burst
 * of parallel requests cannot all slip through before the first failure is written. The state is in the
 * database (compare-and-set writes), so every app instance counts the same failures.
 */
import crypto from 'node:crypto';
import { systemClock, type Clock } from '../clock.js';
import type { Repositories } from '../repositories/index.js';

export interface LoginThrottlePolicy {
  failuresBeforeBackoff: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export type LoginAttempt =
  | {
      allowed: true;
      accountKey: string;
      /** Failures including this attempt (forgotten if it succeeds). */
      failures: number;
      /** Set when this attempt, if it fails, makes the account wait until then. */
      lockedUntil: string | null;
    }
  | { allowed: false; retryAfterSeconds: number };

/** Failures older than this are forgotten. */
const FORGET_AFTER_MS = 24 * 3600_000;
/** Compare-and-set retries before a hammered account's attempt is simply refused. */
const MAX_RACES = 8;

export function accountKeyFor(email: string): string {
  return crypto.createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}

export class LoginThrottle {
  constructor(
    private readonly repository: Repositories['loginThrottle'],
    private readonly policy: LoginThrottlePolicy,
    private readonly clock: Clock = systemClock,
  ) {}

  /** How long the account waits after `failures` consecutive failures. */
  backoffMs(failures: number): number {
    const over = failures - this.policy.failuresBeforeBackoff;
    if (over < 0) return 0;
    return Math.min(this.policy.baseBackoffMs * 2 ** Math.min(over, 30), this.policy.maxBackoffMs);
  }

  /** Starts a login attempt for `email`: refused while the account waits, else counted as a failure. */
  async begin(email: string): Promise<LoginAttempt> {
    const accountKey = accountKeyFor(email);
    for (let race = 0; race < MAX_RACES; race++) {
      const now = this.clock.now().getTime();
      const row = await this.repository.find(accountKey);
      const lockedUntil = row?.locked_until ? Date.parse(row.locked_until) : 0;
      if (lockedUntil > now) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((lockedUntil - now) / 1000)) };
      }
      const forgotten = !row || now - Date.parse(row.last_failure_at) > FORGET_AFTER_MS;
      const failures = (forgotten ? 0 : row.failures) + 1;
      const wait = this.backoffMs(failures);
      const next = {
        failures,
        last_failure_at: new Date(now).toISOString(),
        locked_until: wait > 0 ? new Date(now + wait).toISOString() : null,
      };
      let won: boolean;
      if (row) {
        won = await this.repository.replace(row, next);
      } else {
        won = await this.repository.insert(accountKey, next);
        if (won)
          await this.repository.prune(new Date(now - FORGET_AFTER_MS).toISOString(), next.last_failure_at);
      }
      if (won) return { allowed: true, accountKey, failures, lockedUntil: next.locked_until };
    }
    return { allowed: false, retryAfterSeconds: 1 };
  }

  /** The attempt's password was right: the account's failures are forgotten. */
  async succeeded(attempt: Extract<LoginAttempt, { allowed: true }>): Promise<void> {
    await this.repository.clear(attempt.accountKey);
  }
}
