/**
 * Job leases (migration 0011): one row per periodic job naming the instance that runs it until
 * `expires_at`. Taking a lease is one statement (insert, or take over an expired lease, or renew one's
 * own), so two instances racing for it cannot both win, on SQLite and on PostgreSQL alike.
 */
import type { Db } from '../db/database.js';

export class JobLeaseRepository {
  constructor(private readonly db: Db) {}

  /** True when `holder` now holds the lease of `name` until `expiresIso` (taken, taken over or renewed). */
  async acquire(name: string, holder: string, nowIso: string, expiresIso: string): Promise<boolean> {
    const row = await this.db
      .insertInto('job_leases')
      .values({ name, holder, expires_at: expiresIso, acquired_at: nowIso })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet((eb) => ({
            holder: eb.ref('excluded.holder'),
            expires_at: eb.ref('excluded.expires_at'),
            acquired_at: eb
              .case()
              .when('job_leases.holder', '=', holder)
              .then(eb.ref('job_leases.acquired_at'))
              .else(eb.ref('excluded.acquired_at'))
              .end(),
          }))
          .where((eb) =>
            eb.or([eb('job_leases.holder', '=', holder), eb('job_leases.expires_at', '<=', nowIso)]),
          ),
      )
      .returning('holder')
      .executeTakeFirst();
    return row?.holder === holder;
  }

  /** Gives the lease up (on shutdown), so another instance takes the job at its next tick. */
  async release(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('job_leases').where('name', '=', name).where('holder', '=', holder).execute();
  }

  /** Who holds `name` now (tests, diagnostics). */
  async holderOf(name: string, nowIso: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('job_leases')
      .select('holder')
      .where('name', '=', name)
      .where('expires_at', '>', nowIso)
      .executeTakeFirst();
    return row?.holder ?? null;
  }
}
