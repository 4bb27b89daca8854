/**
 * The roll-ups rebuilt from every call at once (a large history: the benchmark's million calls, a
 * repair), beside the batched rebuildRollups (analytics-rollups.ts) that the migrations use. The batched
 * one upserts a few thousand calls at a time into tables that grow to tens of millions of rows with
 * five indexes each: 38 minutes for a million calls on SQLite, a 14 GB WAL on PostgreSQL. Here each
 * level's rows are counted with one INSERT … SELECT … GROUP BY over all the calls (the same
 * contribution SELECTs as the upkeep, into empty tables, so no row conflicts), the secondary indexes
 * are dropped first and built again once at the end (a sort instead of millions of random inserts).
 * Every statement runs over the whole history: the caller gives it a statement timeout to match.
 */
import { sql } from 'kysely';
import { databaseKindOf, type Db } from '../db/database.js';
import { rebuildPeaks } from './analytics-rollup-peaks.js';
import {
  callsSource,
  contributionSelects,
  COUNTED_LEVELS,
  deriveAgentlessLevels,
  rollupColumns,
  ROLLUP_TABLES,
} from './analytics-rollups.js';

interface IndexDef {
  name: string;
  create: string;
}

/** The indexes of `table` other than its primary key, with the statement that creates each. */
async function secondaryIndexes(db: Db, table: string): Promise<IndexDef[]> {
  if (databaseKindOf(db) === 'sqlite') {
    // The primary key's index is an automatic one, without SQL.
    const r = await sql<{ name: string; sql: string }>`select name, sql from sqlite_master
      where type = 'index' and tbl_name = ${table} and sql is not null`.execute(db);
    return r.rows.map((x) => ({ name: x.name, create: x.sql }));
  }
  const r = await sql<{ name: string; def: string }>`select i.indexname as name, i.indexdef as def
    from pg_indexes i where i.schemaname = current_schema() and i.tablename = ${table}
      and not exists (select 1 from pg_constraint k where k.conname = i.indexname)`.execute(db);
  return r.rows.map((x) => ({ name: x.name, create: x.def }));
}

/**
 * Empties the roll-ups (and what waited to be folded: every call is counted here) and counts every
 * call again. Gives the same rows as rebuildRollups and as the incremental upkeep
 * (test/server/analytics-rollups.test.ts). Run it in a transaction: until it commits, readers see the
 * roll-ups as they were.
 */
export async function rebuildRollupsInBulk(db: Db): Promise<void> {
  for (const table of ROLLUP_TABLES) await sql`delete from ${sql.id(table)}`.execute(db);
  await sql`delete from call_rollup_pending`.execute(db);
  const dropped: IndexDef[] = [];
  for (const table of ROLLUP_TABLES) {
    for (const index of await secondaryIndexes(db, table)) {
      await sql`drop index ${sql.id(index.name)}`.execute(db);
      dropped.push(index);
    }
  }
  // One level at a time: each statement sorts a sixth of what all levels together would.
  for (const level of COUNTED_LEVELS) {
    for (const { table, select } of contributionSelects({
      ...callsSource(1, sql`1 = 1`),
      levels: [level],
    })) {
      await sql`insert into ${sql.id(table)} (${sql.join(rollupColumns(table).map((c) => sql.id(c)))})
        ${select}`.execute(db);
    }
  }
  await deriveAgentlessLevels(db);
  await rebuildPeaks(db);
  for (const index of dropped) await sql.raw(index.create).execute(db);
}
