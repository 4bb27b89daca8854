import { PostgresAdapter, sql, type Kysely } from 'kysely';

/*
 * PostgreSQL only: the admin numbers list's search of one or two characters (issue 10: p95 <= 50 ms over
 * 100,000 numbers) counts its matches by reading every number's `search_text` (0018). On PostgreSQL that
 * read cost about 35 ms on a quiet machine, most of it walking the wide phone_numbers rows (40 MB, the
 * generated column last) or the index's entries, before the LIKE itself. This narrow copy holds just
 * (search_text, id), about 9 MB for 100,000 numbers, so the same count reads a quarter of the bytes and
 * stays in shared buffers (a table over a quarter of them is read through a small ring instead).
 *
 * Triggers keep it: statement-level with transition tables for inserts and deletes (the Telnyx sync
 * inserts many rows in one statement), and a row trigger only for updates of the
 * three columns search_text is made of (the assignment copy's updates of 10,000 rows leave it alone;
 * PostgreSQL allows no column list on a trigger with transition tables). SQLite already meets the target
 * with its index on search_text (0018) and gets nothing here.
 */
const TABLE = 'phone_number_search_text';
const ID_INDEX = 'phone_number_search_text_id_idx';

const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return;
  // search_text first: the count reads only that column of each row.
  await sql`create table ${sql.id(TABLE)} (search_text text not null, id text not null)`.execute(db);
  await sql`insert into ${sql.id(TABLE)} (search_text, id) select search_text, id from phone_numbers`.execute(
    db,
  );
  await sql`create unique index ${sql.id(ID_INDEX)} on ${sql.id(TABLE)} (id)`.execute(db);

  await sql`create function phone_number_search_text_inserted() returns trigger language plpgsql as $$
    begin
      insert into phone_number_search_text (search_text, id) select search_text, id from inserted;
      return null;
    end $$`.execute(db);
  await sql`create trigger phone_number_search_text_insert after insert on phone_numbers
    referencing new table as inserted for each statement
    execute function phone_number_search_text_inserted()`.execute(db);

  await sql`create function phone_number_search_text_deleted() returns trigger language plpgsql as $$
    begin
      delete from phone_number_search_text s using deleted d where s.id = d.id;
      return null;
    end $$`.execute(db);
  await sql`create trigger phone_number_search_text_delete after delete on phone_numbers
    referencing old table as deleted for each statement
    execute function phone_number_search_text_deleted()`.execute(db);

  // An AFTER trigger sees the generated column's new value.
  await sql`create function phone_number_search_text_updated() returns trigger language plpgsql as $$
    begin
      update phone_number_search_text set search_text = new.search_text, id = new.id where id = old.id;
      return null;
    end $$`.execute(db);
  await sql`create trigger phone_number_search_text_update after update of number, city, region, id
    on phone_numbers for each row
    when (old.search_text is distinct from new.search_text or old.id is distinct from new.id)
    execute function phone_number_search_text_updated()`.execute(db);
  await sql`analyze ${sql.id(TABLE)}`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`drop trigger if exists phone_number_search_text_update on phone_numbers`.execute(db);
  await sql`drop trigger if exists phone_number_search_text_delete on phone_numbers`.execute(db);
  await sql`drop trigger if exists phone_number_search_text_insert on phone_numbers`.execute(db);
  await sql`drop function if exists phone_number_search_text_updated()`.execute(db);
  await sql`drop function if exists phone_number_search_text_deleted()`.execute(db);
  await sql`drop function if exists phone_number_search_text_inserted()`.execute(db);
  await sql`drop table if exists ${sql.id(TABLE)}`.execute(db);
}
