/**
 * Measured trunk health through the real app on SQLite and PostgreSQL, against a real Kamailio
 * (OPTIONS over WebSocket and UDP, digest REGISTER) and the local Telnyx API fake: the rules' states
 * with their reasons, the history, the admin's live check and thresholds, the passive signals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelnyx, type FakeTelnyx } from '../fakes/telnyx-api/server.js';
import { startSipLab, type SipLab } from '../lab/sip-lab.js';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { openEvents } from '../support/sse.js';
import { addNumber, addTrunk, addUser, assign, PASSWORD } from '../support/dialer-fixtures.js';

let lab: SipLab;
let fake: FakeTelnyx;
beforeAll(async () => {
  lab = await startSipLab({ users: [{ username: 'agent1', password: 's3cret' }] });
  fake = await startFakeTelnyx({ connections: 1, numbers: 0, unassignedNumbers: 0 });
});
afterAll(async () => {
  await lab?.stop();
  await fake?.close();
});

describe.each(DATABASE_KINDS)('trunk health (%s)', (kind) => {
  let t: TestApp;
  let admin: Client;
  let agent: Client;
  let agentId: string;
  let otherId: string;
  let kamailioTrunk: string;

  beforeAll(async () => {
    t = await startTestApp(kind, {
      env: { LOGIN_RATE_LIMIT: '1000', TELNYX_API_KEY: fake.apiKey, TELNYX_BASE_URL: fake.baseUrl },
      overrides: { telnyxMaxRetries: 0 },
    });
    const s = t.services;
    await addUser(s, { email: `h-admin-${kind}@example.com`, role: 'admin' });
    agentId = (await addUser(s, { email: `h-agent-${kind}@example.com` })).id;
    otherId = (await addUser(s, { email: `h-other-${kind}@example.com` })).id;
    kamailioTrunk = (
      await addTrunk(s, agentId, {
        name: 'Kamailio',
        ws_server: lab.wsUrl,
        sip_uri: lab.sipUri,
        sip_username: 'agent1',
        password: 's3cret',
      })
    ).id;
    admin = await t.login(`h-admin-${kind}@example.com`, PASSWORD);
    agent = await t.login(`h-agent-${kind}@example.com`, PASSWORD);
  });
  afterAll(async () => {
    await lab.startKamailio().catch(() => undefined);
    await t?.close();
  });

  const state = async (id: string) => {
    const [item] = await t.services.health.checkAll({ connectionId: id });
    return item!;
  };

  it('is up when Kamailio answers OPTIONS over WebSocket and UDP; down after the threshold when it stops; up again after two answers', async () => {
    const first = await state(kamailioTrunk);
    expect(first).toMatchObject({ state: 'up', connectionId: kamailioTrunk, name: 'Kamailio' });
    expect(first.reason).toMatch(/^OPTIONS answered 200 \w+ in \d+ ms$/);
    expect(first.latencyMs).toBeGreaterThanOrEqual(0);

    await lab.stopKamailio();
    expect(await state(kamailioTrunk)).toMatchObject({
      state: 'up',
      reason: expect.stringMatching(/connection refused\).*\(1 of 3 failures before down\)$/),
    });
    expect((await state(kamailioTrunk)).state).toBe('up');
    const down = await state(kamailioTrunk);
    expect(down).toMatchObject({ state: 'down', latencyMs: null });
    expect(down.reason).toBe(`cannot reach ${lab.wsUrl} (connection refused)`);

    await lab.startKamailio();
    expect((await state(kamailioTrunk)).reason).toMatch(/^answering again \(1 of 2 before up\)/);
    expect((await state(kamailioTrunk)).state).toBe('up');

    const report = await agent.get(`/api/connections/${kamailioTrunk}/health`);
    expect(report.status).toBe(200);
    const changes = (report.json.changes as { status: string; previousStatus: string; reason: string }[])
      .map((c) => `${c.previousStatus}->${c.status}`)
      .reverse();
    expect(changes).toEqual(['unknown->up', 'up->down', 'down->up']);
    expect(report.json.samples.length).toBe(6);
    expect(report.json.latency.samples).toBeGreaterThan(0);
    // The list the dialer reads shows the measured state.
    const list = await agent.get('/api/connections');
    const row = (list.json.connections as { id: string; health: { status: string } }[]).find(
      (c) => c.id === kamailioTrunk,
    );
    expect(row?.health.status).toBe('up');
  });

  it('a round that changes nothing leaves the connections list (and its cache) alone; the page still hears it', async () => {
    const id = (await addTrunk(t.services, agentId, { ws_server: lab.wsUrl, sip_uri: 'dialer.test' })).id;
    expect((await state(id)).state).toBe('up');
    const before = await t.services.repos.revisions.connections();
    const events = await openEvents(t.baseUrl, agent.cookie);
    try {
      const again = await state(id);
      expect(again.state).toBe('up');
      expect(await t.services.repos.revisions.connections()).toBe(before);
      // The live event carries this round's check.
      const heard = await events.waitFor((e) => e.data.includes(id));
      expect(JSON.parse(heard.data).health.checkedAt).toBe(again.checkedAt);
    } finally {
      events.close();
    }
  });

  it('no answer within the timeout reads as such', async () => {
    const silent = await import('node:dgram').then((d) => d.createSocket('udp4'));
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    const port = silent.address().port;
    const id = (await addTrunk(t.services, agentId, { ws_server: null, sip_uri: `sip:127.0.0.1:${port}` }))
      .id;
    const put = await admin.put('/api/admin/health/settings', { probeTimeoutMs: 300 });
    expect(put.status).toBe(200);
    try {
      expect((await state(id)).reason).toBe(
        `no answer to OPTIONS in 0.3 s (udp:127.0.0.1:${port}) (1 of 3 failures before down)`,
      );
    } finally {
      await admin.put('/api/admin/health/settings', { probeTimeoutMs: 2000 });
      silent.close();
    }
  });

  it('live check by an admin: reachable and registered with the right password; refused with a wrong one', async () => {
    const ok = await admin.post(`/api/admin/trunks/${kamailioTrunk}/test`);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json).toMatchObject({ reachable: true, registration: { attempted: true, ok: true } });
    expect(ok.json.checks).toHaveLength(2);
    expect(ok.json.summary).toMatch(/^Reachable and registered/);
    expect(ok.text).not.toContain('s3cret');

    const wrong = (
      await addTrunk(t.services, agentId, {
        ws_server: lab.wsUrl,
        sip_uri: 'dialer.test',
        sip_username: 'agent1',
        password: 'nope',
      })
    ).id;
    const bad = await admin.post(`/api/admin/trunks/${wrong}/test`);
    expect(bad.json).toMatchObject({
      reachable: true,
      registration: { attempted: true, ok: false, detail: 'registration refused: wrong password' },
      health: { status: 'down', message: 'registration refused: wrong password' },
    });
    // A server that answers OPTIONS does not heal a wrong password.
    expect(await state(wrong)).toMatchObject({
      state: 'down',
      reason: 'registration refused: wrong password',
    });

    expect((await agent.post(`/api/admin/trunks/${kamailioTrunk}/test`)).status).toBe(403);
    expect((await admin.post('/api/admin/trunks/00000000-0000-4000-8000-000000000000/test')).status).toBe(
      404,
    );
  });

  it('a browser’s refused registration turns its connection down; another user’s connection is a 404', async () => {
    const id = (await addTrunk(t.services, agentId, { ws_server: lab.wsUrl, sip_uri: 'dialer.test' })).id;
    expect((await state(id)).state).toBe('up');
    const res = await agent.post(`/api/connections/${id}/registration-report`, {
      ok: false,
      statusCode: 403,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ status: 'down', message: 'registration refused: wrong password' });
    const healed = await agent.post(`/api/connections/${id}/registration-report`, { ok: true });
    expect(healed.json.status).toBe('up');
    const foreign = (await addTrunk(t.services, otherId, {})).id;
    expect((await agent.post(`/api/connections/${foreign}/registration-report`, { ok: true })).status).toBe(
      404,
    );
    expect((await agent.get(`/api/connections/${foreign}/health`)).status).toBe(404);
  });

  it('a call that fails on the trunk (503) counts as a failure', async () => {
    const id = (await addTrunk(t.services, agentId, { ws_server: lab.wsUrl, sip_uri: 'dialer.test' })).id;
    expect((await state(id)).state).toBe('up');
    const number = await addNumber(t.services);
    await assign(t.services, id, number.id, 'primary');
    const call = await agent.post('/api/calls', {
      connectionId: id,
      phoneNumberId: number.id,
      remoteNumber: '+13125550199',
      direction: 'outbound',
    });
    expect(call.status, call.text).toBe(201);
    const end = await agent.patch(`/api/calls/${call.json.id}`, { outcome: 'failed', sipCode: 503 });
    expect(end.status, end.text).toBe(200);
    const [row] = await t.services.repos.health.listTrunks({ ids: [id] });
    expect(row).toMatchObject({
      fail_streak: 1,
      health_message: 'a call was refused by the trunk (503) (1 of 3 failures before down)',
    });
  });

  it('Telnyx connections: the API’s registration status', async () => {
    const connId = [...fake.connections.keys()][0]!;
    const id = (
      await addTrunk(t.services, agentId, {
        provider: 'telnyx',
        telnyx_connection_id: connId,
        ws_server: null,
        sip_uri: null,
      })
    ).id;
    await admin.put('/api/admin/health/settings', { failuresBeforeDown: 1 });
    try {
      expect(await state(id)).toMatchObject({ state: 'down', reason: 'Telnyx: not registered' });
      fake.setRegistrationStatus(connId, 'Registered');
      await state(id);
      const up = await state(id);
      expect(up.state).toBe('up');
      expect(up.reason).toMatch(/^Telnyx: registered \(API answered in \d+ ms\)$/);
    } finally {
      fake.setRegistrationStatus(connId, 'Not Registered');
      await admin.put('/api/admin/health/settings', { failuresBeforeDown: 3 });
    }
  });

  it('thresholds: admins change them (audited), agents cannot, bad values are a 400', async () => {
    const res = await admin.put('/api/admin/health/settings', { successesBeforeUp: 4 });
    expect(res.json.thresholds.successesBeforeUp).toBe(4);
    const audit = await admin.get('/api/admin/audit?action=health.thresholds_update');
    expect(JSON.stringify(audit.json)).toContain('"successesBeforeUp":{"from":2,"to":4}');
    expect((await agent.put('/api/admin/health/settings', { successesBeforeUp: 1 })).status).toBe(403);
    expect((await admin.put('/api/admin/health/settings', { successesBeforeUp: 0 })).status).toBe(400);
    await admin.put('/api/admin/health/settings', { successesBeforeUp: 2 });
  });
});

describe.each(DATABASE_KINDS)('live events (%s)', (kind) => {
  let t: TestApp;
  let agent: Client;
  let admin: Client;
  let mine: string;
  let theirs: string;

  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000' } });
    const s = t.services;
    await addUser(s, { email: `e-admin-${kind}@example.com`, role: 'admin' });
    const a = await addUser(s, { email: `e-agent-${kind}@example.com` });
    const b = await addUser(s, { email: `e-other-${kind}@example.com` });
    mine = (await addTrunk(s, a.id, { ws_server: lab.wsUrl, sip_uri: 'dialer.test' })).id;
    theirs = (await addTrunk(s, b.id, { ws_server: lab.wsUrl, sip_uri: 'dialer.test' })).id;
    agent = await t.login(`e-agent-${kind}@example.com`, PASSWORD);
    admin = await t.login(`e-admin-${kind}@example.com`, PASSWORD);
  });
  afterAll(() => t?.close());

  it('a signed-in user hears their own connections’ health, an admin everyone’s; Last-Event-ID replays what was missed', async () => {
    expect((await t.anonymous().get('/api/events')).status).toBe(401);
    const agentEvents = await openEvents(t.baseUrl, agent.cookie);
    const adminEvents = await openEvents(t.baseUrl, admin.cookie);
    try {
      await t.services.health.checkAll({ connectionId: theirs });
      await t.services.health.checkAll({ connectionId: mine });
      const ofMine = await agentEvents.waitFor((e) => e.data.includes(mine));
      expect(ofMine.event).toBe('connection.health');
      expect(JSON.parse(ofMine.data)).toMatchObject({
        connectionId: mine,
        health: { status: 'up' },
        previousStatus: 'unknown',
      });
      await adminEvents.waitFor((e) => e.data.includes(theirs));
      await adminEvents.waitFor((e) => e.data.includes(mine));
      expect(agentEvents.events.some((e) => e.data.includes(theirs))).toBe(false);

      // Reconnecting after the first admin event: the second one is replayed.
      const first = adminEvents.events.find((e) => e.data.includes(theirs))!;
      const again = await openEvents(t.baseUrl, admin.cookie, first.id!);
      try {
        await again.waitFor((e) => e.data.includes(mine));
        expect(again.events.some((e) => e.data.includes(theirs))).toBe(false);
      } finally {
        again.close();
      }
      const stale = await openEvents(t.baseUrl, agent.cookie, 'gone-long-ago');
      try {
        await stale.waitFor((e) => e.event === 'resync');
      } finally {
        stale.close();
      }
    } finally {
      agentEvents.close();
      adminEvents.close();
    }
  });
});
