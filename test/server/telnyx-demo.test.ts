/**
 * The demo data against a Telnyx fake that has the demo's connection ids: an agent's Telnyx trunk
 * registers with a login token and no response the browser could receive carries the connection's SIP
 * password (the server half of the browser check); a sync links to the existing trunks without renaming
 * them and reports the demo numbers Telnyx does not have.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionListDto } from '../../src/shared/api.js';
import type { DriftReportDto } from '../../src/shared/telnyx.js';
import { DEMO_USERS, seedDemo } from '../../src/server/seed/demo-seed.js';
import { closeTestApp, waitForRun } from '../fakes/telnyx-api/helpers.js';
import { startFakeTelnyx, type FakeTelnyx } from '../fakes/telnyx-api/server.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/app.js';

const DEMO_CONNECTION_IDS = ['1000000000000000001', '1000000000000000002', '1000000000000000003'];
const DEMO_TELNYX_PASSWORDS = ['demo-telnyx-pass-1', 'demo-telnyx-pass-2', 'demo-telnyx-pass-3'];

describe.each(DATABASE_KINDS)('Telnyx with the demo data (%s)', (kind) => {
  let fake: FakeTelnyx;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeTelnyx({ connectionIds: DEMO_CONNECTION_IDS, numbers: 30, unassignedNumbers: 0 });
    t = await startTestApp(kind, {
      env: {
        TELNYX_API_KEY: fake.apiKey,
        TELNYX_BASE_URL: fake.baseUrl,
        LOGIN_RATE_LIMIT: '1000',
        LOG_LEVEL: 'debug',
      },
    });
    await seedDemo(t.services);
  });
  afterAll(async () => {
    if (t) await closeTestApp(t);
    await fake?.close();
  });

  it('gives the agent a login token for the Telnyx trunk and never its SIP password', async () => {
    const agent = await t.login(DEMO_USERS.agent1.email, DEMO_USERS.agent1.password);
    const list = (await agent.get('/api/connections')).json as ConnectionListDto;
    const telnyx = list.connections.find((c) => c.telnyxConnectionId === DEMO_CONNECTION_IDS[0])!;
    expect(telnyx.provider).toBe('telnyx');
    const reg = await agent.post(`/api/connections/${telnyx.id}/registration`);
    expect(reg.status, reg.text).toBe(200);
    expect(fake.verifyToken(reg.json.loginToken as string)).not.toBeNull();
    expect(reg.json).not.toHaveProperty('password');
    const live = await agent.get('/api/connections?source=telnyx');
    expect(live.status).toBe(200);
    // Both of the agent's linked trunks (the locally pending one too: it is active at Telnyx).
    const liveIds = (live.json as ConnectionListDto).connections.map((c) => c.telnyxConnectionId).sort();
    expect(liveIds).toEqual(DEMO_CONNECTION_IDS.slice(0, 2));
    expect((live.json as ConnectionListDto).connections.map((c) => c.id)).toContain(telnyx.id);

    for (const body of t.responses) for (const p of DEMO_TELNYX_PASSWORDS) expect(body).not.toContain(p);
    for (const line of t.logs) for (const p of DEMO_TELNYX_PASSWORDS) expect(line).not.toContain(p);
    // Nor any login token in the log (the logger redacts them).
    expect(t.logs.join('\n')).not.toContain(reg.json.loginToken as string);
  });

  it('links a sync to the demo trunks without renaming them, and lists the demo numbers Telnyx lacks', async () => {
    const admin = await t.login(DEMO_USERS.admin.email, DEMO_USERS.admin.password);
    const before = await t.services.db
      .selectFrom('sip_trunks')
      .select(['id', 'name'])
      .orderBy('id')
      .execute();
    const started = await admin.post('/api/admin/sync/telnyx');
    const run = await waitForRun(admin, started.json.runId as string);
    expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
    expect(run.counts.connections.created).toBe(0);
    const after = await t.services.db.selectFrom('sip_trunks').select(['id', 'name']).orderBy('id').execute();
    expect(after).toEqual(before);
    const drift = (await admin.get('/api/admin/sync/drift')).json as DriftReportDto;
    expect(drift.byKind.number_only_local).toBeGreaterThan(0);
    expect(drift.items.some((i) => i.number === '+12125550110' && i.kind === 'number_only_local')).toBe(true);
  });
});
