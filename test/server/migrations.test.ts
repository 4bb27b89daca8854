/**
 * Migrations move an existing database forward without losing data: a database at the first migration,
 * holding users, trunks, numbers and assignments, is migrated to the latest version and still serves
 * the same connections; migrating again is a no-op.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.js';
import { createServices, type Services } from '../../src/server/container.js';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../../src/server/db/database.js';
import { migrationProvider } from '../../src/server/db/migrations/index.js';
import { plainTestHasher } from '../support/app.js';
import { createPgDatabase, DATABASE_KINDS } from '../support/databases.js';
import { addNumber, addTrunk, addUser, assign } from '../support/dialer-fixtures.js';

describe.each(DATABASE_KINDS)('migrations (%s)', (kind) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function emptyDatabase(): Promise<{ handle: DatabaseHandle; services: Services }> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-migrate-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    let url = `sqlite:${path.join(dataDir, 'm.sqlite')}`;
    if (kind === 'postgres') {
      const pg = await createPgDatabase('dialer_migrate');
      cleanups.push(() => pg.drop());
      url = pg.url;
    }
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      DATABASE_URL: url,
      LOG_LEVEL: 'silent',
    });
    const handle = openDatabase(config.database);
    cleanups.push(() => handle.close());
    const services = createServices({
      config,
      db: handle.db,
      databaseKind: kind,
      overrides: { hasher: plainTestHasher },
    });
    return { handle, services };
  }

  it('migrates a populated first-version database to the latest without losing data, then is a no-op', async () => {
    const { handle, services } = await emptyDatabase();
    const migrator = new Migrator({ db: handle.db, provider: migrationProvider });
    const first = await migrator.migrateTo('0001_initial');
    expect(first.error).toBeUndefined();

    const user = await addUser(services, { email: 'keep@example.com' });
    const trunk = await addTrunk(services, user.id, { name: 'Kept', password: 'kept-pass' });
    const number = await addNumber(services, { number: '+13125550177' });
    await assign(services, trunk.id, number.id, 'primary');
    const t0 = '2026-01-05T10:00:00.000Z';
    await handle.db
      .insertInto('calls')
      .values({
        id: 'call-kept',
        user_id: user.id,
        trunk_id: trunk.id,
        phone_number_id: number.id,
        caller_number: '+13125550177',
        remote_number: '+14155550123',
        direction: 'outbound',
        outcome: 'answered',
        started_at: t0,
        last_seen_at: t0,
        created_at: t0,
        updated_at: t0,
      })
      .execute();
    // Raw rows, not the dialer's listing: today's listing reads columns a first-version database does
    // not have yet (e.g. 0009's emergency_calls).
    const rowsBefore = await handle.db.selectFrom('sip_trunks').selectAll().execute();
    const numbersBefore = await handle.db.selectFrom('phone_numbers').selectAll().execute();
    const assignmentsBefore = await handle.db.selectFrom('trunk_phone_numbers').selectAll().execute();

    const applied = await migrateToLatest(handle.db);
    const all = Object.keys(await migrationProvider.getMigrations());
    expect(applied).toEqual(all.filter((m) => m !== '0001_initial'));

    const after = await services.connections.listForUser(user);
    expect(after.connections).toHaveLength(1);
    expect(after.connections[0]).toMatchObject({
      id: trunk.id,
      name: 'Kept',
      hasCredentials: true,
      emergencyCalls: false, // 0009: not trusted with emergency calls until an admin says so
      numbers: [{ number: '+13125550177', assignmentType: 'primary' }],
    });
    const numbersAfter = await handle.db.selectFrom('phone_numbers').selectAll().execute();
    for (const [i, row] of numbersBefore.entries()) expect(numbersAfter[i]).toMatchObject(row);
    const assignmentsAfter = await handle.db.selectFrom('trunk_phone_numbers').selectAll().execute();
    for (const [i, row] of assignmentsBefore.entries()) expect(assignmentsAfter[i]).toMatchObject(row);
    const rowsAfter = await handle.db.selectFrom('sip_trunks').selectAll().execute();
    for (const [i, row] of rowsBefore.entries()) expect(rowsAfter[i]).toMatchObject(row);
    expect(services.cipher.decrypt(rowsAfter[0]!.sip_password_enc!)).toBe('kept-pass');
    // 0012 rebuilt calls (SQLite) or its foreign keys (PostgreSQL): the call is kept, and now keeps its
    // user, trunk and number from being deleted.
    expect(
      await handle.db.selectFrom('calls').select(['id', 'user_id', 'trunk_id', 'phone_number_id']).execute(),
    ).toEqual([{ id: 'call-kept', user_id: user.id, trunk_id: trunk.id, phone_number_id: number.id }]);
    await expect(handle.db.deleteFrom('users').where('id', '=', user.id).execute()).rejects.toThrow(
      /foreign key/i,
    );
    // 0015 counted the existing call in the analytics roll-ups (the backfill).
    const kpis = await services.analytics.kpis(
      { id: user.id, role: 'agent' },
      { from: '2026-01-05', to: '2026-01-05', tz: 'UTC', by: 'connection' },
    );
    expect(kpis.rows).toMatchObject([{ key: trunk.id, name: 'Kept', calls: 1 }]);

    // Running it again changes nothing.
    expect(await migrateToLatest(handle.db)).toEqual([]);
    expect((await services.connections.listForUser(user)).connections).toEqual(after.connections);
    expect(await handle.db.selectFrom('users').select('email').execute()).toEqual([
      { email: 'keep@example.com' },
    ]);
  });

  it('applies a migration that landed after a later-numbered one already ran (parallel branches)', async () => {
    const { handle } = await emptyDatabase();
    const all = await migrationProvider.getMigrations();
    // A database migrated by a build that had 0006 but not yet 0005.
    const without = Object.fromEntries(
      Object.entries(all).filter(([name]) => name !== '0005_login_throttle'),
    );
    const older = new Migrator({
      db: handle.db,
      provider: { getMigrations: () => Promise.resolve(without) },
    });
    expect((await older.migrateToLatest()).error).toBeUndefined();

    expect(await migrateToLatest(handle.db)).toEqual(['0005_login_throttle']);
    expect(await handle.db.selectFrom('login_throttle').selectAll().execute()).toEqual([]);
    expect(await migrateToLatest(handle.db)).toEqual([]);
  });
});
