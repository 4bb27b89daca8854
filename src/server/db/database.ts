/**
 * Opens the database named by the configuration: an embedded SQLite file (better-sqlite3) by default,
 * PostgreSQL (pg pool) when DATABASE_URL says so. Both get the same Kysely<Database>.
 */
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteAdapter, SqliteDialect, type LogEvent } from 'kysely';
import type pg from 'pg';
import { DEFAULT_DATABASE_LIMITS, type DatabaseConfig } from '../config.js';
import { createPrivateDir, ensurePrivateFile, restrictFile } from '../private-files.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';
import { withStatementCache } from './sqlite-statement-cache.js';

export type DatabaseKind = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;

export interface OpenDatabaseOptions {
  /** Called for every query: used by tests that count queries. */
  onQuery?: (event: LogEvent) => void;
  /** Overrides the configuration's DATABASE_POOL_SIZE (tests keep their pools small). */
  poolSize?: number;
  /** Errors of idle PostgreSQL clients (already removed from the pool). */
  onPoolError?: (err: Error) => void;
}

/** A PostgreSQL pool's connections right now (for the metrics). */
export interface PoolStats {
  max: number;
  total: number;
  idle: number;
  /** Requests waiting for a connection. */
  waiting: number;
}

export interface DatabaseHandle {
  db: Db;
  kind: DatabaseKind;
  /** The pool's state; null for SQLite (one connection) and before PostgreSQL's first query. */
  poolStats(): PoolStats | null;
  close(): Promise<void>;
}

export function openDatabase(database: DatabaseConfig, options: OpenDatabaseOptions = {}): DatabaseHandle {
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
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
      log,
    });
    return { db, kind: 'sqlite', poolStats: () => null, close: () => db.destroy() };
  }
  // No planner settings per session: with the default random_page_cost (4) PostgreSQL once seq-scanned
  // trunk_phone_numbers for GET /api/connections (random_page_cost=1.1 fixed that); the covering indexes of
  // migration 0003 make the index plan the cheaper one under the defaults too (measured: ~17-21 ms -> ~3-5 ms),
  // so the server works the same on a PostgreSQL whose settings it does not control.
  // pg is loaded with the first query, so SQLite deployments and CLI commands never pay for it.
  //
  // Bounded waits: a database that is down or overloaded makes a request fail within the connect timeout
  // (ECONNREFUSED at once; a host that does not answer, or a pool with no free connection, after
  // DATABASE_CONNECT_TIMEOUT_MS) and a statement within DATABASE_STATEMENT_TIMEOUT_MS (the server cancels
  // it; the client gives up a little later when the network itself is gone). The error handler turns
  // those failures into 503 SERVICE_UNAVAILABLE (repositories/db-errors.ts).
  const limits = database.limits ?? DEFAULT_DATABASE_LIMITS;
  const max = options.poolSize ?? limits.poolSize;
  let created: pg.Pool | undefined;
  const pool = async (): Promise<pg.Pool> => {
    const { default: pgModule } = await import('pg');
    created = new pgModule.Pool({
      connectionString: database.url,
      max,
      connectionTimeoutMillis: limits.connectTimeoutMs,
      statement_timeout: limits.statementTimeoutMs,
      query_timeout: limits.statementTimeoutMs + limits.connectTimeoutMs,
      idle_in_transaction_session_timeout: limits.statementTimeoutMs * 2,
      keepAlive: true,
    });
    // An idle client can be cut by the server (restart, admin termination); pg then emits 'error' on the
    // pool, which would crash the process if unhandled. The pool drops that client and opens a new one.
    created.on('error', (err) => {
      options.onPoolError?.(err);
    });
    // A client that loses its connection while checked out (a query running, or between the statements
    // of a transaction) also emits 'error', and the pool listens only while it is idle: unhandled, that
    // would crash the process on every database restart. The query itself fails with the same error (and
    // becomes a 503); the broken client is dropped when released.
    created.on('connect', (client) => {
      client.on('error', (err) => {
        options.onPoolError?.(err);
      });
    });
    return created;
  };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
  return {
    db,
    kind: 'postgres',
    poolStats: () =>
      created
        ? { max, total: created.totalCount, idle: created.idleCount, waiting: created.waitingCount }
        : null,
    close: () => db.destroy(),
  };
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
