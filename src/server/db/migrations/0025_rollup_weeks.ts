import { sql, type Kysely } from 'kysely';
import { weekBucketSql } from '../../repositories/analytics-rollup-weeks.js';
import { rollupKeysAndSums, type SummedRollupTable } from '../../repositories/analytics-rollups.js';

/*
 * The roll-ups' week span 'w' (src/server/repositories/analytics-rollup-weeks.ts): a 30-day range of
 * issue 12's million calls read one day row per call and number. The week rows are derived from the
 * day rows (every sum is additive), so no call is read again; rows of weeks written before are
 * replaced. Calls waiting in call_rollup_pending are in no day row yet; the fold adds them at every span.
 * Peaks stay per slot and day (a range's weeks read them from the days).
 */
const TABLES: SummedRollupTable[] = [
  'call_rollups',
  'call_rollup_values',
  'call_rollup_failures',
  'call_rollup_destinations',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    const { keys, sums } = rollupKeysAndSums(table);
    const extra = table === 'call_rollup_destinations' ? ['sample'] : [];
    const week = weekBucketSql(sql`bucket`);
    const key = (k: string) => (k === 'span' ? sql`'w'` : k === 'bucket' ? week : sql.id(k));
    await sql`delete from ${sql.id(table)} where span = 'w'`.execute(db);
    await sql`insert into ${sql.id(table)} (${sql.join([...keys, ...extra, ...sums].map((c) => sql.id(c)))})
      select ${sql.join([
        ...keys.map(key),
        ...extra.map((c) => sql`max(${sql.id(c)})`),
        ...sums.map((c) => sql`sum(${sql.id(c)})`),
      ])}
      from ${sql.id(table)} where span = 'd'
      group by ${sql.join(keys.filter((k) => k !== 'span').map(key))}`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) await sql`delete from ${sql.id(table)} where span = 'w'`.execute(db);
}
