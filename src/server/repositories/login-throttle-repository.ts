/**
 * login_throttle: one row per account with recent failed logins. Writes are compare-and-set on the
 * row's previous state, so concurrent attempts on one account (from any app instance) each count once.
 */
import type { Db } from '../db/database.js';
import type { LoginThrottleRow } from '../db/schema.js';

export type LoginThrottleState = Omit<LoginThrottleRow, 'account_key'>;

export class LoginThrottleRepository {
  constructor(private readonly db: Db) {}

  find(accountKey: string): Promise<LoginThrottleRow | undefined> {
    return this.db
      .selectFrom('login_throttle')
      .selectAll()
      .where('account_key', '=', accountKey)
      .executeTakeFirst();
  }

  /** Inserts the first row of an account; false when another attempt inserted it first. */
  async insert(accountKey: string, state: LoginThrottleState): Promise<boolean> {
    const result = await this.db
      .insertInto('login_throttle')
      .values({ account_key: accountKey, ...state })
      .onConflict((oc) => oc.column('account_key').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** Replaces `previous` with `next`; false when the row changed in between (another attempt won). */
  async replace(previous: LoginThrottleRow, next: LoginThrottleState): Promise<boolean> {
    const result = await this.db
      .updateTable('login_throttle')
      .set(next)
      .where('account_key', '=', previous.account_key)
      .where('failures', '=', previous.failures)
      .where('last_failure_at', '=', previous.last_failure_at)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async clear(accountKey: string): Promise<void> {
    await this.db.deleteFrom('login_throttle').where('account_key', '=', accountKey).execute();
  }

  /** Forgets accounts whose last failure is older than `before` and that are not locked now. */
  async prune(before: string, now: string): Promise<void> {
    await this.db
      .deleteFrom('login_throttle')
      .where('last_failure_at', '<', before)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .execute();
  }
}
