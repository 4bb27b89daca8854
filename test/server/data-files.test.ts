/**
 * The data directory holds password hashes, encrypted SIP passwords and the key that decrypts them:
 * 0700 for the directory, 0600 for the SQLite database, its -wal and -shm files and the key file,
 * both when Dialer creates them and when it finds them looser on start (an older version, a copy).
 * File modes are a property of the SQLite files and the key; PostgreSQL keeps its own files.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.js';
import { createServices } from '../../src/server/container.js';
import { migrateToLatest, openDatabase } from '../../src/server/db/database.js';
import { startServer } from '../../src/server/main.js';
import { plainTestHasher } from '../support/app.js';
import { addUser } from '../support/dialer-fixtures.js';

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

describe('data files are private', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** Starts what `dialer serve` starts on the data dir (database, migrations, services) and writes a row. */
  async function startOn(dataDir: string): Promise<() => Promise<void>> {
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const handle = openDatabase(config.database);
    await migrateToLatest(handle.db);
    const services = createServices({
      config,
      db: handle.db,
      databaseKind: 'sqlite',
      overrides: { hasher: plainTestHasher },
    });
    await addUser(services);
    let stopped: Promise<void> | undefined;
    const stop = () => (stopped ??= handle.close());
    cleanups.push(stop);
    return stop;
  }

  function tempRoot(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-modes-'));
    cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
    return root;
  }

  it('creates the data directory 0700 and the database, WAL, SHM and key files 0600', async () => {
    const dataDir = path.join(tempRoot(), 'data');
    const previous = process.umask(0o022); // the usual umask, which would make them world-readable
    try {
      await startOn(dataDir);
    } finally {
      process.umask(previous);
    }
    expect(modeOf(dataDir)).toBe(0o700);
    for (const name of ['dialer.sqlite', 'dialer.sqlite-wal', 'dialer.sqlite-shm', 'secret.key']) {
      expect(modeOf(path.join(dataDir, name)), name).toBe(0o600);
    }
  });

  it('repairs a data directory and files left readable by others', async () => {
    const dataDir = path.join(tempRoot(), 'data');
    const stop = await startOn(dataDir);
    await stop(); // as between two runs
    fs.chmodSync(dataDir, 0o755);
    for (const name of ['dialer.sqlite', 'secret.key']) fs.chmodSync(path.join(dataDir, name), 0o644);
    fs.writeFileSync(path.join(dataDir, 'dialer.sqlite-wal'), '', { mode: 0o644 });
    fs.chmodSync(path.join(dataDir, 'dialer.sqlite-wal'), 0o644);

    await startOn(dataDir);
    expect(modeOf(dataDir)).toBe(0o700);
    for (const name of ['dialer.sqlite', 'dialer.sqlite-wal', 'dialer.sqlite-shm', 'secret.key']) {
      expect(modeOf(path.join(dataDir, name)), name).toBe(0o600);
    }
  });

  it('tightens an existing data directory when the server starts, also with the key from CREDENTIALS_KEY', async () => {
    const dataDir = path.join(tempRoot(), 'data');
    fs.mkdirSync(dataDir, { mode: 0o755 });
    fs.chmodSync(dataDir, 0o755);
    const server = await startServer(
      loadConfig({
        NODE_ENV: 'test',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        PORT: '0',
        CREDENTIALS_KEY: crypto.randomBytes(32).toString('hex'),
      }),
    );
    cleanups.push(() => server.close());
    expect(modeOf(dataDir)).toBe(0o700);
    expect(fs.existsSync(path.join(dataDir, 'secret.key'))).toBe(false);
    for (const name of ['dialer.sqlite', 'dialer.sqlite-wal', 'dialer.sqlite-shm']) {
      expect(modeOf(path.join(dataDir, name)), name).toBe(0o600);
    }
  });
});
