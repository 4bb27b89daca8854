/**
 * The Telnyx features through the real HTTP API, against the local fake of the Telnyx API v2 (the
 * official SDK with only its base URL changed), on SQLite and PostgreSQL.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionListDto } from '../../src/shared/api.js';
import type { DriftReportDto, SyncRunDto } from '../../src/shared/telnyx.js';
import {
  closeTestApp,
  countRows,
  expectConsistent,
  shapeOf,
  waitForRun,
} from '../fakes/telnyx-api/helpers.js';
import { startFakeTelnyx, type FakeTelnyx } from '../fakes/telnyx-api/server.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { plainTestHasher, startTestApp, type Client, type TestApp } from '../support/app.js';

const PASSWORD = 'correct-horse-battery';

describe.each(DATABASE_KINDS)('Telnyx API features (%s)', (kind) => {
  let fake: FakeTelnyx;
  let t: TestApp;
  let admin: Client;
  let agent: Client;
  let agent2: Client;
  let agentId: string;
  let adminId: string;
  const connIds: string[] = [];

  async function sync(): Promise<SyncRunDto> {
    const res = await admin.post('/api/admin/sync/telnyx');
    expect(res.status, res.text).toBe(202);
    return waitForRun(admin, res.json.runId as string);
  }

  beforeAll(async () => {
    fake = await startFakeTelnyx({ connections: 4, numbers: 300, unassignedNumbers: 5 });
    connIds.push(...fake.connections.keys());
    t = await startTestApp(kind, {
      env: {
        TELNYX_API_KEY: fake.apiKey,
        TELNYX_BASE_URL: fake.baseUrl,
        TELNYX_TIMEOUT_MS: '700',
        DEFAULT_TELNYX_LOGIN: 'default-login',
        DEFAULT_TELNYX_PASSWORD: 'default-telnyx-password',
        LOGIN_RATE_LIMIT: '1000',
      },
    });
    const hash = await plainTestHasher.hash(PASSWORD);
    const mk = (email: string, role: string) =>
      t.services.repos.users.create({
        email,
        name: email.split('@')[0]!,
        passwordHash: hash,
        role,
        status: 'active',
        defaultCountry: 'US',
      });
    adminId = (await mk('admin@example.com', 'admin')).id;
    agentId = (await mk('agent@example.com', 'agent')).id;
    await mk('agent2@example.com', 'agent');
    admin = await t.login('admin@example.com', PASSWORD);
    agent = await t.login('agent@example.com', PASSWORD);
    agent2 = await t.login('agent2@example.com', PASSWORD);
  });
  afterAll(async () => {
    if (t) await closeTestApp(t);
    await fake?.close();
  });

  it('imports connections as trunks, numbers and their assignments (all pages), then a second sync changes nothing', async () => {
    const run = await sync();
    expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
    expect(run.counts.connections).toEqual({ created: 4, updated: 0, unchanged: 0, missing: 0 });
    expect(run.counts.numbers).toEqual({ created: 300, updated: 0, unchanged: 0, missing: 0 });
    expect(run.counts.assignments).toEqual({ created: 295, unchanged: 0, conflicts: 0 });
    expect(run.pagesDone).toBe(run.pagesTotal);
    expect(run.pagesDone).toBe(3); // 1 page of connections + 2 pages (250 + 50) of numbers
    // The SDK paged with the maximum page size.
    expect(fake.requests.some((r) => r.path === '/v2/phone_numbers' && r.query['page[number]'] === '2')).toBe(
      true,
    );

    const db = t.services.db;
    const trunks = await db.selectFrom('sip_trunks').selectAll().orderBy('name').execute();
    expect(trunks).toHaveLength(4);
    for (const tr of trunks) {
      expect(tr).toMatchObject({
        provider: 'telnyx',
        connection_type: 'credential',
        status: 'active',
        owner_id: adminId,
      });
      expect(connIds).toContain(tr.telnyx_connection_id);
      expect(tr.sip_password_enc).toBeNull();
    }
    expect(await countRows(db, 'phone_numbers')).toBe(300);
    expect(await countRows(db, 'trunk_phone_numbers')).toBe(295);
    const primaries = await db
      .selectFrom('trunk_phone_numbers')
      .select('trunk_id')
      .where('assignment_type', '=', 'primary')
      .where('is_active', '=', 1)
      .execute();
    expect(primaries).toHaveLength(4);
    await expectConsistent(db);

    const again = await sync();
    expect(again.status).toBe('succeeded');
    expect(again.counts.connections).toMatchObject({ created: 0, updated: 0, unchanged: 4 });
    expect(again.counts.numbers).toMatchObject({ created: 0, updated: 0, unchanged: 300 });
    expect(again.counts.assignments).toMatchObject({ created: 0, unchanged: 295, conflicts: 0 });
    expect(again.counts.drift).toBe(0);

    const runs = await admin.get('/api/admin/sync/runs');
    expect(runs.json.runs.map((r: SyncRunDto) => r.id)).toEqual([again.id, run.id]);
  });

  it('keeps admin routes to admins and refuses a second concurrent sync with 409', async () => {
    expect((await agent.post('/api/admin/sync/telnyx')).status).toBe(403);
    expect((await agent.get('/api/admin/sync/drift')).status).toBe(403);
    expect((await agent.get('/api/admin/sync/runs')).status).toBe(403);
    fake.setDelay(150);
    try {
      const first = await admin.post('/api/admin/sync/telnyx');
      expect(first.status).toBe(202);
      const second = await admin.post('/api/admin/sync/telnyx');
      expect(second.status).toBe(409);
      expect(second.json.error.code).toBe('CONFLICT');
      expect(second.json.error.details.runId).toBe(first.json.runId);
      const progress = await admin.get(`/api/admin/sync/runs/${first.json.runId as string}`);
      expect(progress.json).toMatchObject({ status: 'running', provider: 'telnyx' });
      expect((await waitForRun(admin, first.json.runId as string)).status).toBe('succeeded');
    } finally {
      fake.setDelay(0);
    }
    expect((await admin.get(`/api/admin/sync/runs/${crypto.randomUUID()}`)).status).toBe(404);
  });

  it('lists connections live from Telnyx in the same shape as the database list; agents see only their own', async () => {
    // Give the agent the trunk of the first connection.
    await t.services.db
      .updateTable('sip_trunks')
      .set({ owner_id: agentId })
      .where('telnyx_connection_id', '=', connIds[0]!)
      .execute();

    const fromDb = await agent.get('/api/connections');
    const fromTelnyx = await agent.get('/api/connections?source=telnyx');
    expect(fromDb.status).toBe(200);
    expect(fromTelnyx.status, fromTelnyx.text).toBe(200);
    const dbList = fromDb.json as ConnectionListDto;
    const txList = fromTelnyx.json as ConnectionListDto;
    expect(dbList.source).toBe('database');
    expect(txList.source).toBe('telnyx');
    expect(txList.count).toBe(1);
    expect(dbList.count).toBe(1);
    expect(shapeOf(txList)).toEqual(shapeOf(dbList));
    const [d, x] = [dbList.connections[0]!, txList.connections[0]!];
    expect(x.id).toBe(d.id); // linked: the local trunk id, so registration works from either list
    expect(x.telnyxConnectionId).toBe(connIds[0]);
    expect(x.numbers.map((n) => n.number)).toEqual(d.numbers.map((n) => n.number));
    expect(x.numbers.map((n) => n.phoneNumberId)).toEqual(d.numbers.map((n) => n.phoneNumberId));
    expect(x.numbers[0]!.assignmentType).toBe('primary');
    expect(x.numbers.slice(1).every((n) => n.assignmentType === 'secondary')).toBe(true);
    // Telnyx sent the connection's SIP password in full; the live list built from it does not carry it.
    const sipPassword = fake.connections.get(connIds[0]!)!.password;
    expect(sipPassword).not.toBe('********');
    expect(
      fake.responses.some((r) => r.path === '/v2/credential_connections' && r.body.includes(sipPassword)),
    ).toBe(true);
    expect(x.name).toBe(fake.connections.get(connIds[0]!)!.connection_name);
    expect(fromTelnyx.text).not.toContain(sipPassword);

    // The seed's path answers the same.
    const seedPath = await agent.get('/api/telnyx/telnyx-connections');
    expect(seedPath.json.connections.map((c: { id: string }) => c.id)).toEqual([d.id]);

    // Another agent with no linked trunks sees nothing; the admin sees the whole account, every page.
    expect((await agent2.get('/api/connections?source=telnyx')).json.count).toBe(0);
    const all = (await admin.get('/api/telnyx/telnyx-connections')).json as ConnectionListDto;
    expect(all.count).toBe(4);
    expect(all.connections.reduce((n, c) => n + c.numbers.length, 0)).toBe(295);
  });

  it('retries 429s (code 10011) through the SDK and still answers', async () => {
    fake.resetRequests();
    fake.rateLimitNext(2);
    const res = await agent.get('/api/connections?source=telnyx');
    expect(res.status, res.text).toBe(200);
    expect(res.json.count).toBe(1);
    expect(fake.requests.length).toBeGreaterThanOrEqual(3);
  });

  it('says clearly when Telnyx is down or slow, and the database path is unaffected', async () => {
    await fake.down();
    try {
      const res = await agent.get('/api/connections?source=telnyx');
      expect(res.status).toBe(502);
      expect(res.json.error.code).toBe('TELNYX_UNAVAILABLE');
      expect(res.json.error.message).toMatch(/Telnyx API cannot be reached/);
      const db = await agent.get('/api/connections');
      expect(db.status).toBe(200);
      expect(db.json.count).toBe(1);
      const drift = await admin.get('/api/admin/sync/drift'); // computed from the database
      expect(drift.status).toBe(200);
    } finally {
      await fake.up();
    }
    fake.setDelay(1_000);
    try {
      const res = await agent.get('/api/connections?source=telnyx');
      expect(res.status).toBe(502);
      expect(res.json.error).toMatchObject({
        code: 'TELNYX_UNAVAILABLE',
        message: 'Telnyx API did not answer in 0.7 s',
      });
    } finally {
      fake.setDelay(0);
    }
    fake.failNext(10, 503);
    const failed = await sync();
    expect(failed.status).toBe('failed');
    expect(failed.errors.at(-1)?.message).toMatch(/Telnyx API failed \(503\)/);
    fake.failNext(0);
  });

  it('reports every kind of drift after changes at Telnyx, and never deletes local data', async () => {
    const db = t.services.db;
    const [c1, c2, c3, c4] = connIds as [string, string, string, string];
    const moved = fake.numbersOf(c1)[1]!;
    fake.moveNumber(moved.id, c2);
    fake.setConnectionActive(c3, false);
    const gone = fake.numbersOf(c2)[0]!;
    fake.deleteNumber(gone.id);
    const c4Count = fake.numbersOf(c4).length;
    fake.deleteConnection(c4); // its numbers lose their connection at Telnyx
    // A number that exists only here, assigned to a Telnyx trunk.
    const trunk1 = await db
      .selectFrom('sip_trunks')
      .select('id')
      .where('telnyx_connection_id', '=', c1)
      .executeTakeFirstOrThrow();
    const now = new Date().toISOString();
    const localId = crypto.randomUUID();
    await db
      .insertInto('phone_numbers')
      .values({
        id: localId,
        owner_id: null,
        number: '+13125559999',
        country: 'US',
        area_code: null,
        city: null,
        region: null,
        carrier: null,
        number_type: 'local',
        status: 'active',
        capabilities: '[]',
        telnyx_number_id: null,
        monthly_rate: null,
        purchased_at: null,
        metadata: '{}',
        missing_at_telnyx_at: null,
        created_at: now,
        updated_at: now,
        telnyx_connection_id: null,
        telnyx_seen_run_id: null,
      })
      .execute();
    await db
      .insertInto('trunk_phone_numbers')
      .values({
        id: crypto.randomUUID(),
        trunk_id: trunk1.id,
        phone_number_id: localId,
        assignment_type: 'backup',
        is_active: 1,
        assigned_at: now,
        last_used_at: null,
        settings: '{}',
        created_at: now,
        updated_at: now,
      })
      .execute();
    const before = {
      trunks: await countRows(t.services.db, 'sip_trunks'),
      numbers: await countRows(t.services.db, 'phone_numbers'),
    };

    const run = await sync();
    expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
    expect(run.counts.connections.missing).toBe(1);
    expect(run.counts.numbers.missing).toBe(1);
    expect(run.counts.assignments.conflicts).toBe(1);
    expect(await countRows(t.services.db, 'sip_trunks')).toBe(before.trunks);
    expect(await countRows(t.services.db, 'phone_numbers')).toBe(before.numbers);

    const res = await admin.get('/api/admin/sync/drift');
    expect(res.status).toBe(200);
    const report = res.json as DriftReportDto;
    expect(report.basedOnRunId).toBe(run.id);
    expect(report.count).toBe(run.counts.drift);
    expect(report.byKind).toEqual({
      number_on_other_connection: 1,
      number_only_local: 2, // the local-only one and the one deleted at Telnyx
      number_unassigned_at_telnyx: c4Count,
      connection_inactive_at_telnyx: 1,
      connection_missing_at_telnyx: 1,
    });
    const other = report.items.find((i) => i.kind === 'number_on_other_connection')!;
    expect(other.number).toBe(moved.phone_number);
    expect(other.telnyxConnectionId).toBe(c1);
    expect(other.message).toMatch(/Telnyx routes it to "Telnyx Connection/);
    expect(report.items.some((i) => i.kind === 'number_only_local' && i.number === '+13125559999')).toBe(
      true,
    );
    expect(report.items.some((i) => i.kind === 'number_only_local' && i.number === gone.phone_number)).toBe(
      true,
    );
    // The local trunk stays active and linked; nothing was overwritten.
    const t3 = await db
      .selectFrom('sip_trunks')
      .selectAll()
      .where('telnyx_connection_id', '=', c3)
      .executeTakeFirstOrThrow();
    expect(t3.status).toBe('active');
    expect(Number(t3.telnyx_active)).toBe(0);
    await expectConsistent(t.services.db);

    // Pushing the local assignment of the moved number fixes Telnyx; the drift item goes away.
    const assignment = await db
      .selectFrom('trunk_phone_numbers as a')
      .innerJoin('phone_numbers as p', 'p.id', 'a.phone_number_id')
      .select('a.id')
      .where('p.telnyx_number_id', '=', moved.id)
      .where('a.is_active', '=', 1)
      .executeTakeFirstOrThrow();
    expect((await agent.post(`/api/admin/assignments/${assignment.id}/push-telnyx`)).status).toBe(403);
    const push = await admin.post(`/api/admin/assignments/${assignment.id}/push-telnyx`);
    expect(push.status, push.text).toBe(200);
    expect(push.json).toMatchObject({
      ok: true,
      telnyxNumberId: moved.id,
      telnyxConnectionId: c1,
      alreadyThere: false,
    });
    expect(fake.numbers.get(moved.id)!.connection_id).toBe(c1);
    const patch = fake.requests.filter((r) => r.method === 'PATCH').at(-1)!;
    expect(patch).toMatchObject({ path: `/v2/phone_numbers/${moved.id}`, body: { connection_id: c1 } });
    const after = (await admin.get('/api/admin/sync/drift')).json as DriftReportDto;
    expect(after.byKind.number_on_other_connection).toBeUndefined();

    // Pushed again: the answer says Telnyx already routed it there; the (idempotent) PATCH re-asserts it.
    fake.resetRequests();
    const again = await admin.post(`/api/admin/assignments/${assignment.id}/push-telnyx`);
    expect(again.status, again.text).toBe(200);
    expect(again.json).toMatchObject({ ok: true, telnyxConnectionId: c1, alreadyThere: true });
    expect(fake.requests.filter((r) => r.method === 'PATCH').map((r) => r.body)).toEqual([
      { connection_id: c1 },
    ]);
    expect(fake.numbers.get(moved.id)!.connection_id).toBe(c1);

    // Telnyx's own error comes back when the push fails (the trunk's connection is gone at Telnyx).
    const stale = await db
      .selectFrom('trunk_phone_numbers as a')
      .innerJoin('sip_trunks as t', 't.id', 'a.trunk_id')
      .innerJoin('phone_numbers as p', 'p.id', 'a.phone_number_id')
      .select('a.id')
      .where('t.telnyx_connection_id', '=', c4)
      .where('p.telnyx_number_id', 'is not', null)
      .where('a.is_active', '=', 1)
      .executeTakeFirstOrThrow();
    const failed = await admin.post(`/api/admin/assignments/${stale.id}/push-telnyx`);
    expect(failed.status).toBe(502);
    expect(failed.json.error).toMatchObject({
      code: 'TELNYX_ERROR',
      message: 'Telnyx: The connection_id does not exist.',
    });
    const localOnly = await db
      .selectFrom('trunk_phone_numbers')
      .select('id')
      .where('phone_number_id', '=', localId)
      .executeTakeFirstOrThrow();
    const notTelnyx = await admin.post(`/api/admin/assignments/${localOnly.id}/push-telnyx`);
    expect(notTelnyx.status).toBe(409);
    expect(notTelnyx.json.error.message).toMatch(/not a Telnyx number/);
  });

  it('registers Telnyx trunks with a cached login token from one stored credential, never the SIP password', async () => {
    const db = t.services.db;
    const trunk = await db
      .selectFrom('sip_trunks')
      .selectAll()
      .where('telnyx_connection_id', '=', connIds[0]!)
      .executeTakeFirstOrThrow();
    const credsBefore = fake.credentials.size;
    const r1 = await agent.post(`/api/connections/${trunk.id}/registration`);
    expect(r1.status, r1.text).toBe(200);
    expect(r1.json).toMatchObject({ provider: 'telnyx', connectionId: trunk.id, fallback: false });
    expect(r1.json).not.toHaveProperty('password');
    expect(r1.json).not.toHaveProperty('login');
    const payload = fake.verifyToken(r1.json.loginToken as string)!;
    expect(payload).not.toBeNull();
    expect(Date.parse(r1.json.tokenExpiresAt as string)).toBe((payload.exp as number) * 1000);
    expect(fake.credentials.size).toBe(credsBefore + 1);
    const stored = await db
      .selectFrom('sip_trunks')
      .select('telnyx_credential_id')
      .where('id', '=', trunk.id)
      .executeTakeFirstOrThrow();
    const credential = fake.credentials.get(stored.telnyx_credential_id!)!;
    expect(credential.resource_id).toBe(`connection:${connIds[0]}`);

    // Cached: the same token, no new credential, no new token request.
    fake.resetRequests();
    const r2 = await agent.post(`/api/connections/${trunk.id}/registration`);
    expect(r2.json.loginToken).toBe(r1.json.loginToken);
    expect(fake.requests).toHaveLength(0);

    // A credential deleted at Telnyx is replaced once the cached token is gone.
    t.services.telnyx.tokens.invalidate(trunk.id);
    fake.credentials.delete(credential.id);
    const r3 = await agent.post(`/api/connections/${trunk.id}/registration`);
    expect(r3.status, r3.text).toBe(200);
    const restored = await db
      .selectFrom('sip_trunks')
      .select('telnyx_credential_id')
      .where('id', '=', trunk.id)
      .executeTakeFirstOrThrow();
    expect(restored.telnyx_credential_id).not.toBe(credential.id);
    expect(fake.credentials.has(restored.telnyx_credential_id!)).toBe(true);

    // No response carried the connection's SIP password or the credentials' (which Telnyx did send: the
    // connection lists and each credential's creation answer), the registration answers included.
    const replacement = fake.credentials.get(restored.telnyx_credential_id!)!;
    const secrets = [
      fake.connections.get(connIds[0]!)!.password,
      credential.sip_password,
      replacement.sip_password,
    ];
    expect(fake.responses.some((r) => r.body.includes(replacement.sip_password))).toBe(true);
    for (const answer of [r1, r2, r3]) expect(t.responses).toContain(answer.text);
    for (const body of t.responses) for (const s of secrets) expect(body).not.toContain(s);

    // Tokens turned off for the trunk: login/password (here the configured default, as the trunk has none).
    await db
      .updateTable('sip_trunks')
      .set({ settings: JSON.stringify({ useLoginToken: false }) })
      .where('id', '=', trunk.id)
      .execute();
    const r4 = await agent.post(`/api/connections/${trunk.id}/registration`);
    expect(r4.status, r4.text).toBe(200);
    expect(r4.json).toMatchObject({ provider: 'telnyx', login: 'default-login', fallback: true });
    expect(r4.json).not.toHaveProperty('loginToken');
  });
});

describe.each(DATABASE_KINDS)('Telnyx without an API key (%s)', (kind) => {
  let t: TestApp;
  let admin: Client;
  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000' } });
    const hash = await plainTestHasher.hash(PASSWORD);
    await t.services.repos.users.create({
      email: 'admin@example.com',
      name: 'Admin',
      passwordHash: hash,
      role: 'admin',
      status: 'active',
      defaultCountry: 'US',
    });
    admin = await t.login('admin@example.com', PASSWORD);
  });
  afterAll(async () => {
    if (t) await closeTestApp(t);
  });

  it('answers TELNYX_NOT_CONFIGURED on every Telnyx feature and keeps the rest working', async () => {
    for (const [method, path] of [
      ['GET', '/api/telnyx/telnyx-connections'],
      ['GET', '/api/connections?source=telnyx'],
      ['POST', '/api/admin/sync/telnyx'],
      ['POST', `/api/admin/assignments/${crypto.randomUUID()}/push-telnyx`],
    ] as const) {
      const res = await admin.request(method, path, method === 'POST' ? {} : undefined);
      expect(res.status, `${method} ${path}`).toBe(503);
      expect(res.json.error.code).toBe('TELNYX_NOT_CONFIGURED');
      expect(res.json.error.message).toMatch(/TELNYX_API_KEY/);
    }
    expect((await admin.get('/api/connections')).status).toBe(200);
    const drift = await admin.get('/api/admin/sync/drift');
    expect(drift.status).toBe(200);
    expect(drift.json.count).toBe(0);
  });
});
