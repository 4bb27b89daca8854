import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../src/server/container.js';
import { DEMO_USERS, seedDemo, seedDemoCalls } from '../../src/server/seed/demo-seed.js';
import { plainTestHasher } from '../support/app.js';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases.js';

const TABLES = ['users', 'sip_trunks', 'phone_numbers', 'trunk_phone_numbers'] as const;

/** Every row's id and updated_at, per table: equal snapshots mean nothing was written. */
async function snapshot(services: Pick<Services, 'db'>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of TABLES) {
    const rows = await services.db.selectFrom(table).select(['id', 'updated_at']).orderBy('id').execute();
    out[table] = rows.map((r) => `${r.id}@${r.updated_at}`);
  }
  return out;
}

describe.each(DATABASE_KINDS)('demo seed (%s)', (kind) => {
  let database: TestDatabase;
  let services: Services;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    services = createServices({
      config: database.config,
      db: database.handle.db,
      databaseKind: kind,
      overrides: { hasher: plainTestHasher },
    });
  });
  afterAll(async () => {
    await database.drop();
  });

  it('creates the demo data, and a second run changes nothing', async () => {
    const first = await seedDemo(services);
    expect(first.created).toMatchObject({ users: 3 });
    expect(first.created.trunks).toBeGreaterThanOrEqual(6);
    const before = await snapshot(services);
    const second = await seedDemo(services);
    expect(second.noChanges).toBe(true);
    expect(second.created).toEqual({ users: 0, trunks: 0, numbers: 0, assignments: 0 });
    expect(await snapshot(services)).toEqual(before);
  });

  it('covers every case the dialer must show or hide', async () => {
    const trunks = await services.db.selectFrom('sip_trunks').selectAll().execute();
    const assignments = await services.db.selectFrom('trunk_phone_numbers').selectAll().execute();
    expect(new Set(trunks.map((t) => t.provider))).toEqual(new Set(['sip', 'telnyx']));
    expect(new Set(trunks.map((t) => t.status))).toEqual(new Set(['active', 'pending', 'inactive']));
    // Health is measured, never invented: every demo connection is unknown until it is probed.
    expect(
      trunks.map((t) => [t.health_status, t.health_checked_at, t.health_latency_ms, t.health_message]),
    ).toEqual(trunks.map(() => ['unknown', null, null, null]));
    expect(new Set(assignments.map((a) => a.assignment_type))).toEqual(
      new Set(['primary', 'secondary', 'backup']),
    );
    expect(assignments.some((a) => Number(a.is_active) === 0)).toBe(true);
    const withNumbers = new Set(assignments.map((a) => a.trunk_id));
    expect(trunks.some((t) => t.status === 'active' && !withNumbers.has(t.id))).toBe(true);
    for (const t of trunks) {
      expect(t.region && t.location && t.channel_limit && t.notes).toBeTruthy();
      expect(JSON.parse(t.settings)).toMatchObject({
        codecs: expect.any(Array),
        dtmfMode: expect.any(String),
      });
    }
  });

  it('encrypts the SIP passwords and gives the demo users their documented passwords', async () => {
    const trunk = await services.db
      .selectFrom('sip_trunks')
      .selectAll()
      .where('name', '=', 'Chicago Office SIP')
      .executeTakeFirstOrThrow();
    expect(trunk.sip_password_enc).not.toContain('demo-sip-agent1');
    expect(services.cipher.decrypt(trunk.sip_password_enc!)).toBe('demo-sip-agent1');
    for (const demo of Object.values(DEMO_USERS)) {
      const user = await services.repos.users.findByEmail(demo.email);
      expect(user?.role).toBe(demo.role);
      expect(await plainTestHasher.verify(user!.password_hash, demo.password)).toBe(true);
    }
  });

  it('hides the inactive and pending trunks and the inactive assignment from the connections list', async () => {
    const agent1 = await services.repos.users.findByEmail(DEMO_USERS.agent1.email);
    const list = await services.connections.listForUser(agent1!);
    const names = list.connections.map((c) => c.name);
    expect(names).toContain('Chicago Office SIP');
    expect(names).not.toContain('London Legacy SIP');
    expect(names).not.toContain('Telnyx Onboarding');
    const chicago = list.connections.find((c) => c.name === 'Chicago Office SIP')!;
    expect(chicago.numbers.map((n) => [n.number, n.assignmentType])).toEqual([
      ['+13125550100', 'primary'],
      ['+13125550101', 'secondary'],
      ['+13125550102', 'backup'],
    ]);
  });

  it('repairs drift from the demo definition and touches only the rows that drifted', async () => {
    await services.db
      .updateTable('users')
      .set({ name: 'Renamed' })
      .where('email', '=', DEMO_USERS.agent2.email)
      .execute();
    await services.db
      .updateTable('sip_trunks')
      .set({ notes: 'edited' })
      .where('name', '=', 'Telnyx EU')
      .execute();
    const result = await seedDemo(services);
    expect(result.updated).toEqual({ users: 1, trunks: 1, numbers: 0, assignments: 0 });
    const again = await seedDemo(services);
    expect(again.noChanges).toBe(true);
  });

  it('points the demo SIP trunks at another WebSocket server and domain when asked (browser-call tests)', async () => {
    const result = await seedDemo(services, { sipWsServer: 'ws://127.0.0.1:15066', sipDomain: 'lab.test' });
    expect(result.updated.trunks).toBeGreaterThan(0);
    const chicago = await services.db
      .selectFrom('sip_trunks')
      .selectAll()
      .where('name', '=', 'Chicago Office SIP')
      .executeTakeFirstOrThrow();
    expect(chicago.ws_server).toBe('ws://127.0.0.1:15066');
    expect(chicago.sip_uri).toBe('sip:agent1@lab.test');
    const telnyx = await services.db
      .selectFrom('sip_trunks')
      .selectAll()
      .where('name', '=', 'Telnyx EU')
      .executeTakeFirstOrThrow();
    expect(telnyx.ws_server).toBeNull();
    await seedDemo(services); // back to the defaults for any later test
  });
  it('writes a deterministic 90-day call history once, which History and Analytics show', async () => {
    const written = await seedDemoCalls(services);
    expect(written).toBeGreaterThan(1500);
    const calls = await services.db.selectFrom('calls').selectAll().orderBy('id').execute();
    expect(calls).toHaveLength(written);
    expect(await seedDemoCalls(services)).toBe(0); // idempotent
    expect(await services.db.selectFrom('calls').select('id').execute()).toHaveLength(written);
    const days = new Set(calls.map((c) => c.started_at.slice(0, 10)));
    expect(days.size).toBeGreaterThanOrEqual(85);
    expect(new Set(calls.map((c) => c.outcome))).toEqual(
      new Set(['answered', 'busy', 'no_answer', 'rejected', 'cancelled', 'failed']),
    );
    expect(new Set(calls.map((c) => c.direction))).toEqual(new Set(['outbound', 'inbound']));
    expect(calls.every((c) => Date.parse(c.ended_at!) < Date.now())).toBe(true);

    const agent1 = await services.repos.users.findByEmail(DEMO_USERS.agent1.email);
    const actor = { id: agent1!.id, role: 'agent' };
    const history = await services.calls.list(actor, {}, 1, 10);
    expect(history.total).toBeGreaterThan(500);
    const kpis = await services.analytics.kpis(actor, { tz: 'UTC', by: 'connection' });
    const byName = new Map(kpis.rows.map((r) => [r.name, r]));
    const chicago = byName.get('Chicago Office SIP')!;
    const degraded = byName.get('Telnyx US East')!;
    expect(chicago.calls).toBeGreaterThan(100);
    // The degraded trunk is visibly worse: lower NER and MOS, longer PDD.
    expect(degraded.ner!).toBeLessThan(chicago.ner!);
    expect(degraded.mosAvg!).toBeLessThan(chicago.mosAvg!);
    expect(degraded.pddMsMedian!).toBeGreaterThan(chicago.pddMsMedian!);
    const quality = await services.analytics.quality(actor, { tz: 'UTC' });
    expect(quality.bands.filter((b) => b.calls > 0).length).toBeGreaterThanOrEqual(4);
    const destinations = await services.analytics.destinations(actor, { tz: 'UTC' });
    expect(destinations.rows.length).toBeGreaterThanOrEqual(4);
  });
});
