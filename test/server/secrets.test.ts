/**
 * SIP passwords never leave the server except in the registration answer to the trunk's owner. Seeds
 * trunks with distinctive passwords (through the admin API and straight into the database), links one to a
 * credential connection of the local Telnyx API that sends its password in full (as Telnyx documents for
 * accounts created before 2026-09-08), exercises every GET route of the route table as an admin and as an
 * agent, a Telnyx sync, the live Telnyx lists, the admin writes and their errors, then greps every response
 * body and every log line (at LOG_LEVEL=debug) for the passwords. Each check first proves it had something
 * to find: the password really arrived from Telnyx, and the bodies include the Telnyx-backed answers.
 */
import crypto from 'node:crypto';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { createServices } from '../../src/server/container.js';
import { closeTestApp, waitForRun } from '../fakes/telnyx-api/helpers.js';
import { startFakeTelnyx, type FakeTelnyx } from '../fakes/telnyx-api/server.js';
import { plainTestHasher, startTestApp, type Client, type TestApp } from '../support/app.js';
import { createTestDatabase, DATABASE_KINDS } from '../support/databases.js';
import { addNumber, addTrunk, addUser, assign, PASSWORD } from '../support/dialer-fixtures.js';

const SECRETS = {
  seeded: 'Zebra-Seeded-Secret-4411',
  viaApi: 'Quokka-Api-Secret-8812',
  updated: 'Narwhal-Updated-Secret-2290',
  telnyx: 'Axolotl-Telnyx-Secret-7731',
  rejected: 'Pangolin-Rejected-Secret-5150',
};

/** Every route the server registers (a throwaway app built with an onRoute hook). */
async function routeTable(kind: TestApp['kind']): Promise<{ method: string; url: string }[]> {
  const database = await createTestDatabase(kind);
  const services = createServices({
    config: database.config,
    db: database.handle.db,
    databaseKind: kind,
    overrides: { hasher: plainTestHasher },
  });
  const routes: { method: string; url: string }[] = [];
  const app = await buildApp({
    config: database.config,
    services,
    onRoute: (r: RouteOptions) => {
      for (const method of [r.method].flat()) routes.push({ method, url: r.url });
    },
  });
  await app.ready();
  await app.close();
  await database.drop();
  return routes;
}

describe.each(DATABASE_KINDS)('secrets stay secret (%s)', (kind) => {
  let t: TestApp;
  let fake: FakeTelnyx;
  let admin: Client;
  let agent: Client;
  const registrationBodies = new Set<string>();
  /** 200 answers that carry the Telnyx connection's data (so the leak check saw what Telnyx sent). */
  const telnyxBackedBodies: string[] = [];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    fake = await startFakeTelnyx({ connections: 0, numbers: 0, unassignedNumbers: 0 });
    const connection = fake.addConnection({
      connection_name: 'Leak Check Connection',
      password: SECRETS.telnyx,
    });
    fake.addNumber({ connection_id: connection.id });
    t = await startTestApp(kind, {
      env: {
        LOG_LEVEL: 'debug',
        LOGIN_RATE_LIMIT: '1000',
        TELNYX_API_KEY: fake.apiKey,
        TELNYX_BASE_URL: fake.baseUrl,
      },
    });
    const s = t.services;
    ids.admin = (await addUser(s, { email: 'admin@example.com', role: 'admin' })).id;
    ids.agent = (await addUser(s, { email: 'agent@example.com' })).id;
    admin = await t.login('admin@example.com', PASSWORD);
    agent = await t.login('agent@example.com', PASSWORD);

    ids.seeded = (await addTrunk(s, ids.agent, { name: 'Seeded', password: SECRETS.seeded })).id;
    ids.telnyx = (
      await addTrunk(s, ids.agent, {
        name: 'Telnyx',
        provider: 'telnyx',
        password: SECRETS.telnyx,
        telnyx_connection_id: connection.id,
      })
    ).id;
    const viaApi = await admin.post('/api/admin/trunks', {
      ownerId: ids.agent,
      name: 'Via API',
      provider: 'sip',
      sipUri: 'sip.example.test',
      wsServer: 'wss://sip.example.test',
      username: 'api-user',
      password: SECRETS.viaApi,
    });
    expect(viaApi.status).toBe(201);
    ids.viaApi = viaApi.json.id;
    ids.number = (await addNumber(s)).id;
    ids.assignment = (await assign(s, ids.seeded, ids.number, 'primary')).id;
  });
  afterAll(async () => {
    if (t) await closeTestApp(t);
    await fake?.close();
  });

  it('exercises every GET route, the admin writes and their errors, and registration', async () => {
    const candidates = [
      ids.seeded,
      ids.viaApi,
      ids.telnyx,
      ids.agent,
      ids.number,
      ids.assignment,
      crypto.randomUUID(),
    ];
    // GET /api/events is a stream that stays open (it carries health states, never credentials; its
    // content and scope are checked in trunk-health.test.ts), so it is not read to the end here.
    const gets = (await routeTable(kind)).filter(
      (r) => r.method === 'GET' && r.url.startsWith('/api/') && r.url !== '/api/events',
    );
    expect(gets.length).toBeGreaterThan(10);
    for (const client of [admin, agent]) {
      for (const r of gets) {
        const urls = r.url.includes(':')
          ? candidates.map((id) => r.url.replace(/:[A-Za-z0-9_]+/g, id ?? ''))
          : [r.url];
        for (const url of urls) await client.get(url);
      }
      await client.get(`/api/admin/trunks?ownerId=${ids.agent}`);
      // The answers built from what Telnyx sent (the connection object, password included).
      for (const url of ['/api/connections?source=telnyx', '/api/telnyx/telnyx-connections']) {
        const res = await client.get(url);
        expect(res.status, res.text).toBe(200);
        if (res.text.includes('Leak Check Connection')) telnyxBackedBodies.push(res.text);
      }
    }
    // A sync reads every connection (with its password) and writes what it keeps to the database.
    const started = await admin.post('/api/admin/sync/telnyx');
    expect(started.status, started.text).toBe(202);
    const run = await waitForRun(admin, started.json.runId as string);
    expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
    for (const url of [`/api/admin/sync/runs/${run.id}`, '/api/admin/sync/runs', '/api/admin/sync/drift']) {
      expect((await admin.get(url)).status).toBe(200);
    }
    const trunks = await admin.get('/api/admin/trunks?q=Leak');
    expect(trunks.status).toBe(200);
    if (trunks.text.includes('Leak Check Connection')) telnyxBackedBodies.push(trunks.text);

    // Writes carrying passwords, successful and failing.
    await admin.patch(`/api/admin/trunks/${ids.viaApi}`, { password: SECRETS.updated, notes: 'rotated' });
    await admin.patch(`/api/admin/trunks/${ids.viaApi}`, { name: 'Renamed' });
    await admin.post('/api/admin/trunks', {
      ownerId: 'nobody',
      name: 'X',
      provider: 'sip',
      password: SECRETS.rejected,
    });
    await admin.post('/api/admin/trunks', {
      ownerId: ids.agent,
      name: '',
      provider: 'sip',
      password: SECRETS.rejected,
    });
    await admin.post('/api/admin/trunks', {
      ownerId: ids.agent,
      name: 'X',
      provider: 'sip',
      password: SECRETS.rejected,
      extra: 1,
    });
    await admin.patch(`/api/admin/trunks/${crypto.randomUUID()}`, { password: SECRETS.rejected });
    await admin.request('POST', '/api/admin/trunks', `{"password":"${SECRETS.rejected}",`, {
      'content-type': 'application/json',
    });
    await agent.patch(`/api/admin/trunks/${ids.viaApi}`, { password: SECRETS.rejected });
    await admin.post('/api/admin/users', {
      email: 'x@example.com',
      name: 'X',
      password: SECRETS.rejected,
      role: 'root',
    });

    // The one place a password may appear: the owner's registration answer.
    for (const id of [ids.seeded, ids.viaApi, ids.telnyx]) {
      const res = await agent.post(`/api/connections/${id}/registration`);
      expect(res.status).toBe(200);
      registrationBodies.add(res.text);
    }
    expect([...registrationBodies].join()).toContain(SECRETS.seeded);
    // Not to anyone else, admins included.
    expect((await admin.post(`/api/connections/${ids.seeded}/registration`)).status).toBe(404);
  });

  it('finds no password in any response body except the registration answers', () => {
    // There was something to leak: Telnyx sent the connection's password in full ...
    expect(fake.responses.some((r) => r.body.includes(SECRETS.telnyx))).toBe(true);
    // ... and the bodies searched include the answers built from what it sent (both lists, both users).
    expect(telnyxBackedBodies.length).toBeGreaterThanOrEqual(4);
    for (const body of telnyxBackedBodies) expect(t.responses).toContain(body);
    expect(t.responses.length).toBeGreaterThan(100);
    const leaks = t.responses
      .filter((body) => !registrationBodies.has(body))
      .filter(
        (body) =>
          Object.values(SECRETS).some((secret) => body.includes(secret)) || /"v1:[A-Za-z0-9+/=]+:/.test(body),
      );
    expect(leaks).toEqual([]);
  });

  it('finds no password in the captured log, even at debug level', () => {
    expect(t.logs.length).toBeGreaterThan(100);
    expect(t.services.config.logLevel).toBe('debug');
    expect(t.logs.some((l) => l.includes('"level":20'))).toBe(true);
    const leaks = t.logs.filter((l) => Object.values(SECRETS).some((secret) => l.includes(secret)));
    expect(leaks).toEqual([]);
  });

  it('keeps passwords out of the audit log and encrypted at rest', async () => {
    const audit = JSON.stringify(await t.services.db.selectFrom('audit_log').selectAll().execute());
    for (const secret of Object.values(SECRETS)) expect(audit).not.toContain(secret);
    const trunks = JSON.stringify(await t.services.db.selectFrom('sip_trunks').selectAll().execute());
    for (const secret of Object.values(SECRETS)) expect(trunks).not.toContain(secret);
  });
});
