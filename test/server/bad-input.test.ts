/**
 * Bad input on every write of the connections and admin APIs: malformed JSON, wrong types, unknown
 * fields, oversized bodies, invalid numbers, other users' ids and unknown ids. Each gets a 4xx with a
 * message a person can act on, never a 500, and nothing is written (row counts, audit log included).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { addNumber, addTrunk, addUser, assign, PASSWORD, tableCounts } from '../support/dialer-fixtures.js';

const UNKNOWN = '7d0f5d52-3f7e-4f1a-9a59-2b1c8e4d6a10';

describe.each(DATABASE_KINDS)('bad input (%s)', (kind) => {
  let t: TestApp;
  let admin: Client;
  let agent: Client;
  let agentId: string;
  let otherTrunk: string;
  let trunkId: string;
  let numberId: string;
  let assignmentId: string;

  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000' } });
    const s = t.services;
    await addUser(s, { email: 'admin@example.com', role: 'admin' });
    agentId = (await addUser(s, { email: 'agent@example.com' })).id;
    const other = await addUser(s, { email: 'other@example.com' });
    trunkId = (await addTrunk(s, agentId, { name: 'Mine' })).id;
    otherTrunk = (await addTrunk(s, other.id, { name: 'Theirs' })).id;
    numberId = (await addNumber(s, { number: '+13125550190' })).id;
    assignmentId = (await assign(s, trunkId, numberId, 'primary')).id;
    admin = await t.login('admin@example.com', PASSWORD);
    agent = await t.login('agent@example.com', PASSWORD);
  });
  afterAll(() => t.close());

  async function expectNothingWritten(run: () => Promise<void>): Promise<void> {
    const before = await tableCounts(t.services);
    const trunkBefore = await t.services.repos.trunks.findSecret(trunkId);
    await run();
    expect(await tableCounts(t.services)).toEqual(before);
    expect(await t.services.repos.trunks.findSecret(trunkId)).toEqual(trunkBefore);
  }

  function expectClear4xx(
    res: { status: number; json: { error?: { code: string; message: string } } },
    status: number,
    message?: RegExp,
  ) {
    expect(res.status).toBe(status);
    expect(res.json.error?.message).toBeTruthy();
    expect(res.json.error?.message).not.toMatch(/undefined|\[object|TypeError|SQLITE|violates/i);
    if (message) expect(res.json.error?.message).toMatch(message);
  }

  const writes: [method: string, path: () => string][] = [
    ['POST', () => '/api/admin/users'],
    ['PATCH', () => `/api/admin/users/${agentId}`],
    ['POST', () => '/api/admin/trunks'],
    ['PATCH', () => `/api/admin/trunks/${trunkId}`],
    ['POST', () => '/api/admin/numbers'],
    ['PATCH', () => `/api/admin/numbers/${numberId}`],
    ['POST', () => '/api/admin/assignments'],
    ['PATCH', () => `/api/admin/assignments/${assignmentId}`],
  ];

  it('answers malformed JSON with 400 "not valid JSON"', async () => {
    await expectNothingWritten(async () => {
      for (const [method, path] of writes) {
        const res = await admin.request(method, path(), '{"name": "x",', {
          'content-type': 'application/json',
        });
        expectClear4xx(res, 400, /not valid JSON/);
      }
    });
  });

  it('answers unknown fields with 400 naming the field', async () => {
    await expectNothingWritten(async () => {
      for (const [method, path] of writes) {
        const res = await admin.request(method, path(), { surprise: 1 });
        expectClear4xx(res, 400);
        expect(JSON.stringify(res.json.error)).toMatch(/Unrecognized key.*surprise/);
      }
    });
  });

  it('answers wrong types with 400 naming the field', async () => {
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', '/api/admin/users', { email: 42, name: 'x', password: 'long-enough' }, /email/],
      ['PATCH', `/api/admin/users/${agentId}`, { role: 'root' }, /role: must be one of: admin, agent/],
      ['PATCH', `/api/admin/trunks/${trunkId}`, { channelLimit: 'ten' }, /channelLimit/],
      ['PATCH', `/api/admin/trunks/${trunkId}`, { settings: [] }, /settings/],
      ['PATCH', `/api/admin/trunks/${trunkId}`, { password: 12345 }, /password/],
      ['PATCH', `/api/admin/trunks/${trunkId}`, { password: '' }, /password: must not be empty/],
      ['PATCH', `/api/admin/numbers/${numberId}`, { monthlyRate: -1 }, /monthlyRate/],
      ['PATCH', `/api/admin/assignments/${assignmentId}`, { isActive: 'yes' }, /isActive/],
      [
        'POST',
        '/api/admin/assignments',
        { trunkId, phoneNumberId: numberId, assignmentType: 'main' },
        /assignmentType: must be one of: primary, secondary, backup/,
      ],
      ['POST', '/api/admin/users', [1, 2, 3], /./],
      ['POST', '/api/admin/trunks', 'null', /./],
    ];
    await expectNothingWritten(async () => {
      for (const [method, path, body, message] of cases) {
        const res = await admin.request(method, path, body);
        expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
        expectClear4xx(res, 400, message);
      }
    });
  });

  it('answers oversized bodies with 413', async () => {
    await expectNothingWritten(async () => {
      const res = await admin.post('/api/admin/trunks', {
        ownerId: agentId,
        name: 'Big',
        provider: 'sip',
        notes: 'x'.repeat(200_000),
      });
      expectClear4xx(res, 413, /too large/);
      const long = await admin.patch(`/api/admin/trunks/${trunkId}`, { notes: 'x'.repeat(5_000) });
      expectClear4xx(long, 400, /notes: must be at most 2000 characters/);
    });
  });

  it('answers invalid phone numbers with 400 and a reason', async () => {
    await expectNothingWritten(async () => {
      for (const number of ['555', '+1 312 555', 'not a number', '+0123456789', '++13125550100']) {
        expectClear4xx(await admin.post('/api/admin/numbers', { number }), 400, /^number: /);
      }
      expectClear4xx(await admin.patch(`/api/admin/numbers/${numberId}`, { number: '42' }), 400, /^number: /);
      expectClear4xx(
        await admin.post('/api/admin/users', {
          email: 'c@example.com',
          name: 'C',
          password: 'long-enough',
          defaultCountry: 'XX',
        }),
        400,
        /defaultCountry/,
      );
    });
  });

  it('answers foreign and unknown ids with 4xx and writes nothing', async () => {
    await expectNothingWritten(async () => {
      // Another user's trunk through the agent's own routes: 404, same as unknown.
      expectClear4xx(await agent.get(`/api/connections/${otherTrunk}`), 404);
      expectClear4xx(await agent.post(`/api/connections/${otherTrunk}/registration`), 404);
      // Unknown ids in paths: 404.
      for (const path of ['users', 'trunks', 'numbers', 'assignments']) {
        expectClear4xx(await admin.patch(`/api/admin/${path}/${UNKNOWN}`, {}), 404, /was not found/);
        expectClear4xx(await admin.delete(`/api/admin/${path}/${UNKNOWN}`), 404, /was not found/);
        expectClear4xx(await admin.get(`/api/admin/${path}/${UNKNOWN}`), 404, /was not found/);
      }
      // Unknown ids in bodies: 400 naming the field.
      expectClear4xx(
        await admin.post('/api/admin/trunks', { ownerId: UNKNOWN, name: 'X', provider: 'sip' }),
        400,
        /^ownerId/,
      );
      expectClear4xx(
        await admin.patch(`/api/admin/trunks/${trunkId}`, { ownerId: UNKNOWN }),
        400,
        /^ownerId/,
      );
      expectClear4xx(
        await admin.post('/api/admin/numbers', { number: '+13125550191', ownerId: UNKNOWN }),
        400,
        /^ownerId/,
      );
      expectClear4xx(
        await admin.post('/api/admin/assignments', {
          trunkId: UNKNOWN,
          phoneNumberId: numberId,
          assignmentType: 'backup',
        }),
        400,
        /^trunkId/,
      );
      // Conflicts: 409, nothing written.
      expectClear4xx(
        await admin.post('/api/admin/numbers', { number: '312 555 0190' }),
        409,
        /already exists/,
      );
      expectClear4xx(
        await admin.post('/api/admin/users', {
          email: 'agent@example.com',
          name: 'A',
          password: 'long-enough',
        }),
        409,
      );
    });
  });

  it('answers bad query strings with 400', async () => {
    expectClear4xx(await admin.get('/api/admin/numbers?pageSize=100000'), 400, /pageSize/);
    expectClear4xx(await admin.get('/api/admin/trunks?status=sleeping'), 400, /status/);
    expectClear4xx(await admin.get('/api/admin/assignments?isActive=maybe'), 400, /isActive/);
    expectClear4xx(await admin.get('/api/admin/users?sort=evil'), 400, /sort/);
    expectClear4xx(await agent.get('/api/connections?source=database&extra=1'), 400, /extra/);
  });

  it('never answered with a 500', () => {
    expect(t.responses.some((r) => r.includes('"INTERNAL"'))).toBe(false);
  });
});
