import { PostgresAdapter, sql, type Kysely } from 'kysely';

/*
 * The admin numbers list's search for one or two characters (issue 10: any filter p95 <= 50 ms over
 * 100,000 numbers). No trigram index (0016) can narrow a text shorter than a trigram, so such a search
 * reads every number, and with three LIKEs over lower(city) and lower(region) per row that took
 * 100-300 ms. `search_text` holds what the search compares, in one lower-case string:
 *   number, U+0001, lower(city), U+0001, lower(region)
 * (a search text never contains U+0001, so a match cannot span two fields; the list falls back to the
 * three LIKEs if one ever does). An index on it lets the count read only the index, one LIKE per number.
 * A generated column, so every write keeps it without the app: stored on PostgreSQL (index-only scans
 * need the value in the index and the heap), virtual on SQLite (ALTER TABLE can only add those; the
 * index holds the value).
 */
const INDEX = 'phone_numbers_search_text_idx';

export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table phone_numbers add column search_text text generated always as
      (number || chr(1) || lower(coalesce(city, '')) || chr(1) || lower(coalesce(region, ''))) stored`.execute(
      db,
    );
    // `include (id)`: the list's "few matches" step reads the ids from the index alone.
    await sql`create index ${sql.id(INDEX)} on phone_numbers (search_text) include (id)`.execute(db);
    return;
  }
  await sql`alter table phone_numbers add column search_text text generated always as
    (number || char(1) || lower(coalesce(city, '')) || char(1) || lower(coalesce(region, ''))) virtual`.execute(
    db,
  );
  await sql`create index ${sql.id(INDEX)} on phone_numbers (search_text)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex(INDEX).ifExists().execute();
  await db.schema.alterTable('phone_numbers').dropColumn('search_text').execute();
}
