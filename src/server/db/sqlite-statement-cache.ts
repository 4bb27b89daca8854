/**
 * better-sqlite3 behind Kysely with each SQL text prepared once. Kysely's SQLite driver prepares every
 * query anew; under the load bench that was a tenth of the one Node process's CPU (bench/results/load.md:
 * better-sqlite3's `Statement` constructor, i.e. SQLite parsing and planning the same few dozen queries
 * hundreds of times a second). A statement is reused only by the next query with the same text: Kysely's
 * SQLite driver runs one query at a time on its one connection (a stream holds it to the end), so a
 * cached statement is never busy when it is taken again. SQLite re-prepares a statement by itself when
 * the schema changed since (sqlite3_prepare_v2).
 */
import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { LRUCache } from 'lru-cache';

/** More than the distinct queries the app sends; `in (…)` lists of every length are the long tail. */
const MAX_STATEMENTS = 1000;

export function withStatementCache(sqlite: SQLite.Database, max = MAX_STATEMENTS): SqliteDatabase {
  const statements = new LRUCache<string, SqliteStatement>({ max });
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
