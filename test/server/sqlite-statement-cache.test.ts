/**
 * The SQLite statement cache (src/server/db/sqlite-statement-cache.ts) against a real better-sqlite3
 * database behind Kysely: each SQL text is prepared once, and a reused statement answers every query as a
 * fresh one would (other parameters, a schema changed since, a stream left half-read).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withStatementCache } from '../../src/server/db/sqlite-statement-cache.js';

interface Db {
  items: { id: number; name: string; note?: string | null };
}

describe('SQLite statement cache', () => {
  let dir: string;
  let sqlite: SQLite.Database;
  let db: Kysely<Db>;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-stmt-cache-'));
    sqlite = new SQLite(path.join(dir, 'cache.sqlite'));
    db = new Kysely<Db>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    await sql`create table items (id integer primary key, name text not null)`.execute(db);
    for (let i = 1; i <= 5; i++)
      await db
        .insertInto('items')
        .values({ id: i, name: `item ${i}` })
        .execute();
  });
  afterEach(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const byId = (id: number) => db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst();

  it('prepares a query once and answers it for each parameter', async () => {
    const prepare = vi.spyOn(sqlite, 'prepare');
    expect(await byId(2)).toEqual({ id: 2, name: 'item 2' });
    expect(await byId(4)).toEqual({ id: 4, name: 'item 4' });
    expect(await byId(9)).toBeUndefined();
    expect(prepare).toHaveBeenCalledTimes(1);
  });

  it('answers with the current schema after a change made since the statement was prepared', async () => {
    expect(await byId(1)).toEqual({ id: 1, name: 'item 1' });
    await sql`alter table items add column note text`.execute(db);
    await db.updateTable('items').set({ note: 'changed' }).where('id', '=', 1).execute();
    expect(await byId(1)).toEqual({ id: 1, name: 'item 1', note: 'changed' });
  });

  it('reuses a statement whose stream was left half-read', async () => {
    const all = () => db.selectFrom('items').select('id').orderBy('id');
    for await (const row of all().stream()) {
      expect(row.id).toBe(1);
      break;
    }
    expect((await all().execute()).map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
  });

  it('rolls back a failed transaction with the cached begin and rollback', async () => {
    const insert = (id: number) => db.insertInto('items').values({ id, name: `item ${id}` });
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ id: 6, name: 'item 6' }).execute();
        await trx.insertInto('items').values({ id: 1, name: 'duplicate' }).execute();
      }),
    ).rejects.toThrow(/UNIQUE/);
    await insert(7).execute();
    expect((await db.selectFrom('items').select('id').execute()).map((r) => r.id)).toEqual([
      1, 2, 3, 4, 5, 7,
    ]);
  });
});
