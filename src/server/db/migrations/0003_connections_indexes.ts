import { PostgresAdapter, sql, type Kysely } from 'kysely';

/*
 * Covering indexes for the hot read of GET /api/connections (AssignmentRepository.listActiveForOwner),
 * PostgreSQL only. Measured on the benchmark's database (1,000 users, 100,000 numbers, one user with
 * 50 trunks x 20 numbers):
 *
 * - PostgreSQL: with only trunk_phone_numbers(trunk_id, is_active) and the default random_page_cost the
 *   planner hash-joined a sequential scan of all 41,000 assignments (~17-21 ms). With the assignment
 *   columns in the index it plans index-only scans in a nested loop under the default settings (no
 *   session tweak needed) and the query runs in ~3 ms; phone_numbers(id) INCLUDE (…) turns the 1,000
 *   number look-ups into index-only scans too (one heap fetch fewer each). The new index has the old
 *   one's key, so the old one goes.
 * - SQLite: the same covering indexes made no measurable difference (the join reads ~1 ms of the query's
 *   time; building the result is the cost), so SQLite gets none: they would only slow writes.
 */
const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`create index trunk_phone_numbers_trunk_cover_idx on trunk_phone_numbers (trunk_id, is_active)
    include (assignment_type, phone_number_id, id, assigned_at, last_used_at)`.execute(db);
  await sql`drop index if exists trunk_phone_numbers_trunk_idx`.execute(db);
  await sql`create index phone_numbers_connection_cover_idx on phone_numbers (id)
    include (number, country, city, region, number_type, capabilities)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`drop index if exists phone_numbers_connection_cover_idx`.execute(db);
  await sql`create index if not exists trunk_phone_numbers_trunk_idx on trunk_phone_numbers (trunk_id, is_active)`.execute(
    db,
  );
  await sql`drop index if exists trunk_phone_numbers_trunk_cover_idx`.execute(db);
}
