/**
 * Test databases: every repository and API test runs against both engines. SQLite gets a temp file;
 * PostgreSQL gets a uniquely named database on TEST_PG_URL (default 127.0.0.1:5432, user postgres) that
 * is dropped afterwards. Set TEST_PG=0 to skip PostgreSQL on a machine without it (CI never does).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pg from 'pg';
import type { LogEvent } from 'kysely';
import { loadConfig, type Config } from '../../src/server/config.js';
import {
  migrateToLatest,
  openDatabase,
  type DatabaseHandle,
  type DatabaseKind,
} from '../../src/server/db/database.js';

export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

if (process.env.TEST_PG === '0' && (process.env.CI === 'true' || process.env.CI === '1')) {
  // PostgreSQL is a real peer of half the suite: CI runs against it or fails, never skips it.
  throw new Error('TEST_PG=0 is not allowed in CI (CI=true): the tests must run on PostgreSQL too');
}

export const DATABASE_KINDS: DatabaseKind[] =
  process.env.TEST_PG === '0' ? ['sqlite'] : ['sqlite', 'postgres'];

export interface TestDatabase {
  kind: DatabaseKind;
  handle: DatabaseHandle;
  config: Config;
  dataDir: string;
  /** Every SQL statement run since the last reset (for query-count tests). */
  queries: string[];
  drop(): Promise<void>;
}

function pgUrlFor(dbName: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${dbName}`;
  return url.toString();
}

export async function createPgDatabase(
  prefix = 'dialer_test',
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${crypto.randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: pgUrlFor(name),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A migrated, empty database of the given kind, with a config pointing at it and a temp data dir. */
export async function createTestDatabase(
  kind: DatabaseKind,
  env: Record<string, string> = {},
): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-test-'));
  let dropPg: (() => Promise<void>) | undefined;
  let databaseUrl: string;
  if (kind === 'postgres') {
    const created = await createPgDatabase();
    databaseUrl = created.url;
    dropPg = created.drop;
  } else {
    databaseUrl = `sqlite:${path.join(dataDir, 'test.sqlite')}`;
  }
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const queries: string[] = [];
  const handle = openDatabase(config.database, {
    onQuery: (e: LogEvent) => {
      if (e.level === 'query') queries.push(e.query.sql);
    },
  });
  await migrateToLatest(handle.db);
  queries.length = 0;
  return {
    kind,
    handle,
    config,
    dataDir,
    queries,
    async drop() {
      await handle.close();
      if (dropPg) await dropPg();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
