import { sql, type Kysely } from 'kysely';

/*
 * Telnyx sync bookkeeping. What Telnyx said at the last sync is kept beside the local state so the drift
 * report is a cheap query (and still answers when the Telnyx API is down), and "seen in run X" marks let
 * a sync find what disappeared at Telnyx without holding every id of the account in memory.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sip_trunks').addColumn('telnyx_active', 'integer').execute();
  await db.schema.alterTable('sip_trunks').addColumn('telnyx_seen_run_id', 'text').execute();
  await db.schema.alterTable('phone_numbers').addColumn('telnyx_connection_id', 'text').execute();
  await db.schema.alterTable('phone_numbers').addColumn('telnyx_seen_run_id', 'text').execute();
  await db.schema.alterTable('sync_runs').addColumn('runner', 'text').execute();
  // At most one running sync per provider, enforced by the database across processes and app instances.
  await db.schema
    .createIndex('sync_runs_one_running_uq')
    .on('sync_runs')
    .column('provider')
    .unique()
    .where(sql.ref('status'), '=', 'running')
    .execute();
  await db.schema
    .createIndex('sync_runs_started_idx')
    .on('sync_runs')
    .columns(['provider', 'started_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('sync_runs_started_idx').ifExists().execute();
  await db.schema.dropIndex('sync_runs_one_running_uq').ifExists().execute();
  await db.schema.alterTable('sync_runs').dropColumn('runner').execute();
  await db.schema.alterTable('phone_numbers').dropColumn('telnyx_seen_run_id').execute();
  await db.schema.alterTable('phone_numbers').dropColumn('telnyx_connection_id').execute();
  await db.schema.alterTable('sip_trunks').dropColumn('telnyx_seen_run_id').execute();
  await db.schema.alterTable('sip_trunks').dropColumn('telnyx_active').execute();
}
