import { sql, type Kysely } from 'kysely';
import { rollupKeysAndSums, type SummedRollupTable } from '../../repositories/analytics-rollups.js';

/*
 * Roll-up levels without the agent (issue 12's 1,000,000-call dashboard): 'm' connection × number,
 * 'c' connection, 'u' agent (each × direction). A number or connection question about everyone read the
 * agent-keyed levels ('n', 't'), where 5,000 numbers × 50 agents leave about one row per call and day.
 * See src/server/repositories/analytics-rollups.ts.
 *
 * The new rows are derived from the existing ones (every sum is additive): 'm' from 'n', 'c' and 'u'
 * from 't', so no call is read again. Rows of those levels written before (0015's backfill already uses
 * the current levels on a new database) are replaced, so the result is the same either way. Calls
 * waiting in call_rollup_pending are not in the roll-ups yet; the fold adds them at every level.
 * Peaks are per connection and unchanged.
 */
const TABLES: SummedRollupTable[] = [
  'call_rollups',
  'call_rollup_values',
  'call_rollup_failures',
  'call_rollup_destinations',
];

/** New level, the level it is summed from, and the key columns it empties. */
const DERIVED: [level: string, from: string, emptied: string[]][] = [
  ['m', 'n', ['user_id']],
  ['c', 't', ['user_id']],
  ['u', 't', ['trunk_id']],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    const { keys, sums } = rollupKeysAndSums(table);
    const extra = table === 'call_rollup_destinations' ? ['sample'] : [];
    await sql`delete from ${sql.id(table)} where lvl in ('m', 'c', 'u')`.execute(db);
    for (const [level, from, emptied] of DERIVED) {
      const grouped = keys.filter((k) => k !== 'lvl' && !emptied.includes(k));
      const selected = keys.map((k) =>
        k === 'lvl' ? sql`${sql.lit(level)}` : emptied.includes(k) ? sql`''` : sql.id(k),
      );
      await sql`insert into ${sql.id(table)} (${sql.join([...keys, ...extra, ...sums].map((c) => sql.id(c)))})
        select ${sql.join([
          ...selected,
          ...extra.map((c) => sql`max(${sql.id(c)})`),
          ...sums.map((c) => sql`sum(${sql.id(c)})`),
        ])}
        from ${sql.id(table)} where lvl = ${from}
        group by ${sql.join(grouped.map((k) => sql.id(k)))}`.execute(db);
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    await sql`delete from ${sql.id(table)} where lvl in ('m', 'c', 'u')`.execute(db);
  }
}
