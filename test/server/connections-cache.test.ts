/**
 * The per-user cache of GET /api/connections (ConnectionsService.listForUserJson) is validated against
 * the database's revision (migration 0004's triggers) on every request: every write, through the admin
 * API or straight into the tables from outside the services (the Telnyx sync, the CLI, another app
 * instance), shows on the very next GET; one user's cached answer is never another's.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionDto } from '../../src/shared/api.js';
import { openDatabase } from '../../src/server/db/database.js';
import type { Db } from '../../src/server/db/database.js';
import { ConnectionsJsonCache } from '../../src/server/services/connections-service.js';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { addNumber, addTrunk, addUser, assign, PASSWORD } from '../support/dialer-fixtures.js';

const revisionOf = async (db: Db): Promise<number> =>
  Number(
    (
      await sql<{
        revision: number | string;
      }>`select revision from data_revisions where name = 'connections'`.execute(db)
    ).rows[0]!.revision,
  );

const byName = (res: { json: { connections: ConnectionDto[] } }, name: string): ConnectionDto | undefined =>
  res.json.connections.find((c) => c.name === name);

describe.each(DATABASE_KINDS)('connections cache (%s)', (kind) => {
  let t: TestApp;
  let admin: Client;
  let alice: Client;
  let bob: Client;
  let aliceId: string;
  let trunkId: string;
  let numberId: string;
  let assignmentId: string;

  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000' } });
    const s = t.services;
    await addUser(s, { email: 'admin@example.com', role: 'admin' });
    aliceId = (await addUser(s, { email: 'alice@example.com', name: 'Alice' })).id;
    const bobId = (await addUser(s, { email: 'bob@example.com', name: 'Bob' })).id;
    const trunk = await addTrunk(s, aliceId, { name: 'Main' });
    trunkId = trunk.id;
    const n = await addNumber(s, { number: '+13125550170', city: 'Chicago' });
    numberId = n.id;
    assignmentId = (await assign(s, trunk.id, n.id, 'primary')).id;
    const bt = await addTrunk(s, bobId, { name: 'Bob line' });
    await assign(s, bt.id, (await addNumber(s)).id, 'primary');
    admin = await t.login('admin@example.com', PASSWORD);
    alice = await t.login('alice@example.com', PASSWORD);
    bob = await t.login('bob@example.com', PASSWORD);
  });
  afterAll(() => t.close());

  it('serves a repeated request from the cache after one revision query, fetchedAt being when the data was read', async () => {
    const first = await alice.get('/api/connections');
    expect(first.status).toBe(200);
    t.database.queries.length = 0;
    const second = await alice.get('/api/connections');
    expect(second.text).toBe(first.text);
    const listQueries = t.database.queries.filter((q) => !/\bsessions\b/.test(q));
    expect(listQueries).toHaveLength(1);
    expect(listQueries[0]).toMatch(/data_revisions/);
  });

  it('shows a new assignment made through the admin API on the very next request', async () => {
    const before = await alice.get('/api/connections');
    const extra = await addNumber(t.services, { number: '+13125550171' });
    const created = await admin.post('/api/admin/assignments', {
      trunkId,
      phoneNumberId: extra.id,
      assignmentType: 'secondary',
    });
    expect(created.status).toBe(201);
    const after = await alice.get('/api/connections');
    expect(after.text).not.toBe(before.text);
    expect(byName(after, 'Main')!.numbers.map((x) => x.number)).toEqual(['+13125550170', '+13125550171']);
  });

  it('shows a trunk renamed through the admin API on the very next request', async () => {
    await alice.get('/api/connections');
    expect((await admin.patch(`/api/admin/trunks/${trunkId}`, { name: 'Main renamed' })).status).toBe(200);
    const after = await alice.get('/api/connections');
    expect(after.json.connections.map((c: ConnectionDto) => c.name)).toEqual(['Main renamed']);
  });

  it('shows a number changed through the admin API on the very next request', async () => {
    await alice.get('/api/connections');
    expect((await admin.patch(`/api/admin/numbers/${numberId}`, { city: 'Springfield' })).status).toBe(200);
    const after = await alice.get('/api/connections');
    expect(byName(after, 'Main renamed')!.numbers.find((x) => x.phoneNumberId === numberId)!.city).toBe(
      'Springfield',
    );
  });

  it('drops a deactivated assignment on the very next request', async () => {
    await alice.get('/api/connections');
    expect((await admin.patch(`/api/admin/assignments/${assignmentId}`, { isActive: false })).status).toBe(
      200,
    );
    const after = await alice.get('/api/connections');
    expect(byName(after, 'Main renamed')!.numbers.map((x) => x.number)).toEqual(['+13125550171']);
  });

  it('shows writes made straight into the tables, outside the services, on the very next request', async () => {
    const s = t.services;
    await alice.get('/api/connections');
    // As the Telnyx sync would: a direct Kysely update, no service involved.
    const at = '2026-01-02T03:04:05.000Z';
    await s.db
      .updateTable('trunk_phone_numbers')
      .set({ assigned_at: at })
      .where('trunk_id', '=', trunkId)
      .execute();
    let after = await alice.get('/api/connections');
    expect(byName(after, 'Main renamed')!.numbers.map((x) => x.assignedAt)).toEqual([at]);
    // Health probe results land on sip_trunks.
    await s.db.updateTable('sip_trunks').set({ health_status: 'down' }).where('id', '=', trunkId).execute();
    after = await alice.get('/api/connections');
    expect(byName(after, 'Main renamed')!.health.status).toBe('down');
    await addTrunk(s, aliceId, { name: 'Added directly' });
    after = await alice.get('/api/connections');
    expect(after.json.connections.map((c: ConnectionDto) => c.name)).toEqual([
      'Added directly',
      'Main renamed',
    ]);
  });

  it('shows a write made by another connection to the database (another app instance) on the very next request', async () => {
    await alice.get('/api/connections');
    const other = openDatabase(t.database.config.database);
    try {
      await other.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('sip_trunks')
          .set({ notes: 'from elsewhere' })
          .where('id', '=', trunkId)
          .execute();
        await trx
          .deleteFrom('trunk_phone_numbers')
          .where('trunk_id', '=', trunkId)
          .where('is_active', '=', 1)
          .execute();
      });
    } finally {
      await other.close();
    }
    const after = await alice.get('/api/connections');
    const main = byName(after, 'Main renamed')!;
    expect(main.notes).toBe('from elsewhere');
    expect(main.numbers).toEqual([]);
  });

  it('never serves one user’s cached answer to another', async () => {
    const a1 = await alice.get('/api/connections');
    const b1 = await bob.get('/api/connections');
    const a2 = await alice.get('/api/connections');
    const b2 = await bob.get('/api/connections');
    expect(b1.json.connections.map((c: ConnectionDto) => c.name)).toEqual(['Bob line']);
    expect(b2.text).toBe(b1.text);
    expect(a2.text).toBe(a1.text);
    expect(a1.json.connections.map((c: ConnectionDto) => c.name)).not.toContain('Bob line');
    // A user without trunks, asking at the same revision, gets their own empty list.
    const carol = await addUser(t.services, { email: 'carol@example.com' });
    await bob.get('/api/connections');
    const empty = JSON.parse(await t.services.connections.listForUserJson({ id: carol.id })) as {
      count: number;
    };
    expect(empty.count).toBe(0);
  });

  it('bumps the revision on inserts, updates and deletes of trunks, numbers and assignments, and rolls it back with the write', async () => {
    const s = t.services;
    const steps: [string, () => Promise<unknown>][] = [];
    const n = await addNumber(s);
    steps.push([
      'update phone_numbers',
      () => s.db.updateTable('phone_numbers').set({ city: 'X' }).where('id', '=', n.id).execute(),
    ]);
    steps.push(['insert trunk_phone_numbers', () => assign(s, trunkId, n.id, 'backup')]);
    steps.push([
      'update trunk_phone_numbers',
      () =>
        s.db
          .updateTable('trunk_phone_numbers')
          .set({ assignment_type: 'secondary' })
          .where('phone_number_id', '=', n.id)
          .execute(),
    ]);
    steps.push([
      'delete trunk_phone_numbers',
      () => s.db.deleteFrom('trunk_phone_numbers').where('phone_number_id', '=', n.id).execute(),
    ]);
    steps.push([
      'delete phone_numbers',
      () => s.db.deleteFrom('phone_numbers').where('id', '=', n.id).execute(),
    ]);
    steps.push(['insert sip_trunks', () => addTrunk(s, aliceId, { name: 'Temp' })]);
    steps.push([
      'delete sip_trunks',
      () => s.db.deleteFrom('sip_trunks').where('name', '=', 'Temp').execute(),
    ]);
    for (const [what, step] of steps) {
      const before = await revisionOf(s.db);
      await step();
      expect(await revisionOf(s.db), what).toBeGreaterThan(before);
    }
    const before = await revisionOf(s.db);
    await expect(
      s.db.transaction().execute(async (trx) => {
        await trx.updateTable('sip_trunks').set({ name: 'Never' }).where('id', '=', trunkId).execute();
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await revisionOf(s.db)).toBe(before);
    expect(byName(await alice.get('/api/connections'), 'Main renamed')).toBeDefined();
  });

  it('keeps the revision when a call stamps its caller ID’s last use (the list does not show it), while the admin sees the stamp', async () => {
    const s = t.services;
    const n = await addNumber(s);
    await assign(s, trunkId, n.id, 'backup');
    const list = await alice.get('/api/connections');
    const caller = byName(list, 'Main renamed')!.numbers.find((x) => x.phoneNumberId === n.id)!;
    const before = await revisionOf(s.db);
    const call = await alice.post('/api/calls', {
      connectionId: trunkId,
      callerNumber: caller.number,
      remoteNumber: '+13125550199',
      direction: 'outbound',
    });
    expect(call.status).toBe(201);
    // Every call start used to bump it: all call starts of all instances then queued on its row lock.
    expect(await revisionOf(s.db)).toBe(before);
    const stamped = await admin.get(`/api/admin/assignments/${caller.assignmentId}`);
    expect(stamped.json.lastUsedAt).toBe(call.json.startedAt);
  });
});

describe.each(DATABASE_KINDS)('connections cache off (%s)', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000', CONNECTIONS_CACHE: 'off' } });
  });
  afterAll(() => t.close());

  it('reads the list on every request with CONNECTIONS_CACHE=off, without the revision query', async () => {
    const s = t.services;
    expect(s.connections.cache).toBeUndefined();
    const u = await addUser(s);
    const tr = await addTrunk(s, u.id, { name: 'Only' });
    await assign(s, tr.id, (await addNumber(s)).id, 'primary');
    const client = await t.login(u.email, PASSWORD);
    await client.get('/api/connections');
    for (let i = 0; i < 2; i++) {
      t.database.queries.length = 0;
      const res = await client.get('/api/connections');
      expect(res.json.count).toBe(1);
      expect(t.database.queries).toHaveLength(3);
      expect(t.database.queries.some((q) => /data_revisions/.test(q))).toBe(false);
    }
  });
});

describe('ConnectionsJsonCache', () => {
  it('answers only for the same user and revision', () => {
    const c = new ConnectionsJsonCache({ maxEntries: 10, maxChars: 1000 });
    c.set('a', 5, 'A5');
    expect(c.get('a', 5)).toBe('A5');
    expect(c.get('a', 6)).toBeUndefined();
    expect(c.get('b', 5)).toBeUndefined();
  });

  it('keeps a newer answer when a slower request files an older revision', () => {
    const c = new ConnectionsJsonCache({ maxEntries: 10, maxChars: 1000 });
    c.set('a', 6, 'A6');
    c.set('a', 5, 'A5');
    expect(c.get('a', 6)).toBe('A6');
    c.set('a', 7, 'A7');
    expect(c.get('a', 7)).toBe('A7');
    expect(c.size).toBe(1);
    expect(c.totalChars).toBe(2);
  });

  it('evicts the least recently used entry past its entry and size limits', () => {
    const c = new ConnectionsJsonCache({ maxEntries: 2, maxChars: 10 });
    c.set('a', 1, 'aaa');
    c.set('b', 1, 'bbb');
    expect(c.get('a', 1)).toBe('aaa'); // a is now the most recent
    c.set('c', 1, 'ccc');
    expect(c.get('b', 1)).toBeUndefined();
    expect(c.get('a', 1)).toBe('aaa');
    c.set('d', 1, 'dddddddd'); // 3 + 3 + 8 > 10 chars: a (least recent), then c, go
    expect(c.get('c', 1)).toBeUndefined();
    expect(c.get('a', 1)).toBeUndefined();
    expect(c.get('d', 1)).toBe('dddddddd');
    c.set('e', 1, 'x'.repeat(11)); // larger than the whole cache: not kept
    expect(c.get('e', 1)).toBeUndefined();
    expect(c.totalChars).toBe(8);
  });
});
