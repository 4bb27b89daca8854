import type { Kysely } from 'kysely';

/*
 * Measured trunk health (issue 11). The displayed state stays in sip_trunks.health_* (what the
 * connections list already reads); these tables hold what the rules need and what a person wants to see:
 * - trunk_health_state: the counters of the rules (failures/successes in a row) and a refused
 *   registration, which only a successful registration clears;
 * - trunk_health_samples: every observation (probe, live check, browser registration, failed call), for
 *   the latency window and the chart; pruned by age;
 * - trunk_health_history: each change of state with its time and reason in plain words;
 * - health_settings: the admin-editable thresholds (one row, JSON), audited when changed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('trunk_health_state')
    .addColumn('trunk_id', 'text', (c) => c.primaryKey().references('sip_trunks.id').onDelete('cascade'))
    .addColumn('fail_streak', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ok_streak', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('registration_refused', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('trunk_health_samples')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('trunk_id', 'text', (c) => c.notNull().references('sip_trunks.id').onDelete('cascade'))
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('latency_ms', 'integer')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .execute();
  await db.schema
    .createIndex('trunk_health_samples_trunk_idx')
    .on('trunk_health_samples')
    .columns(['trunk_id', 'checked_at'])
    .execute();
  await db.schema
    .createIndex('trunk_health_samples_checked_idx')
    .on('trunk_health_samples')
    .column('checked_at')
    .execute();

  await db.schema
    .createTable('trunk_health_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('trunk_id', 'text', (c) => c.notNull().references('sip_trunks.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('previous_status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('latency_ms', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('trunk_health_history_trunk_idx')
    .on('trunk_health_history')
    .columns(['trunk_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('health_settings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('thresholds', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['health_settings', 'trunk_health_history', 'trunk_health_samples', 'trunk_health_state']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
