import { PostgresAdapter, type Kysely } from 'kysely';

/*
 * Roll-up contributions waiting to be folded (src/server/repositories/analytics-rollup-pending.ts).
 * 0015 kept the roll-ups in each call write's transaction, and every call of a 15-minute slot adds to the
 * same "everyone" rows: under load the call writes of all agents and instances queued on those row
 * locks (bench/results/load.md, pg_locks). A call write now only appends its contribution here (an
 * INSERT, which locks nothing another writer wants): a snapshot of the columns the roll-ups read, with
 * +1, or -1 for the state a change replaces. The rollup-fold job adds them to the roll-ups and deletes
 * them; the analytics reads add the rows still waiting, so answers stay exact and current.
 */
const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('call_rollup_pending')
    // The fold takes rows by id; an INTEGER PRIMARY KEY is SQLite's rowid, numbered on insert.
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => c.primaryKey())
    .addColumn('sign', 'integer', (c) => c.notNull())
    .addColumn('call_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('trunk_id', 'text')
    .addColumn('phone_number_id', 'text')
    .addColumn('remote_number', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('sip_code', 'integer')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('answered_at', 'text')
    .addColumn('ended_at', 'text')
    .addColumn('duration_seconds', 'integer')
    .addColumn('mos', 'real')
    .addColumn('jitter_ms', 'real')
    .addColumn('packet_loss_pct', 'real')
    .addColumn('invite_at', 'text')
    .addColumn('progress_at', 'text')
    .execute();
  // The peak read looks for a connection's waiting calls.
  await db.schema
    .createIndex('call_rollup_pending_trunk_idx')
    .on('call_rollup_pending')
    .column('trunk_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('call_rollup_pending').ifExists().execute();
}
