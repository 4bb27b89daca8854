/**
 * The admin console's lists on both databases: server-side filters, sorting and paging of trunks,
 * numbers, users, assignments and the audit log; the filter dropdowns' values; a trunk's delete impact;
 * the last-admin rule and the admin's password reset; 400s that name a bad filter or sort.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { addNumber, addTrunk, addUser, assign, PASSWORD } from '../support/dialer-fixtures.js';

describe.each(DATABASE_KINDS)('admin lists (%s)', (kind) => {
  let t: TestApp;
  let admin: Client;
  let agent: Client;
  let adminId: string;
  let ownerId: string;
  const trunkIds: Record<string, string> = {};
  const numberIds: Record<string, string> = {};

  const ids = (res: { json: { items: { id: string }[] } }) => res.json.items.map((i) => i.id);

  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000' } });
    const s = t.services;
    adminId = (await addUser(s, { email: 'admin@example.com', role: 'admin', name: 'Ada Admin' })).id;
    ownerId = (await addUser(s, { email: 'owner@example.com', name: 'Owen Owner' })).id;
    await addUser(s, { email: 'zed@example.com', name: 'Zed', status: 'suspended' });
    admin = await t.login('admin@example.com', PASSWORD);
    agent = await t.login('owner@example.com', PASSWORD);
    const trunks = [
      {
        name: 'Chicago SIP',
        provider: 'sip',
        region: 'us-central',
        location: 'Chicago',
        channel_limit: 30,
        health_status: 'up',
      },
      {
        name: 'London Telnyx',
        provider: 'telnyx',
        region: 'eu-west',
        location: 'London',
        channel_limit: 100,
        health_status: 'down',
      },
      {
        name: 'Austin SIP',
        provider: 'sip',
        region: 'us-central',
        location: 'Austin',
        channel_limit: null,
        health_status: 'degraded',
      },
    ] as const;
    for (const tr of trunks) trunkIds[tr.name] = (await addTrunk(s, ownerId, { ...tr })).id;
    const numbers = [
      ['+13125550101', 'US', '312', 'local'],
      ['+13125550102', 'US', '312', 'local'],
      ['+14155550103', 'US', '415', 'mobile'],
      ['+442079460104', 'GB', '20', 'local'],
      ['+18005550105', 'US', '800', 'toll_free'],
    ] as const;
    for (const [number, country, area, type] of numbers) {
      numberIds[number] = (
        await addNumber(s, {
          number,
          country,
          area_code: area,
          number_type: type,
          city: country === 'GB' ? 'London' : 'Chicago',
        })
      ).id;
    }
    await assign(s, trunkIds['Chicago SIP']!, numberIds['+13125550101']!, 'primary');
    await assign(s, trunkIds['Chicago SIP']!, numberIds['+13125550102']!, 'secondary');
    await assign(s, trunkIds['London Telnyx']!, numberIds['+442079460104']!, 'primary');
    await assign(s, trunkIds['London Telnyx']!, numberIds['+18005550105']!, 'backup', false);
  });
  afterAll(() => t.close());

  it('filters trunks by provider, health, region, location, capacity range, owner and text, sorted and paged', async () => {
    const names = async (query: string) =>
      ((await admin.get(`/api/admin/trunks?${query}`)).json.items as { name: string }[]).map((i) => i.name);
    expect(await names('provider=sip')).toEqual(['Austin SIP', 'Chicago SIP']);
    expect(await names('health=down')).toEqual(['London Telnyx']);
    expect(await names('region=us-central&sort=-name')).toEqual(['Chicago SIP', 'Austin SIP']);
    expect(await names('location=London')).toEqual(['London Telnyx']);
    expect(await names('capacityMin=50')).toEqual(['London Telnyx']);
    expect(await names('capacityMin=10&capacityMax=50')).toEqual(['Chicago SIP']);
    expect(await names(`ownerId=${ownerId}&q=chicago`)).toEqual(['Chicago SIP']);
    // A trunk without a limit sorts last both ways.
    expect(await names('sort=channelLimit')).toEqual(['Chicago SIP', 'London Telnyx', 'Austin SIP']);
    expect(await names('sort=-channelLimit')).toEqual(['London Telnyx', 'Chicago SIP', 'Austin SIP']);
    const page2 = await admin.get('/api/admin/trunks?pageSize=2&page=2');
    expect(page2.json).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(page2.json.items.map((i: { name: string }) => i.name)).toEqual(['London Telnyx']);
  });

  it('filters numbers by country, area code, type, connection, assignment and text', async () => {
    const numbers = async (query: string) =>
      ((await admin.get(`/api/admin/numbers?${query}`)).json.items as { number: string }[]).map(
        (i) => i.number,
      );
    expect(await numbers('country=GB')).toEqual(['+442079460104']);
    expect(await numbers('areaCode=312')).toEqual(['+13125550101', '+13125550102']);
    expect(await numbers('numberType=toll_free')).toEqual(['+18005550105']);
    expect(await numbers(`trunkId=${trunkIds['Chicago SIP']}`)).toEqual(['+13125550101', '+13125550102']);
    expect(await numbers(`trunkId=${trunkIds['Chicago SIP']}&assignmentType=primary`)).toEqual([
      '+13125550101',
    ]);
    expect(await numbers('assigned=true')).toEqual(['+13125550101', '+13125550102', '+442079460104']);
    // An inactive assignment leaves the number unassigned.
    expect(await numbers('assigned=false')).toEqual(['+14155550103', '+18005550105']);
    expect(await numbers('q=555010')).toHaveLength(4);
    expect(await numbers('q=london')).toEqual(['+442079460104']);
    expect(await numbers('sort=-number&pageSize=2')).toEqual(['+442079460104', '+18005550105']);
    // Unassigned numbers sort last by connection name, both ways; ties by number in the same direction.
    const byConnection = await numbers('sort=-connection');
    expect(byConnection.slice(0, 3)).toEqual(['+442079460104', '+13125550102', '+13125550101']);
    const list = await admin.get('/api/admin/numbers?country=US&pageSize=1');
    expect(list.json).toMatchObject({ total: 4, pageSize: 1 });
    expect(list.json.items[0].activeAssignment).toMatchObject({
      trunkName: 'Chicago SIP',
      assignmentType: 'primary',
    });
  });

  it('filters users by text, role and status, sorted', async () => {
    expect(ids(await admin.get('/api/admin/users?role=admin'))).toEqual([adminId]);
    const suspended = await admin.get('/api/admin/users?status=suspended');
    expect(suspended.json.items.map((u: { email: string }) => u.email)).toEqual(['zed@example.com']);
    const byName = await admin.get('/api/admin/users?sort=-name');
    expect(byName.json.items.map((u: { name: string }) => u.name)).toEqual([
      'Zed',
      'Owen Owner',
      'Ada Admin',
    ]);
    expect(ids(await admin.get('/api/admin/users?q=OWEN'))).toEqual([ownerId]);
  });

  it('lists assignments per connection and per number, by type', async () => {
    const chicago = await admin.get(`/api/admin/assignments?trunkId=${trunkIds['Chicago SIP']}`);
    expect(chicago.json.items.map((a: { number: string }) => a.number)).toEqual([
      '+13125550101',
      '+13125550102',
    ]);
    const perNumber = await admin.get(`/api/admin/assignments?phoneNumberId=${numberIds['+18005550105']}`);
    expect(perNumber.json.items).toMatchObject([{ trunkName: 'London Telnyx', isActive: false }]);
    const byType = await admin.get('/api/admin/assignments?sort=-assignmentType&isActive=true');
    expect(byType.json.items.map((a: { assignmentType: string }) => a.assignmentType)).toEqual([
      'secondary',
      'primary',
      'primary',
    ]);
    const text = await admin.get('/api/admin/assignments?q=london');
    expect(text.json.total).toBe(2);
  });

  it('answers 400 naming the parameter for an unknown filter, value or sort field', async () => {
    for (const [path, field] of [
      ['/api/admin/trunks?sort=password', /sort: must be one of: name/],
      ['/api/admin/trunks?health=great', /health/],
      ['/api/admin/trunks?capacityMin=10&capacityMax=5', /capacityMax/],
      ['/api/admin/numbers?areaCode=abc', /areaCode/],
      ['/api/admin/numbers?sort=-', /sort/],
      ['/api/admin/numbers?color=red', /color|unrecognized/i],
      ['/api/admin/users?sort=password_hash', /sort/],
      ['/api/admin/assignments?sort=id', /sort/],
      ['/api/admin/audit?from=yesterday', /from/],
    ] as const) {
      const res = await admin.get(path);
      expect(res.status, path).toBe(400);
      expect(res.json.error.code).toBe('VALIDATION_FAILED');
      expect(res.json.error.message, path).toMatch(field);
    }
  });

  it('pages the audit log newest first, filtered by who, entity, action and date, with the actor’s email', async () => {
    const created = await admin.post('/api/admin/numbers', { number: '+13125550199' });
    expect(created.status).toBe(201);
    await admin.patch(`/api/admin/numbers/${created.json.id}`, { city: 'Evanston' });
    const res = await admin.get(`/api/admin/audit?actorId=${adminId}&entityType=phone_number&pageSize=1`);
    expect(res.json).toMatchObject({ total: 2, page: 1, pageSize: 1 });
    expect(res.json.items[0]).toMatchObject({
      action: 'phone_number.update',
      actorEmail: 'admin@example.com',
    });
    const today = new Date().toISOString().slice(0, 10);
    const byAction = await admin.get(`/api/admin/audit?action=phone_number.create&from=${today}&to=${today}`);
    expect(byAction.json.items.map((e: { entityId: string }) => e.entityId)).toEqual([created.json.id]);
    expect((await admin.get('/api/admin/audit?to=2000-01-01')).json.total).toBe(0);
    const oldestFirst = await admin.get(`/api/admin/audit?entityId=${created.json.id}&sort=createdAt`);
    expect(oldestFirst.json.items.map((e: { action: string }) => e.action)).toEqual([
      'phone_number.create',
      'phone_number.update',
    ]);
  });

  it('gives the filter dropdowns their values', async () => {
    const res = await admin.get('/api/admin/facets');
    expect(res.status).toBe(200);
    expect(res.json.trunks).toMatchObject({
      providers: ['sip', 'telnyx'],
      regions: ['eu-west', 'us-central'],
      locations: ['Austin', 'Chicago', 'London'],
      owners: [{ id: ownerId, email: 'owner@example.com' }],
      capacity: { min: 30, max: 100 },
    });
    expect(res.json.numbers.countries).toEqual(['GB', 'US']);
    expect(res.json.numbers.areaCodes).toEqual(['20', '312', '415', '800']);
    expect(res.json.truncated).toEqual([]);
  });

  it('says what deleting a trunk takes with it', async () => {
    const res = await admin.get(`/api/admin/trunks/${trunkIds['London Telnyx']}/impact`);
    expect(res.json).toEqual({
      trunkId: trunkIds['London Telnyx'],
      trunkName: 'London Telnyx',
      assignments: { active: 1, inactive: 1 },
      sampleNumbers: ['+442079460104'],
      calls: { count: 0, kept: true },
      numbersKept: true,
    });
    expect((await admin.get('/api/admin/trunks/nope/impact')).status).toBe(404);
  });

  it('says whether Telnyx is configured', async () => {
    const res = await admin.get('/api/admin/telnyx/status');
    expect(res.json).toEqual({ configured: false, syncIntervalMinutes: 0, running: null, lastRun: null });
  });

  it('resets a password (the old sessions end) and keeps the last active admin', async () => {
    const other = await addUser(t.services, { email: 'second@example.com', role: 'admin' });
    const second = await t.login('second@example.com', PASSWORD);
    const reset = await admin.post(`/api/admin/users/${other.id}/password`, { password: 'brand-new-pass-1' });
    expect(reset.status).toBe(204);
    expect((await second.get('/api/auth/me')).status).toBe(401);
    const again = await t.login('second@example.com', 'brand-new-pass-1');
    expect(JSON.stringify(await t.services.repos.audit.list({ entityId: other.id }))).not.toContain(
      'brand-new',
    );

    // Two active admins: the other may demote the first, and then the first is the last one.
    expect((await again.patch(`/api/admin/users/${adminId}`, { role: 'agent' })).status).toBe(200);
    for (const change of [{ role: 'agent' }, { status: 'suspended' }]) {
      const res = await admin.request('PATCH', `/api/admin/users/${other.id}`, change);
      // `admin` lost its role: a 403 now; the last admin is protected from the other side too.
      expect(res.status).toBe(403);
    }
    await t.services.repos.users.update(adminId, { role: 'admin' });
    const admin2 = await t.login('admin@example.com', PASSWORD);
    await t.services.repos.users.update(other.id, { status: 'suspended' });
    const last = await again.request('GET', '/api/auth/me');
    expect(last.status).toBe(401);
    const demote = await admin2.request('DELETE', `/api/admin/users/${other.id}`);
    expect(demote.status).toBe(204);
    const self = await admin2.patch(`/api/admin/users/${adminId}`, { name: 'Still Admin' });
    expect(self.status).toBe(200);
    admin = admin2;
  });

  it('refuses to demote, suspend or delete the last active admin with a 409 that says why', async () => {
    const helper = await addUser(t.services, { email: 'helper@example.com', role: 'admin' });
    const helperClient = await t.login('helper@example.com', PASSWORD);
    // Only `admin@example.com` and `helper` are active admins; suspend helper via admin, then helper is gone.
    expect((await admin.patch(`/api/admin/users/${helper.id}`, { status: 'suspended' })).status).toBe(200);
    for (const [method, body] of [
      ['PATCH', { role: 'agent' }],
      ['PATCH', { status: 'inactive' }],
    ] as const) {
      const res = await helperClient.request(method, `/api/admin/users/${adminId}`, body);
      expect(res.status).toBe(401); // helper's sessions ended with the suspension
    }
    // The last admin, acted on by a service call with another actor (the CLI has no session).
    await expect(t.services.admin.users.update(adminId, { role: 'agent' }, null)).rejects.toThrow(
      /last active administrator/,
    );
    await expect(t.services.admin.users.update(adminId, { status: 'suspended' }, null)).rejects.toThrow(
      /last active administrator/,
    );
    await expect(t.services.admin.users.delete(adminId, null)).rejects.toThrow(/last active administrator/);
  });

  it('answers 403 to an agent on every new admin route', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/admin/facets', undefined],
      ['GET', '/api/admin/telnyx/status', undefined],
      ['GET', `/api/admin/trunks/${trunkIds['Chicago SIP']}/impact`, undefined],
      ['GET', '/api/admin/audit?pageSize=1', undefined],
      ['POST', `/api/admin/users/${ownerId}/password`, { password: 'agent-takes-over' }],
    ] as const) {
      const res = await agent.request(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
    }
  });
});
