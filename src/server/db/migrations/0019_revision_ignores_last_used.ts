import { PostgresAdapter, sql, type Kysely } from 'kysely';

/*
 * A call's start stamps its caller ID's trunk_phone_numbers.last_used_at. With the triggers of 0004 that
 * bumped the one 'connections' revision row, so every call start of every agent on every instance took
 * that row's lock until commit: under load (bench/results/load.md) call starts queued behind each other
 * there. Neither the dialer's list (GET /api/connections, which no longer carries lastUsedAt: the page
 * never showed it) nor the number copy of 0014 reads last_used_at, so an UPDATE that sets only that
 * column no longer bumps the revision:
 * - the revision trigger on updates of trunk_phone_numbers names every other column (UPDATE OF: it fires
 *   when one of them is a target of the SET, on SQLite and PostgreSQL alike);
 * - PostgreSQL: 0014's update trigger (transition tables cannot have a column list) ran its UPDATE of
 *   phone_numbers for every statement, and that UPDATE, even of no row, fired phone_numbers' statement
 *   trigger and bumped the revision; it now runs only when an assignment column other than last_used_at
 *   changed.
 * A migration that adds a column to trunk_phone_numbers that the list shows must add it to LISTED.
 */
const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

/** Every column of trunk_phone_numbers but last_used_at. */
const LISTED = [
  'id',
  'trunk_id',
  'phone_number_id',
  'assignment_type',
  'is_active',
  'assigned_at',
  'settings',
  'created_at',
  'updated_at',
];
const ASSIGNMENT = ['id', 'trunk_id', 'phone_number_id', 'assignment_type', 'is_active'];

/** 0014's update function, as it was (down) or guarded (up). */
function numberCopyFunction(guarded: boolean) {
  const cols = sql.raw(ASSIGNMENT.join(', '));
  const update = sql`update phone_numbers pn
      set assigned_trunk_id = a.trunk_id, assigned_type = a.assignment_type
      from (select n.phone_number_id, t.trunk_id, t.assignment_type
              from (select phone_number_id from changed union select phone_number_id from old_changed) n
              left join trunk_phone_numbers t on t.phone_number_id = n.phone_number_id and t.is_active = 1) a
      where pn.id = a.phone_number_id
        and (pn.assigned_trunk_id is distinct from a.trunk_id or pn.assigned_type is distinct from a.assignment_type);`;
  const body = guarded
    ? sql`if exists (select ${cols} from changed except select ${cols} from old_changed) then ${update} end if;`
    : update;
  return sql`create or replace function dialer_number_assigned_after_update() returns trigger
    language plpgsql as $$
    begin
      ${body}
      return null;
    end $$`;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const listed = sql.raw(LISTED.join(', '));
  if (isPostgres(db)) {
    await sql`drop trigger trunk_phone_numbers_connections_revision on trunk_phone_numbers`.execute(db);
    await sql`create trigger trunk_phone_numbers_connections_revision
      before insert or delete or truncate on trunk_phone_numbers
      for each statement execute function dialer_bump_connections_revision()`.execute(db);
    await sql`create trigger trunk_phone_numbers_update_connections_revision
      before update of ${listed} on trunk_phone_numbers
      for each statement execute function dialer_bump_connections_revision()`.execute(db);
    await numberCopyFunction(true).execute(db);
    return;
  }
  await sql`drop trigger trunk_phone_numbers_update_connections_revision`.execute(db);
  await sql`create trigger trunk_phone_numbers_update_connections_revision
    after update of ${listed} on trunk_phone_numbers
    begin update data_revisions set revision = revision + 1 where name = 'connections'; end`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    await sql`drop trigger trunk_phone_numbers_update_connections_revision on trunk_phone_numbers`.execute(
      db,
    );
    await sql`drop trigger trunk_phone_numbers_connections_revision on trunk_phone_numbers`.execute(db);
    await sql`create trigger trunk_phone_numbers_connections_revision
      before insert or update or delete or truncate on trunk_phone_numbers
      for each statement execute function dialer_bump_connections_revision()`.execute(db);
    await numberCopyFunction(false).execute(db);
    return;
  }
  await sql`drop trigger trunk_phone_numbers_update_connections_revision`.execute(db);
  await sql`create trigger trunk_phone_numbers_update_connections_revision after update on trunk_phone_numbers
    begin update data_revisions set revision = revision + 1 where name = 'connections'; end`.execute(db);
}
