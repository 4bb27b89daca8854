import type { Kysely } from 'kysely';
import { deriveAgentlessLevels } from '../../repositories/analytics-rollups.js';
import { sql } from 'kysely';

/*
 * Roll-up levels without the agent (issue 12's 1,000,000-call dashboard): 'm' connection × number,
 * 'c' connection, 'u' agent (each × direction). A number or connection question about everyone read the
 * agent-keyed levels ('n', 't'), where 5,000 numbers × 50 agents leave about one row per call and day.
 * See src/server/repositories/analytics-rollups.ts.
 *
 * The new rows are derived from the existing ones (every sum is additive): 'm' from 'n', 'c' and 'u'
 * from 't', so no call is read again (deriveAgentlessLevels, which the full rebuild uses too). Rows of
 * those levels written before are replaced, so the result is the same either way. Calls waiting in
 * call_rollup_pending are not in the roll-ups yet; the fold adds them at every level. Peaks are per
 * connection and unchanged.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await deriveAgentlessLevels(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'call_rollups',
    'call_rollup_values',
    'call_rollup_failures',
    'call_rollup_destinations',
  ]) {
    await sql`delete from ${sql.id(table)} where lvl in ('m', 'c', 'u')`.execute(db);
  }
}
