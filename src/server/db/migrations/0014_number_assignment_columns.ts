import { PostgresAdapter, sql, type Kysely } from 'kysely';

/*
 * The admin numbers list (issue 10: any filter, first page of 100,000 numbers, p95 <= 50 ms) filters and
 * sorts by the number's active assignment, which lives in trunk_phone_numbers. "Unassigned, by number"
 * was an anti-join no index can serve in display order: the first page walked every assigned number
 * first (51,000 of them in the benchmark) and the count scanned both tables. So each number carries a
 * copy of its active assignment, phone_numbers.assigned_trunk_id and assigned_type (both null when
 * unassigned), with indexes that end with the number:
 * - (assigned_trunk_id, number): "on this connection", and "sorted by connection" walks the trunks by
 *   name and each trunk's numbers in order;
 * - (assigned_type, number): "assigned as backup";
 * - (number) where assigned_trunk_id is null: "unassigned", in display order, and its count.
 *
 * The database keeps the copy, as it keeps the connections revision (0004), so every writer is covered
 * (services, Telnyx sync, seed, cascades when a trunk or number is deleted, a person with psql):
 * - SQLite: row triggers on trunk_phone_numbers (only writes to the assignment's own columns fire).
 * - PostgreSQL: statement triggers with transition tables, one set-based update per statement (the CSV
 *   import's 10,000 inserts are 10 statements), writing only the numbers whose copy changes.
 * The app never writes these columns (schema.ts types them read-only).
 */
const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

const INDEXES = [
  sql`create index phone_numbers_assigned_trunk_idx on phone_numbers (assigned_trunk_id, number)`,
  sql`create index phone_numbers_assigned_type_idx on phone_numbers (assigned_type, number)`,
  sql`create index phone_numbers_unassigned_idx on phone_numbers (number) where assigned_trunk_id is null`,
];

const SQLITE_TRIGGERS = [
  sql`create trigger trunk_phone_numbers_insert_assigned after insert on trunk_phone_numbers
    when new.is_active = 1
    begin
      update phone_numbers set assigned_trunk_id = new.trunk_id, assigned_type = new.assignment_type
        where id = new.phone_number_id;
    end`,
  sql`create trigger trunk_phone_numbers_update_assigned
    after update of trunk_id, phone_number_id, assignment_type, is_active on trunk_phone_numbers
    begin
      update phone_numbers set (assigned_trunk_id, assigned_type) = (
          select a.trunk_id, a.assignment_type from trunk_phone_numbers a
            where a.phone_number_id = phone_numbers.id and a.is_active = 1)
        where id in (old.phone_number_id, new.phone_number_id);
    end`,
  sql`create trigger trunk_phone_numbers_delete_assigned after delete on trunk_phone_numbers
    when old.is_active = 1
    begin
      update phone_numbers set assigned_trunk_id = null, assigned_type = null where id = old.phone_number_id;
    end`,
];

const PG_EVENTS = [
  ['insert', sql`referencing new table as changed`],
  ['update', sql`referencing old table as old_changed new table as changed`],
  ['delete', sql`referencing old table as changed`],
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = isPostgres(db);
  // No foreign key: the triggers clear the copy when the assignment goes, cascades included.
  await db.schema.alterTable('phone_numbers').addColumn('assigned_trunk_id', 'text').execute();
  await db.schema.alterTable('phone_numbers').addColumn('assigned_type', 'text').execute();
  // A join (UPDATE … FROM: SQLite 3.33+, PostgreSQL), not a subquery per number.
  await sql`update phone_numbers set assigned_trunk_id = a.trunk_id, assigned_type = a.assignment_type
    from trunk_phone_numbers a where a.phone_number_id = phone_numbers.id and a.is_active = 1`.execute(db);
  for (const index of INDEXES) await index.execute(db);
  if (!pg) {
    for (const trigger of SQLITE_TRIGGERS) await trigger.execute(db);
    return;
  }
  // One function per event: a transition table's name is fixed per trigger, and the update trigger
  // looks at both the numbers rows left and the numbers they moved to.
  for (const [event, referencing] of PG_EVENTS) {
    const ids =
      event === 'update'
        ? sql`select phone_number_id from changed union select phone_number_id from old_changed`
        : sql`select distinct phone_number_id from changed`;
    await sql`create function ${sql.id(`dialer_number_assigned_after_${event}`)}() returns trigger
      language plpgsql as $$
      begin
        update phone_numbers pn
          set assigned_trunk_id = a.trunk_id, assigned_type = a.assignment_type
          from (select n.phone_number_id, t.trunk_id, t.assignment_type
                  from (${ids}) n
                  left join trunk_phone_numbers t on t.phone_number_id = n.phone_number_id and t.is_active = 1) a
          where pn.id = a.phone_number_id
            and (pn.assigned_trunk_id is distinct from a.trunk_id or pn.assigned_type is distinct from a.assignment_type);
        return null;
      end $$`.execute(db);
    await sql`create trigger ${sql.id(`trunk_phone_numbers_${event}_assigned`)}
      after ${sql.raw(event)} on trunk_phone_numbers ${referencing}
      for each statement execute function ${sql.id(`dialer_number_assigned_after_${event}`)}()`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const pg = isPostgres(db);
  for (const event of ['insert', 'update', 'delete']) {
    if (pg) {
      await sql`drop trigger if exists ${sql.id(`trunk_phone_numbers_${event}_assigned`)} on trunk_phone_numbers`.execute(
        db,
      );
      await sql`drop function if exists ${sql.id(`dialer_number_assigned_after_${event}`)}()`.execute(db);
    } else {
      await sql`drop trigger if exists ${sql.id(`trunk_phone_numbers_${event}_assigned`)}`.execute(db);
    }
  }
  for (const name of [
    'phone_numbers_assigned_trunk_idx',
    'phone_numbers_assigned_type_idx',
    'phone_numbers_unassigned_idx',
  ]) {
    await db.schema.dropIndex(name).ifExists().execute();
  }
  await db.schema.alterTable('phone_numbers').dropColumn('assigned_type').execute();
  await db.schema.alterTable('phone_numbers').dropColumn('assigned_trunk_id').execute();
}
