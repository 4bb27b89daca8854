import type { Kysely } from 'kysely';

/*
 * What a call record needs beyond its outcome, for the KPIs (PDD = progress_at - invite_at), for calls
 * that survive network changes (interruptions), for incoming caller verification (STIR/SHAKEN verstat),
 * for emergency calls, and for failover (a retry links to the attempt it replaces). All nullable or
 * defaulted, so existing rows stay valid and older browsers keep working.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('calls')
    .addColumn('invite_at', 'text') // outbound: the INVITE left; inbound: it arrived
    .execute();
  await db.schema.alterTable('calls').addColumn('progress_at', 'text').execute(); // first 18x
  await db.schema.alterTable('calls').addColumn('ended_by', 'text').execute(); // local | remote | system
  await db.schema
    .alterTable('calls')
    .addColumn('interruptions', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('calls').addColumn('caller_verification', 'text').execute();
  await db.schema
    .alterTable('calls')
    .addColumn('is_emergency', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('calls').addColumn('retry_of_call_id', 'text').execute();
  await db.schema.createIndex('calls_retry_of_idx').on('calls').column('retry_of_call_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('calls_retry_of_idx').execute();
  for (const column of [
    'retry_of_call_id',
    'is_emergency',
    'caller_verification',
    'interruptions',
    'ended_by',
    'progress_at',
    'invite_at',
  ]) {
    await db.schema.alterTable('calls').dropColumn(column).execute();
  }
}
