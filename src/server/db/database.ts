/**
 * Opens the database named by the configuration: an embedded SQLite file (better-sqlite3) by default,
 * PostgreSQL (pg pool) when DATABASE_URL says so. Both get the same Kysely<Database>.
 */
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteAdapter, SqliteDialect, type LogEvent } from 'kysely';
import type pg from 'pg';
import type { Config } from '../config.js';
import { createPrivateDir, ensurePrivateFile, restrictFile } from '../private-files.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type DatabaseKind = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;

export interface OpenDatabaseOptions {
  /** Called for every query: used by tests that count queries. */
  onQuery?: (event: LogEvent) => void;
  poolSize?: number;
  /** Errors of idle PostgreSQL clients (already removed from the pool). */
  onPoolError?: (err: Error) => void;
}

export interface DatabaseHandle {
  db: Db;
  kind: DatabaseKind;
  close(): Promise<void>;
}

export function openDatabase(
  database: Config['database'],
  options: OpenDatabaseOptions = {},
): DatabaseHandle {
  const log = options.onQuery;
  if (database.kind === 'sqlite') {
    const file = database.file === ':memory:' ? undefined : path.resolve(database.file);
    if (file) {
      // Private before SQLite opens it: SQLite gives its -wal and -shm files the database file's mode.
      // (The folder is made private when created; DATA_DIR itself is tightened on start, see main.ts.)
      createPrivateDir(path.dirname(file));
      ensurePrivateFile(file);
    }
    const sqlite = new SQLite(database.file);
    // WAL lets readers run while a writer commits; foreign keys are off by default in SQLite.
    sqlite.pragma('journal_mode = WAL');
    if (file) for (const suffix of ['-wal', '-shm', '-journal']) restrictFile(file + suffix);
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }), log });
    return { db, kind: 'sqlite', close: () => db.destroy() };
  }
  // No planner settings per session: with the default random_page_cost (4) PostgreSQL once seq-scanned
  // trunk_phone_numbers for GET /api/connections (random_page_cost=1.1 fixed that); the covering indexes of
  // migration 0003 make the index plan the cheaper one under the defaults too (measured: ~17-21 ms -> ~3-5 ms),
  // so the server works the same on a PostgreSQL whose settings it does not control.
  // pg is loaded with the first query, so SQLite deployments and CLI commands never pay for it.
  const pool = async (): Promise<pg.Pool> => {
    const { default: pgModule } = await import('pg');
    const created = new pgModule.Pool({ connectionString: database.url, max: options.poolSize ?? 10 });
    // An idle client can be cut by the server (restart, admin termination); pg then emits 'error' on the
    // pool, which would crash the process if unhandled. The pool drops that client and opens a new one.
    created.on('error', (err) => {
      options.onPoolError?.(err);
    });
    return created;
  };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
  return { db, kind: 'postgres', close: () => db.destroy() };
}

/** Which database a Kysely instance talks to (for the few queries written per dialect). */
export function databaseKindOf(db: Db): DatabaseKind {
  return db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres';
}

/**
 * Applies every pending migration; existing data is kept (migrations only move forward). Pending ones
 * numbered below the last applied one run too: work lands from parallel branches (0006 shipped before
 * 0005), and each migration creates or changes its own tables, so their order across branches is free.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error('migration failed', { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
