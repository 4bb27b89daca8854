import type { Kysely } from 'kysely';

/*
 * A call that lived through a change of network path (issue 14, item 1) already counts its
 * interruptions (0006); the record now also says when the latest one began and how long the call took
 * to come back (null while reconnecting, or when it never did). Both nullable: existing rows stay valid.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('calls').addColumn('interrupted_at', 'text').execute();
  await db.schema.alterTable('calls').addColumn('recovered_after_ms', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('calls').dropColumn('recovered_after_ms').execute();
  await db.schema.alterTable('calls').dropColumn('interrupted_at').execute();
}
