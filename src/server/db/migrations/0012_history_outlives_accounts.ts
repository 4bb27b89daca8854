import { PostgresAdapter, sql, type Kysely } from 'kysely';

/*
 * History outlives accounts (issue 16): a call record keeps who made it, on which connection and from
 * which number, for as long as the record exists. Until now deleting a user deleted their calls
 * (`calls.user_id ON DELETE CASCADE`) and deleting a trunk or a number cleared the call's link (`SET NULL`),
 * which also dropped those calls from the per-connection and per-number KPIs. Now the three references are
 * `ON DELETE RESTRICT`: a user, trunk or number that calls refer to cannot be deleted; the services refuse
 * first with a 409 that says to deactivate it instead, and the database holds the line for every other
 * writer (CLI, another instance, a person with psql).
 *
 * - PostgreSQL: the three foreign keys are dropped and added again (found by column, whatever their names).
 * - SQLite cannot alter a foreign key: the table is rebuilt the way SQLite documents (foreign keys off,
 *   new table from the stored CREATE TABLE with only the ON DELETE clauses changed, copy, drop, rename,
 *   indexes and triggers recreated from their stored SQL, foreign_key_check, foreign keys on). Working
 *   from the stored SQL keeps every column other migrations added, in order, whatever their number.
 */
const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

type OnDelete = 'restrict' | 'cascade' | 'set null';
const REFERENCES: { column: string; table: string; before: OnDelete }[] = [
  { column: 'user_id', table: 'users', before: 'cascade' },
  { column: 'trunk_id', table: 'sip_trunks', before: 'set null' },
  { column: 'phone_number_id', table: 'phone_numbers', before: 'set null' },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await setOnDelete(db, (r) => [r.before, 'restrict']);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await setOnDelete(db, (r) => ['restrict', r.before]);
}

async function setOnDelete(
  db: Kysely<unknown>,
  change: (r: (typeof REFERENCES)[number]) => [from: OnDelete, to: OnDelete],
): Promise<void> {
  if (isPostgres(db)) {
    const fks = await sql<{ conname: string; column: string }>`
      select c.conname, a.attname as column
      from pg_constraint c
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
      where c.conrelid = 'calls'::regclass and c.contype = 'f'`.execute(db);
    for (const r of REFERENCES) {
      for (const fk of fks.rows.filter((f) => f.column === r.column)) {
        await sql`alter table calls drop constraint ${sql.id(fk.conname)}`.execute(db);
      }
      await sql`alter table calls add constraint ${sql.id(`calls_${r.column}_fkey`)}
        foreign key (${sql.id(r.column)}) references ${sql.table(r.table)} (id)
        on delete ${sql.raw(change(r)[1])}`.execute(db);
    }
    return;
  }

  const table = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'table' and name = 'calls'`.execute(db);
  let ddl = table.rows[0]?.sql;
  if (!ddl) throw new Error('0012: table calls not found');
  ddl = ddl.replace(/^CREATE TABLE "?calls"?/i, 'CREATE TABLE "calls_rebuilt"');
  for (const r of REFERENCES) {
    const [from, to] = change(r);
    const clause = new RegExp(`(references "?${r.table}"? \\("?id"?\\)) on delete ${from}`, 'i');
    if (!clause.test(ddl)) throw new Error(`0012: calls.${r.column} is not ON DELETE ${from} as expected`);
    ddl = ddl.replace(clause, `$1 on delete ${to}`);
  }
  const extras = await sql<{ sql: string }>`
    select sql from sqlite_master
    where tbl_name = 'calls' and type in ('index', 'trigger') and sql is not null`.execute(db);

  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await db.transaction().execute(async (trx) => {
      await sql.raw(ddl).execute(trx);
      await sql`insert into calls_rebuilt select * from calls`.execute(trx);
      await sql`drop table calls`.execute(trx);
      await sql`alter table calls_rebuilt rename to calls`.execute(trx);
      for (const e of extras.rows) await sql.raw(e.sql).execute(trx);
      const broken = await sql`pragma foreign_key_check(calls)`.execute(trx);
      if (broken.rows.length > 0) throw new Error('0012: calls refer to rows that do not exist');
    });
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
