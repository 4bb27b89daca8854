import type { CreateTableBuilder, Kysely } from 'kysely';
import { MOS_BAND_COLUMNS, rebuildRollups, ROLLUP_KEYS } from '../../repositories/analytics-rollups.js';

/*
 * Incremental roll-ups of the calls for the analytics (issue 12): raw SQL over a third of a million calls
 * cannot answer the dashboard in 300 ms (bench/results/analytics.md). Additive sums per UTC 15-minute slot
 * and per UTC day, at three levels (per number, per connection, everyone), kept by the call repository
 * in the call's own transaction; histograms of PDD, jitter and loss; failure causes; destinations; each
 * connection's peak concurrency per slot and day.
 * See src/server/repositories/analytics-rollups.ts. Existing calls are counted once here (backfill).
 * This migration uses the roll-up statements of that module, so the backfill and the live upkeep
 * cannot disagree; a later change of their shape comes with its own migration that rebuilds.
 */
type Table = CreateTableBuilder<string, never>;

function withKeys(t: Table): Table {
  for (const k of ROLLUP_KEYS) t = t.addColumn(k, 'text', (c) => c.notNull());
  return t;
}

const count = (t: Table, name: string) => t.addColumn(name, 'bigint', (c) => c.notNull().defaultTo(0));

export async function up(db: Kysely<unknown>): Promise<void> {
  let t = withKeys(db.schema.createTable('call_rollups'));
  for (const col of ['attempts', 'answered', 'network_completed', 'talk_calls', 'talk_seconds', 'mos_calls'])
    t = count(t, col);
  t = t.addColumn('mos_sum', 'double precision', (c) => c.notNull().defaultTo(0));
  for (const col of MOS_BAND_COLUMNS) t = count(t, col);
  await t.addPrimaryKeyConstraint('call_rollups_pk', ROLLUP_KEYS as never[]).execute();

  let v = withKeys(db.schema.createTable('call_rollup_values'))
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull());
  v = count(v, 'calls');
  await v
    .addPrimaryKeyConstraint('call_rollup_values_pk', [...ROLLUP_KEYS, 'metric', 'value'] as never[])
    .execute();

  let f = withKeys(db.schema.createTable('call_rollup_failures'))
    .addColumn('sip_code', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('rang', 'integer', (c) => c.notNull());
  f = count(f, 'calls');
  await f
    .addPrimaryKeyConstraint('call_rollup_failures_pk', [
      ...ROLLUP_KEYS,
      'sip_code',
      'outcome',
      'rang',
    ] as never[])
    .execute();

  let d = withKeys(db.schema.createTable('call_rollup_destinations'))
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('sample', 'text', (c) => c.notNull());
  for (const col of ['calls', 'answered', 'talk_seconds']) d = count(d, col);
  await d
    .addPrimaryKeyConstraint('call_rollup_destinations_pk', [...ROLLUP_KEYS, 'prefix'] as never[])
    .execute();

  // A percentile reads one metric's counts in the range from this index alone (3-4x faster than the key).
  await db.schema
    .createIndex('call_rollup_values_metric_idx')
    .on('call_rollup_values')
    .columns(['lvl', 'metric', 'span', 'bucket', ...ROLLUP_KEYS.slice(3), 'value', 'calls'])
    .execute();
  // A connection, number or agent filter reads its own rows, not the whole range's.
  for (const table of ['call_rollups', 'call_rollup_values']) {
    for (const col of ['trunk_id', 'phone_number_id', 'user_id']) {
      await db.schema
        .createIndex(`${table}_${col}_idx`)
        .on(table)
        .columns(['lvl', col, 'span', 'bucket'])
        .execute();
    }
  }

  await db.schema
    .createTable('call_rollup_peaks')
    .addColumn('span', 'text', (c) => c.notNull())
    .addColumn('bucket', 'text', (c) => c.notNull())
    .addColumn('trunk_id', 'text', (c) => c.notNull())
    .addColumn('peak', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('call_rollup_peaks_pk', ['span', 'bucket', 'trunk_id'] as never[])
    .execute();
  await db.schema
    .createIndex('call_rollup_peaks_trunk_idx')
    .on('call_rollup_peaks')
    .columns(['trunk_id', 'span', 'bucket'])
    .execute();
  // The calls of a connection still up after an instant (a write recomputes its peaks from them).
  await db.schema
    .createIndex('calls_trunk_ended_idx')
    .on('calls')
    .columns(['trunk_id', 'ended_at'])
    .execute();

  await rebuildRollups(db, undefined, { pending: false }); // call_rollup_pending comes with 0020
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'call_rollup_destinations',
    'call_rollup_failures',
    'call_rollup_values',
    'call_rollups',
  ])
    await db.schema.dropTable(table).ifExists().execute();
}
