import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { addUser, PASSWORD } from '../support/dialer-fixtures.js';

describe.each(DATABASE_KINDS)('admin API (%s)', (kind) => {
  let t: TestApp;
  let admin: Client;
  let agent: Client;
  let adminId: string;
  let agentId: string;

  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000' } });
    adminId = (await addUser(t.services, { email: 'admin@example.com', role: 'admin' })).id;
    agentId = (await addUser(t.services, { email: 'agent@example.com', name: 'Agent' })).id;
    admin = await t.login('admin@example.com', PASSWORD);
    agent = await t.login('agent@example.com', PASSWORD);
  });
  afterAll(() => t.close());

  const auditFor = (entityId: string) => t.services.repos.audit.list({ entityId });

  describe('users', () => {
    it('creates, reads, lists, updates and deletes a user, hashing the password and auditing each write', async () => {
      const created = await admin.post('/api/admin/users', {
        email: 'New@Example.com',
        name: 'New',
        password: 'long-enough-1',
      });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({
        email: 'new@example.com',
        name: 'New',
        role: 'agent',
        status: 'active',
        defaultCountry: 'US',
      });
      expect(created.json).not.toHaveProperty('passwordHash');
      const id = created.json.id as string;
      const row = await t.services.repos.users.findById(id);
      expect(row?.password_hash).toBe('test$long-enough-1');

      expect((await admin.get(`/api/admin/users/${id}`)).json.email).toBe('new@example.com');
      const list = await admin.get('/api/admin/users?q=new');
      expect(list.json).toMatchObject({ total: 1, page: 1, pageSize: 50 });
      expect(list.json.items[0].id).toBe(id);

      const updated = await admin.patch(`/api/admin/users/${id}`, {
        role: 'admin',
        name: 'Newer',
        password: 'another-pass-2',
      });
      expect(updated.status).toBe(200);
      expect(updated.json).toMatchObject({ role: 'admin', name: 'Newer' });
      expect((await t.services.repos.users.findById(id))?.password_hash).toBe('test$another-pass-2');
      // The new password works.
      await t.login('new@example.com', 'another-pass-2');

      expect((await admin.delete(`/api/admin/users/${id}`)).status).toBe(204);
      expect((await admin.get(`/api/admin/users/${id}`)).status).toBe(404);
      const actions = (await auditFor(id)).map((e) => e.action).sort();
      expect(actions).toEqual(['user.create', 'user.delete', 'user.update']);
      const audit = JSON.stringify(await auditFor(id));
      expect(audit).not.toContain('another-pass-2');
      expect(audit).not.toContain('long-enough-1');
    });

    it('searches users by text in which % and _ match only themselves', async () => {
      const make = (email: string, name: string) =>
        admin.post('/api/admin/users', { email, name, password: 'long-enough-1' });
      const percent = (await make('fifty@example.com', 'Half 50% Off')).json.id as string;
      const underscore = (await make('under_score@example.com', 'Under Score')).json.id as string;
      const plain = (await make('underxscore@example.com', 'Fifty Five')).json.id as string;
      const ids = async (q: string) =>
        ((await admin.get(`/api/admin/users?q=${encodeURIComponent(q)}`)).json.items as { id: string }[]).map(
          (u) => u.id,
        );
      expect(await ids('50%')).toEqual([percent]);
      expect(await ids('%')).toEqual([percent]);
      expect(await ids('under_')).toEqual([underscore]);
      expect((await ids('UNDER')).sort()).toEqual([underscore, plain].sort());
      for (const id of [percent, underscore, plain]) await admin.delete(`/api/admin/users/${id}`);
    });

    it('refuses a duplicate email with 409, and deleting or demoting yourself', async () => {
      const dup = await admin.post('/api/admin/users', {
        email: 'AGENT@example.com',
        name: 'X',
        password: 'long-enough-1',
      });
      expect(dup.status).toBe(409);
      expect(dup.json.error.message).toBe('A user with this email already exists.');
      const self = await admin.delete(`/api/admin/users/${adminId}`);
      expect(self.status).toBe(409);
      expect(self.json.error.message).toMatch(/cannot delete your own account/);
      expect((await admin.patch(`/api/admin/users/${adminId}`, { role: 'agent' })).status).toBe(409);
      expect((await admin.patch(`/api/admin/users/${adminId}`, { status: 'suspended' })).status).toBe(409);
    });

    it('ends a user’s sessions when they are suspended', async () => {
      const u = await addUser(t.services, { email: 'soon-suspended@example.com' });
      const c = await t.login(u.email, PASSWORD);
      expect((await c.get('/api/auth/me')).status).toBe(200);
      expect((await admin.patch(`/api/admin/users/${u.id}`, { status: 'suspended' })).status).toBe(200);
      expect((await c.get('/api/auth/me')).status).toBe(401);
    });

    it('shows any user’s connections to an admin', async () => {
      const trunk = await admin.post('/api/admin/trunks', {
        ownerId: agentId,
        name: 'Agent line',
        provider: 'sip',
      });
      const res = await admin.get(`/api/admin/users/${agentId}/connections`);
      expect(res.status).toBe(200);
      expect(res.json.source).toBe('database');
      expect(res.json.connections.map((c: { id: string }) => c.id)).toContain(trunk.json.id);
      expect(
        (await admin.get('/api/admin/users/0e6f4a1c-1d2b-4c3d-8e9f-000000000000/connections')).status,
      ).toBe(404);
      await admin.delete(`/api/admin/trunks/${trunk.json.id}`);
    });
  });

  describe('trunks', () => {
    it('creates a trunk with a write-only password, keeps it on update, clears it with null', async () => {
      const created = await admin.post('/api/admin/trunks', {
        ownerId: agentId,
        name: 'Chicago',
        provider: 'sip',
        sipUri: 'sip.example.test',
        wsServer: 'wss://sip.example.test:7443',
        username: 'chi',
        password: 'trunk-secret-9',
        settings: { dtmfMode: 'rfc2833', codecs: ['OPUS'] },
        channelLimit: 4,
      });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({
        name: 'Chicago',
        status: 'active',
        hasPassword: true,
        hasCredentials: true,
        channelLimit: 4,
      });
      expect(created.text).not.toContain('trunk-secret-9');
      expect(created.json).not.toHaveProperty('password');
      const id = created.json.id as string;
      const stored = await t.services.repos.trunks.findSecret(id);
      expect(stored?.sip_password_enc).toMatch(/^v1:/);
      expect(t.services.cipher.decrypt(stored!.sip_password_enc!)).toBe('trunk-secret-9');

      const renamed = await admin.patch(`/api/admin/trunks/${id}`, { name: 'Chicago 2', notes: 'moved' });
      expect(renamed.status).toBe(200);
      expect(renamed.json).toMatchObject({ name: 'Chicago 2', notes: 'moved', hasCredentials: true });
      expect((await t.services.repos.trunks.findSecret(id))?.sip_password_enc).toBe(stored?.sip_password_enc);

      const cleared = await admin.patch(`/api/admin/trunks/${id}`, { password: null });
      expect(cleared.json).toMatchObject({ hasPassword: false, hasCredentials: false });
      const reset = await admin.patch(`/api/admin/trunks/${id}`, { password: 'new-secret-7' });
      expect(reset.json.hasCredentials).toBe(true);
      expect(
        t.services.cipher.decrypt((await t.services.repos.trunks.findSecret(id))!.sip_password_enc!),
      ).toBe('new-secret-7');

      const list = await admin.get(`/api/admin/trunks?ownerId=${agentId}&provider=sip&q=chicago`);
      expect(list.json.items.map((x: { id: string }) => x.id)).toEqual([id]);
      expect((await admin.get(`/api/admin/trunks/${id}`)).json.name).toBe('Chicago 2');

      const audit = await auditFor(id);
      expect(audit.map((e) => e.action)).toContain('trunk.update');
      expect(JSON.stringify(audit)).not.toMatch(/trunk-secret-9|new-secret-7/);
      expect((await admin.delete(`/api/admin/trunks/${id}`)).status).toBe(204);
      expect((await admin.get(`/api/admin/trunks/${id}`)).status).toBe(404);
    });

    it('validates with messages that name the field', async () => {
      const cases: [unknown, RegExp][] = [
        [{ ownerId: agentId, name: 'X', provider: 'skype' }, /provider: must be one of: telnyx, sip/],
        [{ ownerId: agentId, name: '', provider: 'sip' }, /name: is required/],
        [
          { ownerId: agentId, name: 'X', provider: 'sip', wsServer: 'http://x' },
          /wsServer: must be a ws:\/\/ or wss:\/\/ URL/,
        ],
        [{ ownerId: agentId, name: 'X', provider: 'sip', channelLimit: 1.5 }, /channelLimit/],
        [
          { ownerId: agentId, name: 'X', provider: 'sip', settings: { dtmfMode: 'smoke' } },
          /settings\.dtmfMode/,
        ],
        [
          { ownerId: agentId, name: 'X'.repeat(201), provider: 'sip' },
          /name: must be at most 200 characters/,
        ],
        [{ ownerId: agentId, name: 'X', provider: 'sip', colour: 'red' }, /colour/],
        [{ ownerId: 'no-such-user', name: 'X', provider: 'sip' }, /ownerId: no user with this id exists/],
      ];
      for (const [body, message] of cases) {
        const res = await admin.post('/api/admin/trunks', body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.json.error.code).toBe('VALIDATION_FAILED');
        expect(res.json.error.message).toMatch(message);
      }
    });
  });

  describe('numbers', () => {
    it('normalises to E.164 with the default country and refuses duplicates', async () => {
      const created = await admin.post('/api/admin/numbers', { number: '(312) 555-0142', city: 'Chicago' });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({
        number: '+13125550142',
        country: 'US',
        areaCode: '312',
        city: 'Chicago',
        status: 'active',
        activeAssignment: null,
      });
      const dup = await admin.post('/api/admin/numbers', { number: '+1 312 555 0142' });
      expect(dup.status).toBe(409);
      expect(dup.json.error.message).toBe('+13125550142 already exists.');
      const uk = await admin.post('/api/admin/numbers', { number: '+44 20 7946 0958' });
      expect(uk.json).toMatchObject({ number: '+442079460958', country: 'GB' });

      const id = created.json.id as string;
      const updated = await admin.patch(`/api/admin/numbers/${id}`, {
        carrier: 'Telnyx',
        capabilities: ['voice'],
      });
      expect(updated.json).toMatchObject({
        carrier: 'Telnyx',
        capabilities: ['voice'],
        number: '+13125550142',
      });
      const clash = await admin.patch(`/api/admin/numbers/${id}`, { number: '+442079460958' });
      expect(clash.status).toBe(409);
      expect(
        (await admin.get('/api/admin/numbers?q=555014')).json.items.map((n: { id: string }) => n.id),
      ).toEqual([id]);
      expect((await admin.delete(`/api/admin/numbers/${uk.json.id}`)).status).toBe(204);
      expect((await auditFor(id)).map((e) => e.action).sort()).toEqual([
        'phone_number.create',
        'phone_number.update',
      ]);
    });

    it('rejects invalid numbers with a clear message', async () => {
      for (const number of ['12345', 'call me', '+999123', '312-555-01x2', '']) {
        const res = await admin.post('/api/admin/numbers', { number });
        expect(res.status, number).toBe(400);
        expect(res.json.error.message).toMatch(/^number: /);
      }
    });
  });

  describe('assignments', () => {
    let trunkA: string;
    let trunkB: string;
    const numbers: Record<string, string> = {};
    beforeAll(async () => {
      trunkA = (await admin.post('/api/admin/trunks', { ownerId: agentId, name: 'Trunk A', provider: 'sip' }))
        .json.id;
      trunkB = (
        await admin.post('/api/admin/trunks', { ownerId: agentId, name: 'Trunk B', provider: 'telnyx' })
      ).json.id;
      for (const [k, n] of Object.entries({
        one: '+13125550171',
        two: '+13125550172',
        three: '+13125550173',
      })) {
        numbers[k] = (await admin.post('/api/admin/numbers', { number: n })).json.id;
      }
    });

    it('assigns, lists with filters, updates and deletes', async () => {
      const a = await admin.post('/api/admin/assignments', {
        trunkId: trunkA,
        phoneNumberId: numbers.one,
        assignmentType: 'primary',
      });
      expect(a.status).toBe(201);
      expect(a.json).toMatchObject({
        trunkId: trunkA,
        trunkName: 'Trunk A',
        number: '+13125550171',
        assignmentType: 'primary',
        isActive: true,
      });
      const b = await admin.post('/api/admin/assignments', {
        trunkId: trunkA,
        phoneNumberId: numbers.two,
        assignmentType: 'backup',
      });
      expect(b.status).toBe(201);
      const list = await admin.get(`/api/admin/assignments?trunkId=${trunkA}&isActive=true`);
      expect(list.json.items.map((x: { number: string }) => x.number)).toEqual([
        '+13125550171',
        '+13125550172',
      ]);
      expect((await admin.get(`/api/admin/numbers/${numbers.one}`)).json.activeAssignment).toEqual({
        trunkId: trunkA,
        trunkName: 'Trunk A',
        assignmentType: 'primary',
      });
      const upd = await admin.patch(`/api/admin/assignments/${b.json.id}`, { assignmentType: 'secondary' });
      expect(upd.json.assignmentType).toBe('secondary');
      const off = await admin.patch(`/api/admin/assignments/${b.json.id}`, { isActive: false });
      expect(off.json.isActive).toBe(false);
      expect((await admin.delete(`/api/admin/assignments/${b.json.id}`)).status).toBe(204);
      expect((await admin.get(`/api/admin/assignments/${b.json.id}`)).status).toBe(404);
      expect((await auditFor(b.json.id)).map((e) => e.action).sort()).toEqual([
        'assignment.create',
        'assignment.delete',
        'assignment.update',
        'assignment.update',
      ]);
    });

    it('answers 409 naming the trunk when a number is already actively assigned elsewhere', async () => {
      const res = await admin.post('/api/admin/assignments', {
        trunkId: trunkB,
        phoneNumberId: numbers.one,
        assignmentType: 'secondary',
      });
      expect(res.status).toBe(409);
      expect(res.json.error.message).toBe(
        '+13125550171 is already assigned to trunk Trunk A. Unassign it there first.',
      );
      // Inactive assignments elsewhere are allowed (history), and cannot then be activated.
      const inactive = await admin.post('/api/admin/assignments', {
        trunkId: trunkB,
        phoneNumberId: numbers.one,
        assignmentType: 'secondary',
        isActive: false,
      });
      expect(inactive.status).toBe(201);
      const activate = await admin.patch(`/api/admin/assignments/${inactive.json.id}`, { isActive: true });
      expect(activate.status).toBe(409);
      expect(activate.json.error.message).toMatch(/already assigned to trunk Trunk A/);
    });

    it('answers 409 for a second active primary on a trunk, and for the same pair twice', async () => {
      const second = await admin.post('/api/admin/assignments', {
        trunkId: trunkA,
        phoneNumberId: numbers.three,
        assignmentType: 'primary',
      });
      expect(second.status).toBe(409);
      expect(second.json.error.message).toBe(
        'Trunk Trunk A already has an active primary number (+13125550171). Make that one secondary or backup first.',
      );
      const twice = await admin.post('/api/admin/assignments', {
        trunkId: trunkA,
        phoneNumberId: numbers.one,
        assignmentType: 'backup',
      });
      expect(twice.status).toBe(409);
      expect(twice.json.error.message).toMatch(/already assigned to trunk Trunk A \(as primary\)/);
    });

    it('translates the database’s own unique violations into 409s (the race the checks cannot see)', async () => {
      // Bypass the service's checks: the partial unique index still refuses, as a domain error.
      const { AssignmentRepository } = await import('../../src/server/repositories/assignment-repository.js');
      const repo = new AssignmentRepository(t.services.db);
      const now = new Date().toISOString();
      const base = {
        assigned_at: now,
        last_used_at: null,
        settings: '{}',
        created_at: now,
        updated_at: now,
        is_active: 1,
      };
      const trunkC = (
        await admin.post('/api/admin/trunks', { ownerId: agentId, name: 'Trunk C', provider: 'sip' })
      ).json.id as string;
      await expect(
        repo.insert({
          id: crypto.randomUUID(),
          trunk_id: trunkC,
          phone_number_id: numbers.one!,
          assignment_type: 'backup',
          ...base,
        }),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
        message: 'This number is already actively assigned to another trunk.',
      });
      await expect(
        repo.insert({
          id: crypto.randomUUID(),
          trunk_id: trunkB,
          phone_number_id: numbers.one!,
          assignment_type: 'backup',
          ...base,
          is_active: 0,
        }),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
        message: 'This number is already assigned to this trunk.',
      });
      await expect(
        repo.insert({
          id: crypto.randomUUID(),
          trunk_id: trunkA,
          phone_number_id: numbers.three!,
          assignment_type: 'primary',
          ...base,
        }),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
        message: 'This trunk already has an active primary number.',
      });
      await expect(
        repo.insert({
          id: crypto.randomUUID(),
          trunk_id: 'nope',
          phone_number_id: numbers.three!,
          assignment_type: 'backup',
          ...base,
        }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('answers 400 for unknown trunk or number ids in the body', async () => {
      const noTrunk = await admin.post('/api/admin/assignments', {
        trunkId: 'missing',
        phoneNumberId: numbers.three,
        assignmentType: 'backup',
      });
      expect(noTrunk.status).toBe(400);
      expect(noTrunk.json.error.message).toBe('trunkId: no trunk with this id exists.');
      const noNumber = await admin.post('/api/admin/assignments', {
        trunkId: trunkA,
        phoneNumberId: 'missing',
        assignmentType: 'backup',
      });
      expect(noNumber.json.error.message).toBe('phoneNumberId: no phone number with this id exists.');
    });

    it('refuses to delete a user who still owns trunks', async () => {
      const res = await admin.delete(`/api/admin/users/${agentId}`);
      expect(res.status).toBe(409);
      expect(res.json.error.message).toMatch(/still owns \d+ trunks?/);
    });
  });

  it('lists the audit log, newest first, filtered', async () => {
    const res = await admin.get('/api/admin/audit?entityType=trunk&limit=5');
    expect(res.status).toBe(200);
    expect(res.json.items.length).toBeGreaterThan(0);
    expect(res.json.items.length).toBeLessThanOrEqual(5);
    expect(res.json.items.every((e: { entityType: string }) => e.entityType === 'trunk')).toBe(true);
    expect(res.json.items[0]).toHaveProperty('createdAt');
    expect((await agent.get('/api/admin/audit')).status).toBe(403);
  });

  it('answers 403 to agents on every admin route', async () => {
    for (const [method, path] of [
      ['GET', '/api/admin/users'],
      ['POST', '/api/admin/users'],
      ['GET', '/api/admin/trunks'],
      ['PATCH', `/api/admin/users/${agentId}`],
      ['DELETE', `/api/admin/users/${adminId}`],
      ['GET', `/api/admin/users/${agentId}/connections`],
    ] as const) {
      const res = await agent.request(
        method,
        path,
        method === 'GET' || method === 'DELETE' ? undefined : { role: 'admin' },
      );
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json.error.code).toBe('FORBIDDEN');
    }
    expect((await t.services.repos.users.findById(agentId))?.role).toBe('agent');
  });
});
