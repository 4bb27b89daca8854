import type { Kysely } from 'kysely';

/*
 * The per-account login throttle's state. It lives in the database, not in process memory, so that
 * several app instances behind a load balancer count one account's failures together.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('login_throttle')
    .addColumn('account_key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('last_failure_at', 'text', (c) => c.notNull())
    .addColumn('locked_until', 'text')
    .execute();
  // Old entries are pruned by age.
  await db.schema
    .createIndex('login_throttle_last_failure_idx')
    .on('login_throttle')
    .column('last_failure_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('login_throttle').ifExists().execute();
}
