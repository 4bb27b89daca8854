import { PostgresAdapter, sql, type Kysely } from 'kysely';

/*
 * PostgreSQL only: the pg_trgm GIN indexes of 0016 without GIN's "fast update" pending list.
 * With fast update on, every new row version (a CSV import or a bulk assignment rewrites thousands of
 * numbers: the assignment copy of 0014 lives on the row) is queued unsorted in the index's pending list
 * until a vacuum folds it in, and every search reads the whole queue: after the 10,000-row import of the
 * admin bench a search by city took ~100 ms instead of ~15 ms until autovacuum came by. Off, each write
 * files its trigrams at once (the import's apply stays well inside its budget, bench/results/admin.md),
 * and a search costs the same before and after a bulk write. The queue already built is folded in here.
 * SQLite's FTS5 table has no such queue. Indexes missing (no pg_trgm, see 0016) are skipped.
 */
const TRIGRAM_INDEXES = [
  'phone_numbers_number_trgm_idx',
  'phone_numbers_city_trgm_idx',
  'phone_numbers_region_trgm_idx',
] as const;

const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

async function existingTrigramIndexes(db: Kysely<unknown>): Promise<string[]> {
  const rows = await sql<{ name: string }>`select indexname as name from pg_indexes
    where schemaname = current_schema() and indexname in (${sql.join([...TRIGRAM_INDEXES])})`.execute(db);
  return rows.rows.map((r) => r.name);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return;
  for (const name of await existingTrigramIndexes(db)) {
    await sql`alter index ${sql.id(name)} set (fastupdate = off)`.execute(db);
    await sql`select gin_clean_pending_list(${name}::regclass)`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return;
  for (const name of await existingTrigramIndexes(db)) {
    await sql`alter index ${sql.id(name)} reset (fastupdate)`.execute(db);
  }
}
