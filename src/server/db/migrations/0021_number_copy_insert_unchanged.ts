import { PostgresAdapter, sql, type Kysely } from 'kysely';

/*
 * SQLite only: 0014's trigger for a new active assignment rewrites the number's copy only when it differs,
 * as 0014's PostgreSQL trigger already does (`is distinct from`). The Telnyx sync inserts a new number with
 * the copy of the assignment it creates in the same transaction (telnyx-sync-repository.ts): without this
 * guard every one of those numbers was written twice (a first sync of 10,000 numbers: 10,000 updates of a
 * row with 14 indexes and a text-search entry). The trigger stays the authority: a copy that differs is
 * overwritten as before.
 */
const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

const TRIGGER = 'trunk_phone_numbers_insert_assigned';

export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return;
  await sql`drop trigger if exists ${sql.id(TRIGGER)}`.execute(db);
  await sql`create trigger ${sql.id(TRIGGER)} after insert on trunk_phone_numbers
    when new.is_active = 1
    begin
      update phone_numbers set assigned_trunk_id = new.trunk_id, assigned_type = new.assignment_type
        where id = new.phone_number_id
          and (assigned_trunk_id is not new.trunk_id or assigned_type is not new.assignment_type);
    end`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return;
  await sql`drop trigger if exists ${sql.id(TRIGGER)}`.execute(db);
  await sql`create trigger ${sql.id(TRIGGER)} after insert on trunk_phone_numbers
    when new.is_active = 1
    begin
      update phone_numbers set assigned_trunk_id = new.trunk_id, assigned_type = new.assignment_type
        where id = new.phone_number_id;
    end`.execute(db);
}
