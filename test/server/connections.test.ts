import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionDto } from '../../src/shared/api.js';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { addNumber, addTrunk, addUser, assign, PASSWORD } from '../support/dialer-fixtures.js';

describe.each(DATABASE_KINDS)('connections API (%s)', (kind) => {
  let t: TestApp;
  let alice: Client;
  let bob: Client;
  let aliceId: string;
  let bobTrunkId: string;
  let mainTrunkId: string;
  let inactiveTrunkId: string;

  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000' } });
    const s = t.services;
    const a = await addUser(s, { email: 'alice@example.com', name: 'Alice' });
    const b = await addUser(s, { email: 'bob@example.com', name: 'Bob' });
    aliceId = a.id;
    // Alice: "Main" with numbers in every role (inserted out of order), "Backup line" without numbers,
    // an inactive trunk and a pending trunk that must not be listed.
    const main = await addTrunk(s, a.id, {
      name: 'Main',
      settings: JSON.stringify({ dtmfMode: 'info', codecs: ['OPUS', 'PCMU'] }),
      region: 'us-central',
      channel_limit: 10,
      notes: 'front desk',
      health_status: 'up',
    });
    mainTrunkId = main.id;
    await addTrunk(s, a.id, { name: 'Backup line', password: null });
    inactiveTrunkId = (await addTrunk(s, a.id, { name: 'Old', status: 'inactive' })).id;
    await addTrunk(s, a.id, { name: 'Pending', status: 'pending' });
    const backup = await addNumber(s, { number: '+13125550103' });
    const secondB = await addNumber(s, { number: '+13125550102' });
    const primary = await addNumber(s, { number: '+13125550109' });
    const secondA = await addNumber(s, { number: '+13125550101' });
    const retired = await addNumber(s, { number: '+13125550100' });
    await assign(s, main.id, backup.id, 'backup');
    await assign(s, main.id, secondB.id, 'secondary');
    await assign(s, main.id, primary.id, 'primary');
    await assign(s, main.id, secondA.id, 'secondary');
    await assign(s, main.id, retired.id, 'secondary', false);
    const old = await addNumber(s);
    await assign(s, inactiveTrunkId, old.id, 'primary');
    // Bob's trunk and number.
    const bt = await addTrunk(s, b.id, { name: 'Bob trunk' });
    bobTrunkId = bt.id;
    await assign(s, bt.id, (await addNumber(s)).id, 'primary');
    alice = await t.login('alice@example.com', PASSWORD);
    bob = await t.login('bob@example.com', PASSWORD);
  });
  afterAll(() => t.close());

  it('lists only the user’s active trunks, by name, with source, count and time', async () => {
    const res = await alice.get('/api/connections');
    expect(res.status).toBe(200);
    expect(res.json.source).toBe('database');
    expect(res.json.count).toBe(2);
    expect(Date.parse(res.json.fetchedAt)).not.toBeNaN();
    expect(res.json.connections.map((c: ConnectionDto) => c.name)).toEqual(['Backup line', 'Main']);
  });

  it('orders actively assigned numbers primary, secondary, backup, then by number', async () => {
    const res = await alice.get('/api/connections');
    const main = res.json.connections.find((c: ConnectionDto) => c.name === 'Main') as ConnectionDto;
    expect(main.numbers.map((n) => [n.assignmentType, n.number])).toEqual([
      ['primary', '+13125550109'],
      ['secondary', '+13125550101'],
      ['secondary', '+13125550102'],
      ['backup', '+13125550103'],
    ]);
    expect(res.json.connections.find((c: ConnectionDto) => c.name === 'Backup line').numbers).toEqual([]);
  });

  it('carries every field the dialer shows, and never a password', async () => {
    const res = await alice.get('/api/connections');
    const main = res.json.connections.find((c: ConnectionDto) => c.name === 'Main') as ConnectionDto;
    expect(main).toMatchObject({
      id: mainTrunkId,
      provider: 'sip',
      connectionType: 'credential',
      status: 'active',
      sipUri: 'sip.example.test',
      wsServer: 'wss://sip.example.test:7443',
      region: 'us-central',
      channelLimit: 10,
      notes: 'front desk',
      settings: { dtmfMode: 'info', codecs: ['OPUS', 'PCMU'] },
      health: { status: 'up', checkedAt: null, latencyMs: null, message: null },
      hasCredentials: true,
    });
    expect(main.numbers[0]).toMatchObject({
      assignmentType: 'primary',
      country: 'US',
      city: 'Chicago',
      numberType: 'local',
      capabilities: ['voice', 'sms'],
    });
    expect(Object.keys(main.numbers[0]!).sort()).toEqual(
      [
        'assignmentId',
        'phoneNumberId',
        'number',
        'assignmentType',
        'assignedAt',
        'country',
        'city',
        'region',
        'numberType',
        'capabilities',
      ].sort(),
    );
    const noCreds = res.json.connections.find((c: ConnectionDto) => c.name === 'Backup line');
    expect(noCreds.hasCredentials).toBe(false);
    expect(res.text).not.toMatch(/password|sip_password_enc|v1:/i);
  });

  it('answers the same list at the seed’s path /api/telnyx/connections', async () => {
    const a = await alice.get('/api/connections');
    const b = await alice.get('/api/telnyx/connections');
    expect(b.status).toBe(200);
    expect(b.json.connections).toEqual(a.json.connections);
  });

  it('answers source=telnyx with a clear 503 when Telnyx is not configured, and rejects other sources', async () => {
    const res = await alice.get('/api/connections?source=telnyx');
    expect(res.status).toBe(503);
    // An agent reads plain words and whom to ask; the env var is the admin's business.
    expect(res.json.error).toEqual({
      code: 'TELNYX_NOT_CONFIGURED',
      message:
        'Telnyx is not set up on this server yet. Ask your admin to connect the team’s Telnyx account.',
    });
    await addUser(t.services, { email: 'root@example.com', name: 'Root', role: 'admin' });
    const admin = await t.login('root@example.com', PASSWORD);
    const forAdmin = await admin.get('/api/connections?source=telnyx');
    expect(forAdmin.status).toBe(503);
    expect(forAdmin.json.error.message).toMatch(/TELNYX_API_KEY/);
    // A second app instance on the same database, with no Telnyx list wired at all.
    const unwiredApp = await startTestApp(kind, {
      database: t.database,
      overrides: { telnyxConnections: null },
    });
    try {
      const aliceThere = await unwiredApp.login('alice@example.com', PASSWORD);
      const unwired = await aliceThere.get('/api/telnyx/connections?source=telnyx');
      expect(unwired.status).toBe(503);
      expect(unwired.json.error.code).toBe('TELNYX_NOT_CONFIGURED');
      expect(unwired.json.error.message).not.toMatch(/TELNYX_API_KEY/);
    } finally {
      await unwiredApp.close();
    }
    const bad = await alice.get('/api/connections?source=carrier-pigeon');
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/source/);
  });

  it('delegates source=telnyx to the Telnyx source when one is wired', async () => {
    const seen: string[] = [];
    const wiredApp = await startTestApp(kind, {
      database: t.database,
      overrides: {
        telnyxConnections: {
          list: (user) => {
            seen.push(user.id);
            return Promise.resolve({
              source: 'telnyx',
              count: 0,
              fetchedAt: new Date().toISOString(),
              connections: [],
            });
          },
        },
      },
    });
    try {
      const aliceThere = await wiredApp.login('alice@example.com', PASSWORD);
      const res = await aliceThere.get('/api/connections?source=telnyx');
      expect(res.status).toBe(200);
      expect(res.json.source).toBe('telnyx');
      expect(seen).toEqual([aliceId]);
    } finally {
      await wiredApp.close();
    }
  });

  it('keeps each user to their own connections', async () => {
    const res = await bob.get('/api/connections');
    expect(res.json.connections.map((c: ConnectionDto) => c.name)).toEqual(['Bob trunk']);
  });

  it('gives one connection by id, and 404 for another user’s, an unknown or an inactive one', async () => {
    const one = await alice.get(`/api/connections/${mainTrunkId}`);
    expect(one.status).toBe(200);
    expect(one.json.name).toBe('Main');
    expect(one.json.numbers).toHaveLength(4);
    for (const id of [bobTrunkId, '00000000-0000-4000-8000-000000000000', inactiveTrunkId]) {
      const res = await alice.get(`/api/connections/${id}`);
      expect(res.status).toBe(404);
      expect(res.json.error).toEqual({ code: 'NOT_FOUND', message: 'Connection was not found' });
    }
  });

  it('runs a constant number of SQL statements however many trunks a user has', async () => {
    const s = t.services;
    async function countFor(trunks: number): Promise<{ hit: number; miss: number }> {
      const u = await addUser(s);
      for (let i = 0; i < trunks; i++) {
        const trunk = await addTrunk(s, u.id);
        for (const type of ['primary', 'secondary', 'backup'] as const) {
          await assign(s, trunk.id, (await addNumber(s)).id, type);
        }
      }
      const client = await t.login(u.email, PASSWORD);
      const statements = async (): Promise<number> => {
        t.database.queries.length = 0;
        const res = await client.get('/api/connections');
        expect(res.json.count).toBe(trunks);
        expect(res.json.connections.every((c: ConnectionDto) => c.numbers.length === 3)).toBe(true);
        return t.database.queries.length;
      };
      await client.get('/api/connections'); // the session's first request may refresh its expiry
      const hit = await statements(); // answered from the cache, validated by the revision
      // Any write to the listed tables (here someone else's trunk) moves the revision: the list is read again.
      await addTrunk(s, (await addUser(s)).id);
      const miss = await statements();
      return { hit, miss };
    }
    const one = await countFor(1);
    const twenty = await countFor(20);
    expect(twenty).toEqual(one);
    // The session lookup plus the revision (cached answer), and the two reads of the list on a miss.
    expect(one).toEqual({ hit: 2, miss: 4 });
  });
});
