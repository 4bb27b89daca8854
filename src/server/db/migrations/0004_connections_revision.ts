import { PostgresAdapter, sql, type Kysely } from 'kysely';

/*
 * A revision counter for what GET /api/connections shows, kept by the database itself so that every
 * writer is covered (admin API, Telnyx sync, seed, CLI, calls stamping last_used_at, another app
 * instance, a person with psql): `data_revisions.revision` of the row 'connections' goes up, in the same
 * transaction, with every INSERT, UPDATE or DELETE on sip_trunks, phone_numbers and trunk_phone_numbers
 * (the only tables the list reads; users' fields are not part of it, ownership is sip_trunks.owner_id).
 * ConnectionsService reads it first on each request and serves its in-process cache only for the same
 * revision, so the database stays the source of truth and no invalidation code can be forgotten.
 *
 * - SQLite: row triggers (the only kind SQLite has). SQLite has one writer at a time anyway.
 * - PostgreSQL: one plpgsql function and statement-level triggers (one bump per statement, not per row:
 *   cheap for the Telnyx sync's bulk writes), TRUNCATE included. BEFORE the statement, so a writer takes
 *   the counter's row lock before the row locks of its first write to these tables (it holds it until
 *   commit: writers to these three tables are serialised, which the app's short write transactions allow).
 *   The bump is transactional: a reader never sees a new revision without the data that caused it.
 */
const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

const TABLES = ['sip_trunks', 'phone_numbers', 'trunk_phone_numbers'] as const;
const EVENTS = ['insert', 'update', 'delete'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('data_revisions')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('revision', pg ? 'bigint' : 'integer', (c) => c.notNull())
    .execute();
  await sql`insert into data_revisions (name, revision) values ('connections', 1)`.execute(db);
  if (pg) {
    await sql`create function dialer_bump_connections_revision() returns trigger language plpgsql as $$
      begin
        update data_revisions set revision = revision + 1 where name = 'connections';
        return null;
      end $$`.execute(db);
    for (const t of TABLES) {
      await sql`create trigger ${sql.id(`${t}_connections_revision`)}
        before insert or update or delete or truncate on ${sql.table(t)}
        for each statement execute function dialer_bump_connections_revision()`.execute(db);
    }
    return;
  }
  for (const t of TABLES) {
    for (const e of EVENTS) {
      await sql`create trigger ${sql.id(`${t}_${e}_connections_revision`)} after ${sql.raw(e)} on ${sql.table(t)}
        begin update data_revisions set revision = revision + 1 where name = 'connections'; end`.execute(db);
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    for (const t of TABLES)
      await sql`drop trigger if exists ${sql.id(`${t}_connections_revision`)} on ${sql.table(t)}`.execute(db);
    await sql`drop function if exists dialer_bump_connections_revision()`.execute(db);
  } else {
    for (const t of TABLES)
      for (const e of EVENTS)
        await sql`drop trigger if exists ${sql.id(`${t}_${e}_connections_revision`)}`.execute(db);
  }
  await db.schema.dropTable('data_revisions').ifExists().execute();
}
