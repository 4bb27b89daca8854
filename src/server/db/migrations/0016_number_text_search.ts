import { PostgresAdapter, sql, type Kysely } from 'kysely';

/*
 * The admin numbers list's text search (issue 10: p95 <= 50 ms over 100,000 numbers). `q` matches when
 * the number contains it as typed, or the city or region contains it ignoring case, with `%` and `_`
 * literal (phone-number-repository numberFilter). A "contains" match cannot use a b-tree index, so the
 * count and the page each read every row (~120 ms each). Trigram indexes can answer it:
 * - SQLite: an FTS5 trigram table over (number, city, region) with phone_numbers as its external content,
 *   kept by triggers on phone_numbers (only writes to those three columns fire). The list asks it for
 *   candidate rows (q of 3 characters or more) and keeps the LIKE condition as the final word, so what
 *   matches is exactly what matched before. The table is keyed by phone_numbers' rowid, which only a
 *   VACUUM renumbers (the app never runs one; `dialer backup` copies pages): after a manual VACUUM run
 *   `insert into phone_numbers_search(phone_numbers_search) values('rebuild')`.
 * - PostgreSQL: pg_trgm GIN indexes on the very expressions the LIKE reads (number, lower(city),
 *   lower(region)); the planner ORs their bitmaps. If the extension cannot be created (no package, no
 *   rights), the migration still succeeds without them and the same query scans as before.
 * Also "country + type + status" (the console's common filter combination): (number_type, status,
 * country, number) counts from the index alone and walks it in display order.
 */
const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

const COMBINED_INDEX = 'phone_numbers_type_status_country_idx';
const PG_TRGM_INDEXES = [
  ['phone_numbers_number_trgm_idx', sql`number gin_trgm_ops`],
  ['phone_numbers_city_trgm_idx', sql`lower(city) gin_trgm_ops`],
  ['phone_numbers_region_trgm_idx', sql`lower(region) gin_trgm_ops`],
] as const;

const SQLITE_TRIGGERS = [
  sql`create trigger phone_numbers_search_insert after insert on phone_numbers begin
      insert into phone_numbers_search (rowid, number, city, region)
        values (new.rowid, new.number, new.city, new.region);
    end`,
  sql`create trigger phone_numbers_search_delete after delete on phone_numbers begin
      insert into phone_numbers_search (phone_numbers_search, rowid, number, city, region)
        values ('delete', old.rowid, old.number, old.city, old.region);
    end`,
  sql`create trigger phone_numbers_search_update after update of number, city, region on phone_numbers begin
      insert into phone_numbers_search (phone_numbers_search, rowid, number, city, region)
        values ('delete', old.rowid, old.number, old.city, old.region);
      insert into phone_numbers_search (rowid, number, city, region)
        values (new.rowid, new.number, new.city, new.region);
    end`,
];

/** Whether pg_trgm is (now) installed; a failure is contained in a savepoint so the migration goes on. */
async function createTrigram(db: Kysely<unknown>): Promise<boolean> {
  await sql`savepoint dialer_pg_trgm`.execute(db);
  try {
    await sql`create extension if not exists pg_trgm`.execute(db);
    await sql`release savepoint dialer_pg_trgm`.execute(db);
    return true;
  } catch {
    await sql`rollback to savepoint dialer_pg_trgm`.execute(db);
    return false;
  }
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex(COMBINED_INDEX)
    .on('phone_numbers')
    .columns(['number_type', 'status', 'country', 'number'])
    .execute();
  if (isPostgres(db)) {
    if (!(await createTrigram(db))) return;
    for (const [name, expression] of PG_TRGM_INDEXES) {
      await sql`create index ${sql.id(name)} on phone_numbers using gin (${expression})`.execute(db);
    }
    return;
  }
  await sql`create virtual table phone_numbers_search using fts5(
      number, city, region, content = 'phone_numbers', content_rowid = 'rowid', tokenize = 'trigram')`.execute(
    db,
  );
  await sql`insert into phone_numbers_search (phone_numbers_search) values ('rebuild')`.execute(db);
  for (const trigger of SQLITE_TRIGGERS) await trigger.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    // The extension stays: it may serve others, and dropping it needs the rights creating it did.
    for (const [name] of PG_TRGM_INDEXES) await db.schema.dropIndex(name).ifExists().execute();
  } else {
    for (const event of ['insert', 'delete', 'update']) {
      await sql`drop trigger if exists ${sql.id(`phone_numbers_search_${event}`)}`.execute(db);
    }
    await sql`drop table if exists phone_numbers_search`.execute(db);
  }
  await db.schema.dropIndex(COMBINED_INDEX).ifExists().execute();
}
