import { PostgresAdapter, sql, type Kysely } from 'kysely';

/*
 * PostgreSQL only: a short "fast update" pending list for the pg_trgm GIN indexes of 0016.
 * With GIN's defaults, every new row version (a CSV import or a bulk assignment rewrites thousands of
 * numbers: the assignment copy of 0014 lives on the row) is queued unsorted in the index's pending list,
 * up to 4 MB, until a vacuum folds it in, and every search reads the whole queue: after the 10,000-row
 * import of the admin bench a search by city took 120 ms instead of 14 ms. Fast update off instead made
 * each write file its trigrams one by one: the import's apply went from 2.5 s to 4.3 s (target 3 s).
 * A 64 kB list (PostgreSQL's smallest) keeps both: writes are still filed in sorted batches, and a search
 * reads at most 64 kB of queue (bench/results/admin.md). The queue already built is folded in here.
 * SQLite's FTS5 table has no such queue. Indexes missing (no pg_trgm, see 0016) are skipped.
 */
const TRIGRAM_INDEXES = [
  'phone_numbers_number_trgm_idx',
  'phone_numbers_city_trgm_idx',
  'phone_numbers_region_trgm_idx',
] as const;

/** kB: the smallest PostgreSQL accepts. */
const PENDING_LIST_LIMIT_KB = 64;

const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

async function existingTrigramIndexes(db: Kysely<unknown>): Promise<string[]> {
  const rows = await sql<{ name: string }>`select indexname as name from pg_indexes
    where schemaname = current_schema() and indexname in (${sql.join([...TRIGRAM_INDEXES])})`.execute(db);
  return rows.rows.map((r) => r.name);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return;
  for (const name of await existingTrigramIndexes(db)) {
    await sql`alter index ${sql.id(name)} set (gin_pending_list_limit = ${sql.lit(PENDING_LIST_LIMIT_KB)})`.execute(
      db,
    );
    await sql`select gin_clean_pending_list(${name}::regclass)`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return;
  for (const name of await existingTrigramIndexes(db)) {
    await sql`alter index ${sql.id(name)} reset (gin_pending_list_limit)`.execute(db);
  }
}
