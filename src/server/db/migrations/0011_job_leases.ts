import type { Kysely } from 'kysely';

/*
 * Who runs each periodic job now. Several app instances share one PostgreSQL; each tick, an instance runs
 * a job only while it holds the job's lease (taken when free or expired, renewed by its holder), so the
 * abandoned-call sweep and the Telnyx sync run on one instance at a time, and another takes over when the
 * holder stops or dies (its lease expires).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('job_leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('acquired_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('job_leases').ifExists().execute();
}
