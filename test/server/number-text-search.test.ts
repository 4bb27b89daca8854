/**
 * The admin numbers list's text search (`q`) with its indexes (migration 0016: SQLite FTS5 trigram table
 * kept by triggers, PostgreSQL pg_trgm GIN indexes). On both databases: for many kinds of text the list
 * answers exactly what the plain LIKE over every row answers (the behaviour before the indexes), the
 * index is what the database reads, the search follows inserts, edits and deletes, and the migration
 * goes down and up again; on PostgreSQL without pg_trgm the migration still succeeds and the search scans.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationProvider } from '../../src/server/db/migrations/index.js';
import { loadConfig } from '../../src/server/config.js';
import { migrateToLatest, openDatabase } from '../../src/server/db/database.js';
import { PhoneNumberRepository } from '../../src/server/repositories/phone-number-repository.js';
import { anyColumnContains } from '../../src/server/repositories/query-helpers.js';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { createPgDatabase, DATABASE_KINDS } from '../support/databases.js';
import { addNumber, addUser, PASSWORD } from '../support/dialer-fixtures.js';

const PLACES: [city: string | null, region: string | null][] = [
  ['Chicago', 'IL'],
  ['New York', 'NY'],
  ['New Yorkshire', 'North Yorkshire'],
  ['São Paulo', 'SP'],
  ['ÜBERLINGEN', 'Baden-Württemberg'],
  ['100% Pure_Town', 'Odd\\Region'],
  ['1000 Pure Town', 'Plain'],
  ['St. "Quoted" Falls', 'Star*Land'],
  ["O'Fallon", 'MO'],
  [null, null],
  ['', 'TX'],
];

const QUERIES = [
  // digits, whole and partial, with and without the plus
  '+13125550101',
  '3125550',
  '555',
  '55',
  '5',
  '+1',
  '0199',
  // text in city or region, any case
  'chicago',
  'CHIC',
  'cAgO',
  'new y',
  'New York',
  'ny',
  'NY',
  'il',
  'ü',
  'Ü',
  'yorkshire',
  'são',
  'SÃO PAULO',
  'überlingen',
  'württemberg',
  "o'f",
  '"quoted"',
  'star*',
  '*',
  // SQL wildcards and the escape character, typed literally
  '%',
  '_',
  '100%',
  '100_',
  'e_t',
  '%_%',
  'd\\r',
  '\\',
  // the separator of the one-column copy (0018): a match never spans two fields
  '\u0001',
  'o\u0001',
  // no match
  'zzz',
  'no such place',
  '99999999',
];

describe.each(DATABASE_KINDS)('admin numbers text search (%s)', (kind) => {
  let t: TestApp;
  let admin: Client;

  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000' } });
    await addUser(t.services, { email: 'admin@example.com', role: 'admin' });
    admin = await t.login('admin@example.com', PASSWORD);
    let i = 0;
    for (const [city, region] of PLACES) {
      for (const area of ['312', '415', '212']) {
        i += 1;
        const number = `+1${area}55501${String(i).padStart(2, '0')}`;
        await addNumber(t.services, { number, city, region, area_code: area });
      }
    }
  }, 120_000);
  afterAll(() => t.close());

  /** What matched before 0016: the LIKE conditions alone over every row, by number. */
  async function reference(q: string): Promise<string[]> {
    const rows = await t.services.db
      .selectFrom('phone_numbers as pn')
      .select('pn.number')
      .where((eb) =>
        eb.or([
          anyColumnContains(eb, ['pn.number'], q, { caseSensitive: true }),
          anyColumnContains(eb, ['pn.city', 'pn.region'], q),
        ]),
      )
      .orderBy('pn.number')
      .execute();
    return rows.map((r) => r.number);
  }

  async function listed(q: string): Promise<{ total: number; numbers: string[] }> {
    const res = await admin.get(`/api/admin/numbers?q=${encodeURIComponent(q)}&pageSize=100`);
    expect(res.status, q).toBe(200);
    const items = res.json.items as { number: string }[];
    return { total: Number(res.json.total), numbers: items.map((n) => n.number) };
  }

  async function expectSameAsReference(): Promise<void> {
    for (const q of QUERIES) {
      const want = await reference(q);
      expect(await listed(q), q).toEqual({ total: want.length, numbers: want });
    }
  }

  it('finds exactly what the plain LIKE finds, for digits, text in any case, wildcards and no match', async () => {
    await expectSameAsReference();
    // The set is not trivial: some texts match a few numbers, wildcards match only themselves.
    expect((await listed('cAgO')).total).toBe(3);
    expect((await listed('100%')).total).toBe(3);
    expect((await listed('e_t')).total).toBe(3); // "pure_town"
    expect((await listed('100_')).total).toBe(0); // "1000 Pure Town" would match a wildcard
    expect((await listed('%')).total).toBe(3);
    expect((await listed('zzz')).total).toBe(0);
  });

  it('reads the trigram index for a search of three characters or more', async () => {
    if (kind === 'sqlite') {
      const plan = await sql<{ detail: string }>`explain query plan
        select count(*) from phone_numbers pn
        where pn.rowid in (select rowid from phone_numbers_search where phone_numbers_search match '"chicago"')`.execute(
        t.services.db,
      );
      expect(plan.rows.map((r) => r.detail).join('\n')).toMatch(/phone_numbers_search VIRTUAL TABLE INDEX/i);
    } else {
      // Each LIKE of the list's text condition is read from its trigram index.
      const plan = await t.services.db.connection().execute(async (db) => {
        // Enough rows that reading an index beats reading them all (removed again below).
        await sql`insert into phone_numbers (id, number, city, region, created_at, updated_at)
          select 'bulk-' || g, '+1999' || lpad(g::text, 7, '0'), 'Bulk ' || (g % 97), 'BK', 'x', 'x'
          from generate_series(1, 20000) g`.execute(db);
        await sql`analyze phone_numbers`.execute(db);
        await sql`set enable_seqscan = off`.execute(db); // 20,000 is still small enough to read whole
        const plans: string[] = [];
        for (const column of [sql`pn.number`, sql`lower(pn.city)`, sql`lower(pn.region)`]) {
          const rows = await sql<{ 'QUERY PLAN': string }>`explain
            select count(*) from phone_numbers pn where ${column} like ${'%chicago%'} escape '\\'`.execute(
            db,
          );
          plans.push(...rows.rows.map((r) => r['QUERY PLAN']));
        }
        await sql`reset enable_seqscan`.execute(db);
        await sql`delete from phone_numbers where id like 'bulk-%'`.execute(db);
        return plans.join('\n');
      });
      for (const index of ['number', 'city', 'region']) {
        expect(plan).toContain(`phone_numbers_${index}_trgm_idx`);
      }
    }
  });

  // PostgreSQL only (SQLite's FTS5 table has no pending list): registered for that database alone.
  if (kind === 'postgres')
    it('keeps the trigram indexes’ pending list short, so a search after a bulk write reads little queue (0017)', async () => {
      const rows = await sql<{ name: string; options: string[] | null }>`select c.relname as name,
          c.reloptions as options from pg_class c
        where c.relname like 'phone_numbers_%trgm_idx' order by c.relname`.execute(t.services.db);
      expect(rows.rows).toEqual(
        ['city', 'number', 'region'].map((column) => ({
          name: `phone_numbers_${column}_trgm_idx`,
          options: ['gin_pending_list_limit=64'],
        })),
      );
    });

  it('pages through a short search (one or two characters) with many or few matches as the plain LIKE does', async () => {
    // More numbers than the list fetches by id (2,000): a short text matching them all walks the order.
    const stamp = new Date().toISOString();
    const bulk = Array.from({ length: 2_100 }, (_, i) => ({
      id: `bulk-${i}`,
      number: `+1999${String(i).padStart(7, '0')}`,
      city: `Bulk ${i % 97}`,
      region: 'BK',
      number_type: 'local',
      status: 'active',
      capabilities: '[]',
      metadata: '{}',
      created_at: stamp,
      updated_at: stamp,
    }));
    for (let i = 0; i < bulk.length; i += 500) {
      await t.services.db
        .insertInto('phone_numbers')
        .values(bulk.slice(i, i + 500))
        .execute();
    }
    try {
      for (const q of ['bk', '9', '+1', 'ny', '55', 'k']) {
        const want = await reference(q);
        for (const direction of ['', '-']) {
          const ordered = direction ? [...want].reverse() : want;
          const lastPage = Math.max(1, Math.ceil(want.length / 50));
          for (const page of [...new Set([1, 2, lastPage, lastPage + 1])]) {
            const res = await admin.get(
              `/api/admin/numbers?q=${encodeURIComponent(q)}&sort=${direction}number&page=${page}&pageSize=50`,
            );
            expect(res.status, q).toBe(200);
            const numbers = (res.json.items as { number: string }[]).map((n) => n.number);
            expect({ total: res.json.total, numbers }, `${q} ${direction}number page ${page}`).toEqual({
              total: want.length,
              numbers: ordered.slice((page - 1) * 50, page * 50),
            });
          }
        }
      }
      // With another filter too (the count then reads through that filter's index).
      const both = await admin.get('/api/admin/numbers?q=ny&areaCode=212');
      expect(both.json.total).toBe(1);
      expect((both.json.items as { number: string }[]).map((n) => n.number)).toEqual(['+12125550106']);
      expect((await reference('bk')).length).toBe(2_100);
      expect((await reference('ny')).length).toBe(3);
    } finally {
      await t.services.db.deleteFrom('phone_numbers').where('id', 'like', 'bulk-%').execute();
    }
  });

  it('follows numbers added, edited and deleted', async () => {
    const added = await addNumber(t.services, { number: '+14155559876', city: 'Kalamazoo', region: 'MI' });
    expect((await listed('lamaz')).numbers).toEqual(['+14155559876']);
    // Short texts too (the one-column copy: 0018, and PostgreSQL's narrow table, 0022).
    expect((await listed('zo')).numbers).toEqual(['+14155559876']);
    await t.services.db
      .updateTable('phone_numbers')
      .set({ city: 'Timbuktu', number: '+14155559877' })
      .where('id', '=', added.id)
      .execute();
    expect((await listed('lamaz')).total).toBe(0);
    expect((await listed('buktu')).numbers).toEqual(['+14155559877']);
    expect((await listed('5559877')).numbers).toEqual(['+14155559877']);
    expect((await listed('5559876')).total).toBe(0);
    expect((await listed('zo')).total).toBe(0);
    expect((await listed('kt')).numbers).toEqual(['+14155559877']);
    // A write to other columns (the assignment copy's triggers, status) leaves the search as it was.
    await t.services.db
      .updateTable('phone_numbers')
      .set({ status: 'inactive' })
      .where('id', '=', added.id)
      .execute();
    expect((await listed('buktu')).numbers).toEqual(['+14155559877']);
    expect((await listed('kt')).numbers).toEqual(['+14155559877']);
    const res = await admin.delete(`/api/admin/numbers/${added.id}`);
    expect(res.status).toBeLessThan(300);
    expect((await listed('buktu')).total).toBe(0);
    expect((await listed('kt')).total).toBe(0);
    await expectSameAsReference();
    if (kind === 'postgres') {
      // The narrow copy holds exactly every number's search_text, no more.
      const drift = await sql<{ n: string }>`select count(*) as n from (
          (select id, search_text from phone_numbers except all select id, search_text from phone_number_search_text)
          union all
          (select id, search_text from phone_number_search_text except all select id, search_text from phone_numbers)
        ) d`.execute(t.services.db);
      expect(Number(drift.rows[0]!.n)).toBe(0);
    }
  });

  it('goes down and up again, answering the same throughout', async () => {
    const migrator = new Migrator({
      db: t.services.db,
      provider: migrationProvider,
      allowUnorderedMigrations: true,
    });
    const down = await migrator.migrateTo('0015_analytics_rollups');
    expect(down.error).toBeUndefined();
    // Every migration after 0016 goes down first (0017 and 0018 belong to the search), 0016 last.
    const steps = down.results?.map((r) => [r.migrationName, r.direction, r.status]) ?? [];
    expect(steps.at(-1)).toEqual(['0016_number_text_search', 'Down', 'Success']);
    expect(steps).toContainEqual(['0017_number_search_no_pending_list', 'Down', 'Success']);
    expect(steps).toContainEqual(['0018_number_search_text', 'Down', 'Success']);
    expect(steps).toContainEqual(['0022_number_short_search_table', 'Down', 'Success']);
    expect(steps.every(([, direction, status]) => direction === 'Down' && status === 'Success')).toBe(true);
    const leftovers =
      kind === 'sqlite'
        ? await sql<{ name: string }>`select name from sqlite_master
            where name like 'phone_numbers_search%' or name = 'phone_numbers_type_status_country_idx'`.execute(
            t.services.db,
          )
        : await sql<{ name: string }>`select indexname as name from pg_indexes
            where indexname like 'phone_numbers_%trgm_idx' or indexname = 'phone_numbers_type_status_country_idx'
            union all select tablename from pg_tables where tablename = 'phone_number_search_text'`.execute(
            t.services.db,
          );
    expect(leftovers.rows).toEqual([]);
    // Numbers written while the search index is gone are found once it is back (it is rebuilt).
    await addNumber(t.services, { number: '+12125550999', city: 'Gone Fishing', region: 'ZZ' });
    await migrateToLatest(t.services.db);
    expect((await listed('fishing')).numbers).toEqual(['+12125550999']);
    expect((await listed('zz')).numbers).toEqual(['+12125550999']);
    await expectSameAsReference();
  });
});

describe.skipIf(!DATABASE_KINDS.includes('postgres'))('admin numbers text search without pg_trgm', () => {
  it('migrates anyway when the extension cannot be created, and searches by scanning, answering the same', async () => {
    const pgDb = await createPgDatabase('dialer_no_trgm');
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-no-trgm-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      DATABASE_URL: pgDb.url,
      LOG_LEVEL: 'silent',
    });
    const handle = openDatabase(config.database);
    try {
      const db = handle.db;
      const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true });
      expect((await migrator.migrateTo('0015_analytics_rollups')).error).toBeUndefined();
      // pg_trgm's install script creates similarity(text, text): one already there makes it fail.
      await sql`create function public.similarity(text, text) returns real
        language sql immutable as 'select 0::real'`.execute(db);
      const up = await migrator.migrateToLatest();
      expect(up.error).toBeUndefined();
      expect(up.results?.map((r) => [r.migrationName, r.status])).toContainEqual([
        '0016_number_text_search',
        'Success',
      ]);
      const extension = await sql`select 1 from pg_extension where extname = 'pg_trgm'`.execute(db);
      expect(extension.rows).toEqual([]);
      const indexes = await sql<{ name: string }>`select indexname as name from pg_indexes
        where tablename = 'phone_numbers' and indexname like 'phone_numbers_%_idx'
          and (indexname like '%trgm%' or indexname = 'phone_numbers_type_status_country_idx')`.execute(db);
      expect(indexes.rows.map((r) => r.name)).toEqual(['phone_numbers_type_status_country_idx']);

      const stamp = new Date().toISOString();
      for (const [i, city] of ['Chicago', 'New York', '100% Pure_Town'].entries()) {
        await db
          .insertInto('phone_numbers')
          .values({
            id: `n${i}`,
            number: `+1312555010${i}`,
            city,
            region: 'IL',
            number_type: 'local',
            status: 'active',
            capabilities: '[]',
            metadata: '{}',
            created_at: stamp,
            updated_at: stamp,
          })
          .execute();
      }
      const repo = new PhoneNumberRepository(db);
      const found = async (q: string) =>
        (await repo.list({ q }, { limit: 50, offset: 0 })).rows.map((r) => r.number);
      expect(await found('cAgO')).toEqual(['+13125550100']);
      expect(await found('100%')).toEqual(['+13125550102']);
      expect(await found('e_t')).toEqual(['+13125550102']);
      expect(await found('5550101')).toEqual(['+13125550101']);
      expect(await found('zzz')).toEqual([]);
    } finally {
      await handle.close();
      await pgDb.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
