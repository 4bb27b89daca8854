/**
 * Measured trunk health (HealthService) on in-memory repositories, with probes and Telnyx faked at
 * their interfaces: the admin's thresholds (defaults, stored, audited changes), the periodic check and
 * what it writes and publishes, an admin's live check and its summary, a browser's registration report,
 * a failed call as an observation, the report of one connection, and pruning.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { DISPLAY_REFRESH_MS, HealthService } from '../../../src/server/services/health/health-service.js';
import { DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from '../../../src/shared/health.js';
import { DEMO_PHONE_NOT_RUNNING, DEMO_PHONE_WS_SERVER } from '../../../src/shared/demo-phone.js';
import { ErrorCode } from '../../../src/shared/errors.js';
import type { Repositories } from '../../../src/server/repositories/index.js';
import type { HealthTrunk } from '../../../src/server/repositories/health/health-repository.js';
import { aTrunk, emptyStore, failure, fakeUnitOfWork, type FakeStore } from './fake-repositories.js';
import {
  aHealthTrunk,
  emptyHealthStore,
  failedAnswer,
  fakeCipher,
  fakeHealthRepositories,
  FakeProbes,
  okAnswer,
  recordingBus,
  type HealthStore,
} from './fake-health.js';

const NOW = Date.parse('2026-12-02T06:00:00.000Z');
const WS = 'wss://edge.example.test:7443';
const SIP = 'udp:sip.example.test:5060';

describe('HealthService', () => {
  let store: FakeStore;
  let h: HealthStore;
  let repos: Repositories;
  let probes: FakeProbes;
  let published: ReturnType<typeof recordingBus>['published'];
  let telnyxConfigured: boolean;
  let concurrency: number;
  let service: HealthService;
  let now: number;

  function build() {
    const bus = recordingBus();
    published = bus.published;
    service = new HealthService({
      repos,
      transaction: fakeUnitOfWork(store, repos),
      probes: probes.asRepository(),
      telnyx: {
        get configured() {
          return telnyxConfigured;
        },
        registrationStatus: () => Promise.resolve(null),
      },
      cipher: fakeCipher,
      config: { defaultSip: {}, health: { intervalSeconds: 30, concurrency, retentionDays: 7 } },
      clock: { now: () => new Date(now) },
      events: bus.bus,
    });
  }

  /** A connection in both the trunks table (owner, credentials) and the health listing. */
  function connection(
    o: Partial<HealthTrunk> = {},
    creds: { user?: string; pass?: string } = {},
  ): HealthTrunk {
    const t = aHealthTrunk(o);
    store.trunks.push(
      aTrunk(t.owner_id, {
        id: t.id,
        ws_server: t.ws_server,
        sip_uri: t.sip_uri,
        sip_username: creds.user ?? null,
        sip_password_enc: creds.pass ? `enc:${creds.pass}` : null,
      }),
    );
    h.trunks.push(t);
    return t;
  }

  const writes = () => h.applied.flat();

  beforeEach(() => {
    store = emptyStore();
    h = emptyHealthStore();
    repos = fakeHealthRepositories(store, h);
    probes = new FakeProbes();
    telnyxConfigured = true;
    concurrency = 4;
    now = NOW;
    build();
    // listed first: a lookup by id that ignored the id would find this one
    h.trunks.push(aHealthTrunk({ name: 'Decoy', status: 'disabled' }));
  });

  describe('thresholds', () => {
    it('are the defaults until an admin stores some, as a copy', async () => {
      const s = await service.settings();
      expect(s).toEqual({ thresholds: DEFAULT_HEALTH_THRESHOLDS, updatedAt: null, updatedBy: null });
      s.thresholds.failuresBeforeDown = 99;
      expect((await service.thresholds()).failuresBeforeDown).toBe(3);
      expect(DEFAULT_HEALTH_THRESHOLDS.failuresBeforeDown).toBe(3);
    });

    it('stored ones override the defaults key by key', async () => {
      h.settings = {
        thresholds: '{"failuresBeforeDown":5}',
        updated_at: '2026-12-01T00:00:00.000Z',
        updated_by: 'u1',
      };
      expect(await service.settings()).toEqual({
        thresholds: { ...DEFAULT_HEALTH_THRESHOLDS, failuresBeforeDown: 5 },
        updatedAt: '2026-12-01T00:00:00.000Z',
        updatedBy: 'u1',
      });
    });

    it('unreadable stored ones count as the defaults, still saying who stored them', async () => {
      h.settings = { thresholds: '{oops', updated_at: '2026-12-01T00:00:00.000Z', updated_by: 'u1' };
      expect(await service.settings()).toEqual({
        thresholds: DEFAULT_HEALTH_THRESHOLDS,
        updatedAt: '2026-12-01T00:00:00.000Z',
        updatedBy: 'u1',
      });
    });

    it('an update stores the whole set and audits only what changed', async () => {
      h.settings = {
        thresholds: '{"probeTimeoutMs":3000}',
        updated_at: '2026-12-01T00:00:00.000Z',
        updated_by: 'u0',
      };
      const s = await service.updateThresholds('admin-1', {
        failuresBeforeDown: 4,
        probeTimeoutMs: 3000,
        successesBeforeUp: undefined,
      });
      const expected: HealthThresholds = {
        ...DEFAULT_HEALTH_THRESHOLDS,
        failuresBeforeDown: 4,
        probeTimeoutMs: 3000,
      };
      expect(s).toEqual({
        thresholds: expected,
        updatedAt: '2026-12-02T06:00:00.000Z',
        updatedBy: 'admin-1',
      });
      expect(JSON.parse(h.settings?.thresholds ?? 'null')).toEqual(expected);
      expect(store.audit).toEqual([
        {
          actorId: 'admin-1',
          action: 'health.thresholds_update',
          entityType: 'health_settings',
          entityId: 'default',
          details: { changed: { failuresBeforeDown: { from: 3, to: 4 } } },
        },
      ]);
    });

    it('an update that changes nothing is still stored and audited, with nothing changed', async () => {
      await service.updateThresholds('admin-1', { failuresBeforeDown: 3 });
      expect(h.settings?.updated_by).toBe('admin-1');
      expect(store.audit[0]!.details).toEqual({ changed: {} });
    });
  });

  describe('the periodic check', () => {
    it('probes every active connection and stores, returns and publishes its new state', async () => {
      const a = connection({ name: 'A', owner_id: 'owner-a' });
      connection({ name: 'Off', status: 'disabled' });
      probes.answers[WS] = okAnswer(WS, 18);
      const items = await service.checkAll();
      expect(h.asked[0]).toBe('listTrunks {"activeOnly":true}');
      const at = '2026-12-02T06:00:00.000Z';
      expect(items).toEqual([
        {
          connectionId: a.id,
          name: 'A',
          state: 'up',
          latencyMs: 18,
          checkedAt: at,
          reason: '200 OK in 18 ms',
          active: true,
        },
      ]);
      expect(h.applied).toHaveLength(1);
      expect(writes()).toEqual([
        {
          trunkId: a.id,
          at,
          ok: true,
          latencyMs: 18,
          source: 'probe',
          observation: '200 OK in 18 ms',
          status: 'up',
          previousStatus: 'unknown',
          reason: '200 OK in 18 ms',
          failStreak: 0,
          okStreak: 1,
          registrationRefused: null,
          keepSample: true,
          display: true,
        },
      ]);
      expect(published).toEqual([
        [
          {
            type: 'connection.health',
            connectionId: a.id,
            ownerId: 'owner-a',
            health: { status: 'up', checkedAt: at, latencyMs: 18, message: '200 OK in 18 ms' },
            previousStatus: 'unknown',
          },
        ],
      ]);
    });

    it("reads the latencies and call counts of every connection over the thresholds' windows", async () => {
      h.settings = {
        thresholds: JSON.stringify({ latencyWindow: 4, answerRateWindowMinutes: 30 }),
        updated_at: 'x',
        updated_by: null,
      };
      const a = connection();
      const b = connection();
      await service.checkAll();
      expect(h.asked).toContain(`recentLatencies ${a.id},${b.id} 4`);
      expect(h.asked).toContain(`callCounts ${a.id},${b.id} 2026-12-02T05:30:00.000Z`);
    });

    it('one connection by id, active or not; an unknown id is 404', async () => {
      const off = connection({ status: 'disabled' });
      const [item] = await service.checkAll({ connectionId: off.id });
      expect(h.asked[0]).toBe(`listTrunks {"ids":["${off.id}"]}`);
      expect(item).toMatchObject({ connectionId: off.id, active: false, state: 'up' });
      const err = await failure(service.checkAll({ connectionId: 'nope' }));
      expect(err.code).toBe(ErrorCode.NotFound);
      expect(err.message).toBe('Connection was not found');
    });

    it('no active connection: nothing probed, an empty answer', async () => {
      expect(await service.checkAll()).toEqual([]);
    });

    it('probes at most `concurrency` connections at a time', async () => {
      concurrency = 1;
      build();
      probes.slow = true;
      connection({ sip_uri: null });
      connection({ sip_uri: null });
      connection({ sip_uri: null });
      await service.checkAll();
      expect(probes.optionsCalls).toHaveLength(3);
      expect(probes.maxInFlight).toBe(1);
    });

    it('continues the stored counters: a third failure in a row takes an up connection down', async () => {
      const a = connection({ health_status: 'up', fail_streak: 2, ok_streak: 0 });
      probes.answers[WS] = failedAnswer(WS, `cannot reach ${WS}`);
      const [item] = await service.checkAll();
      expect(item).toMatchObject({ state: 'down', latencyMs: null, reason: `cannot reach ${WS}` });
      expect(writes()[0]).toMatchObject({
        trunkId: a.id,
        ok: false,
        latencyMs: null,
        failStreak: 3,
        okStreak: 0,
        previousStatus: 'up',
      });
      expect(published[0]![0]).toMatchObject({ previousStatus: 'up' });
    });

    it('a first failure of an unknown connection counts one of three, nothing stored counting as zero', async () => {
      connection();
      probes.answers[WS] = failedAnswer(WS, `cannot reach ${WS}`);
      const [item] = await service.checkAll();
      expect(item!.reason).toBe(`cannot reach ${WS} (1 of 3 failures before down)`);
      expect(item!.state).toBe('unknown');
      expect(published[0]![0]).not.toHaveProperty('previousStatus');
    });

    it('answers in a row bring a down connection back up after the threshold', async () => {
      connection({ health_status: 'down', fail_streak: 4, ok_streak: 1 });
      const [item] = await service.checkAll();
      expect(item!.state).toBe('up');
      expect(writes()[0]).toMatchObject({ okStreak: 2, failStreak: 0 });
    });

    it('a refused registration stored on the connection keeps it down though it answers', async () => {
      connection({ health_status: 'down', registration_refused: 'registration refused: wrong password' });
      const [item] = await service.checkAll();
      expect(item).toMatchObject({ state: 'down', reason: 'registration refused: wrong password' });
      expect(writes()[0]!.registrationRefused).toBe('registration refused: wrong password');
    });

    it('averages this answer with the stored latencies over the window', async () => {
      const a = connection();
      h.latencies.set(a.id, [900, 900, 900]);
      probes.answers[WS] = okAnswer(WS, 21);
      const [item] = await service.checkAll();
      // (21 + 900 + 900) / 3: only the window's 3 newest count
      h.settings = { thresholds: JSON.stringify({ latencyWindow: 3 }), updated_at: 'x', updated_by: null };
      const [windowed] = await service.checkAll();
      expect(item!.state).toBe('degraded');
      expect(item!.reason).toBe('slow: 680 ms on average over the last 4 checks (limit 500 ms)');
      expect(windowed!.reason).toBe('slow: 607 ms on average over the last 3 checks (limit 500 ms)');
    });

    it('a first slow answer degrades at once', async () => {
      connection();
      probes.answers[WS] = okAnswer(WS, 900);
      const [item] = await service.checkAll();
      expect(item!.reason).toBe('slow: 900 ms on average over the last 1 check (limit 500 ms)');
    });

    it('a failed probe stores no latency', async () => {
      connection({ health_status: 'up', fail_streak: 0 });
      probes.answers[WS] = failedAnswer(WS, 'no answer');
      await service.checkAll();
      expect(writes()[0]!.latencyMs).toBeNull();
    });

    it('degrades a connection whose recent real calls are rarely answered', async () => {
      const a = connection();
      h.calls.set(a.id, { attempts: 10, answered: 1 });
      const [item] = await service.checkAll();
      expect(item).toMatchObject({
        state: 'degraded',
        reason: 'only 10% of the last 10 calls were answered (limit 20%)',
      });
    });

    it('an unmeasurable connection is unknown and leaves no sample', async () => {
      connection({ ws_server: null, sip_uri: null, health_status: 'up' });
      const [item] = await service.checkAll();
      expect(item).toMatchObject({
        state: 'unknown',
        reason: 'nothing to probe: no WebSocket server or SIP URI',
      });
      expect(writes()[0]).toMatchObject({ keepSample: false, ok: false });
    });

    describe('rewrites the displayed state only when it says something new or is getting old', () => {
      const reason = `no answer to OPTIONS in 2 s (${WS})`;
      const down = (o: Partial<HealthTrunk>) =>
        connection({ health_status: 'down', fail_streak: 5, health_message: reason, sip_uri: null, ...o });
      beforeEach(() => {
        probes.answers[WS] = failedAnswer(WS, 'no answer to OPTIONS in 2 s');
      });

      it('not for the same state and words, checked a moment ago', async () => {
        down({ health_checked_at: new Date(NOW - DISPLAY_REFRESH_MS + 1).toISOString() });
        await service.checkAll();
        expect(writes()[0]!.display).toBe(false);
      });

      it('not when only the numbers in the words changed (decimals too)', async () => {
        down({
          health_checked_at: new Date(NOW - 1000).toISOString(),
          health_message: `no answer to OPTIONS in 12.25 s (wss://edge.example.test:8443)`,
        });
        await service.checkAll();
        expect(writes()[0]!.display).toBe(false);
      });

      it('when the stored one is as old as the refresh interval', async () => {
        down({ health_checked_at: new Date(NOW - DISPLAY_REFRESH_MS).toISOString() });
        await service.checkAll();
        expect(writes()[0]!.display).toBe(true);
        expect(DISPLAY_REFRESH_MS).toBe(300_000);
      });

      it('when it was never checked', async () => {
        down({ health_checked_at: null });
        await service.checkAll();
        expect(writes()[0]!.display).toBe(true);
      });

      it('when the words changed', async () => {
        down({ health_checked_at: new Date(NOW - 1000).toISOString(), health_message: 'connection refused' });
        await service.checkAll();
        expect(writes()[0]!.display).toBe(true);
      });

      it('when there were no words', async () => {
        down({ health_checked_at: new Date(NOW - 1000).toISOString(), health_message: null });
        await service.checkAll();
        expect(writes()[0]!.display).toBe(true);
      });

      it('when the state changed', async () => {
        down({ health_checked_at: new Date(NOW - 1000).toISOString(), health_status: 'up', fail_streak: 5 });
        await service.checkAll();
        expect(writes()[0]).toMatchObject({ status: 'down', display: true });
      });
    });
  });

  it('prunes the samples older than the retention', async () => {
    expect(await service.pruneSamples(7)).toBe(7);
    expect(h.pruned).toEqual(['2026-11-25T06:00:00.000Z']);
  });

  describe("an admin's live check", () => {
    it('is 404 for an unknown connection', async () => {
      const err = await failure(service.liveCheck('nope'));
      expect([err.code, err.message]).toEqual([ErrorCode.NotFound, 'Connection was not found']);
    });

    it('reachable and registered: both said, the registration clearing a stored refusal', async () => {
      const a = connection(
        {
          health_status: 'down',
          registration_refused: 'registration refused: wrong password',
          fail_streak: 1,
        },
        { user: 'alice', pass: 'pw' },
      );
      probes.answers[WS] = okAnswer(WS, 18);
      const r = await service.liveCheck(a.id);
      expect(r).toEqual({
        connectionId: a.id,
        reachable: true,
        latencyMs: 18,
        checks: [
          { target: WS, ok: true, latencyMs: 18, detail: '200 OK in 18 ms' },
          { target: SIP, ok: true, latencyMs: 20, detail: '200 OK in 20 ms' },
        ],
        registration: { attempted: true, ok: true, detail: '200 OK in 30 ms' },
        health: {
          status: 'up',
          checkedAt: '2026-12-02T06:00:00.000Z',
          latencyMs: 18,
          message: '200 OK in 18 ms',
        },
        summary: 'Reachable and registered with its credentials (200 OK in 30 ms).',
      });
      expect(writes()[0]).toMatchObject({ source: 'live-check', registrationRefused: null });
    });

    it('a refused registration takes the connection down in its words', async () => {
      const a = connection({ health_status: 'up' }, { user: 'alice', pass: 'pw' });
      probes.register = { ok: false, statusCode: 403, detail: 'registration refused: wrong password' };
      const r = await service.liveCheck(a.id);
      expect(r.reachable).toBe(true);
      expect(r.health).toMatchObject({
        status: 'down',
        message: 'registration refused: wrong password',
        latencyMs: null,
      });
      expect(r.summary).toBe('Reachable, but registration refused: wrong password.');
      expect(writes()[0]).toMatchObject({ ok: false, observation: 'registration refused: wrong password' });
    });

    it('a registration that failed otherwise leaves the answer standing', async () => {
      const a = connection({}, { user: 'alice', pass: 'pw' });
      probes.register = { ok: false, statusCode: 503, detail: 'registration refused: 503' };
      const r = await service.liveCheck(a.id);
      expect(r.health.status).toBe('up');
      expect(r.summary).toBe('Reachable, but registration refused: 503.');
    });

    it('without credentials: reachable, registration not attempted and why', async () => {
      const a = connection();
      const r = await service.liveCheck(a.id);
      expect(r.registration).toEqual({
        attempted: false,
        ok: false,
        detail: 'it has no SIP credentials to register with',
      });
      expect(r.summary).toBe('Reachable. it has no SIP credentials to register with.');
      expect(r.health.status).toBe('up');
    });

    it('not reachable when any probe fails', async () => {
      const a = connection({}, { user: 'alice', pass: 'pw' });
      probes.answers[SIP] = failedAnswer(SIP, 'no answer to OPTIONS in 2 s');
      const r = await service.liveCheck(a.id);
      expect(r.reachable).toBe(false);
      expect(r.summary).toBe(`Not reachable: no answer to OPTIONS in 2 s (${SIP}).`);
    });

    it('not reachable when nothing could be probed', async () => {
      probes.unaddressable[WS] = 'not a WebSocket URL';
      probes.unaddressable['sip.example.test'] = 'a realm';
      const a = connection();
      const r = await service.liveCheck(a.id);
      expect(r.reachable).toBe(false);
      expect(r.checks.every((c) => c.skipped)).toBe(true);
      expect(r.summary).toBe('Not reachable: nothing to probe: not a WebSocket URL; a realm.');
    });

    it('a skipped target next to an answering one is reachable', async () => {
      probes.unaddressable['sip.example.test'] = 'a realm';
      const a = connection();
      expect((await service.liveCheck(a.id)).reachable).toBe(true);
    });
  });

  describe("a browser's registration report", () => {
    it("is 404 for a connection that is not the user's, or not listed", async () => {
      const a = connection({ owner_id: 'owner-a' });
      const notOwner = await failure(service.reportRegistration('someone-else', a.id, { ok: true }));
      expect([notOwner.code, notOwner.message]).toEqual([ErrorCode.NotFound, 'Connection was not found']);
      h.trunks = [];
      const notListed = await failure(service.reportRegistration('owner-a', a.id, { ok: true }));
      expect([notListed.code, notListed.message]).toEqual([ErrorCode.NotFound, 'Connection was not found']);
      expect(h.applied).toEqual([]);
    });

    it('a success carries no latency: the stored window alone decides "slow"', async () => {
      const a = connection({ owner_id: 'o', health_status: 'up' });
      h.latencies.set(a.id, [900, 900]);
      const health = await service.reportRegistration('o', a.id, { ok: true });
      expect(health.message).toBe('slow: 900 ms on average over the last 2 checks (limit 500 ms)');
    });

    it('a success is an answer that clears a refusal', async () => {
      const a = connection({
        owner_id: 'o',
        health_status: 'down',
        registration_refused: 'registration refused: wrong password',
      });
      const health = await service.reportRegistration('o', a.id, { ok: true });
      expect(health).toEqual({
        status: 'up',
        checkedAt: '2026-12-02T06:00:00.000Z',
        latencyMs: null,
        message: 'a browser registered',
      });
      expect(writes()[0]).toMatchObject({ source: 'registration', ok: true, registrationRefused: null });
    });

    it.each([401, 403, 407])('a %s is a refusal: down at once', async (statusCode) => {
      const a = connection({ owner_id: 'o', health_status: 'up' });
      const health = await service.reportRegistration('o', a.id, { ok: false, statusCode });
      expect(health).toMatchObject({ status: 'down', message: 'registration refused: wrong password' });
      expect(writes()[0]).toMatchObject({
        registrationRefused: 'registration refused: wrong password',
        ok: false,
        failStreak: 1,
        source: 'registration',
      });
    });

    it('another status is a failure, not a refusal', async () => {
      const a = connection({ owner_id: 'o', health_status: 'up' });
      const health = await service.reportRegistration('o', a.id, { ok: false, statusCode: 404 });
      expect(health).toMatchObject({
        status: 'up',
        message: 'registration refused: unknown user (1 of 3 failures before down)',
      });
      expect(writes()[0]).toMatchObject({ registrationRefused: null, ok: false, source: 'registration' });
    });

    it.each([
      ['Connection Error', 'a browser could not reach the WebSocket server'],
      ['cannot reach the server', 'a browser could not reach the WebSocket server'],
      ['WebSocket closed', 'a browser could not reach the WebSocket server'],
      ['Request Timeout', 'a browser got no answer to its registration'],
      ['Rejected', 'a browser could not register (Rejected)'],
      [undefined, 'a browser could not register (unknown cause)'],
    ])('no status, cause %s: "%s"', async (cause, words) => {
      const a = connection({ owner_id: 'o', health_status: 'down', fail_streak: 3 });
      const health = await service.reportRegistration('o', a.id, { ok: false, ...(cause ? { cause } : {}) });
      expect(health).toMatchObject({ status: 'down', message: words });
      expect(writes()[0]).toMatchObject({ ok: false, source: 'registration', registrationRefused: null });
    });

    it('the demo trunks say to start the demo phone system', async () => {
      const a = connection({
        owner_id: 'o',
        ws_server: DEMO_PHONE_WS_SERVER,
        health_status: 'down',
        fail_streak: 3,
      });
      const health = await service.reportRegistration('o', a.id, { ok: false, cause: 'Connection Error' });
      expect(health.message).toBe(DEMO_PHONE_NOT_RUNNING);
    });
  });

  describe('a failed call', () => {
    const failed = (connectionId: string | null) => ({
      connectionId,
      outcome: 'failed',
      sipCode: 503,
      hangupCause: null,
    });

    it('counts as a failed observation of its trunk', async () => {
      const a = connection({ health_status: 'up' });
      await service.recordCallOutcome(failed(a.id));
      expect(writes()[0]).toMatchObject({
        trunkId: a.id,
        ok: false,
        source: 'call',
        observation: 'a call was refused by the trunk (503)',
        reason: 'a call was refused by the trunk (503) (1 of 3 failures before down)',
      });
    });

    it('not when the trunk is not to blame, or there is no trunk', async () => {
      const a = connection();
      await service.recordCallOutcome({ ...failed(a.id), sipCode: 486 });
      await service.recordCallOutcome(failed(null));
      expect(h.asked).toEqual([]);
      expect(h.applied).toEqual([]);
    });

    it('nothing for a trunk that is gone, and never an error', async () => {
      await service.recordCallOutcome(failed('gone'));
      expect(h.applied).toEqual([]);
      const a = connection();
      h.settings = undefined;
      repos.health.settings = () => Promise.reject(new Error('database is locked'));
      await expect(service.recordCallOutcome(failed(a.id))).resolves.toBeUndefined();
      expect(h.applied).toEqual([]);
    });
  });

  describe('the report of one connection', () => {
    it('is 404 for an unknown connection', async () => {
      const err = await failure(service.report('nope', 24));
      expect([err.code, err.message]).toEqual([ErrorCode.NotFound, 'Connection was not found']);
    });

    it('gives the state, the latency, the changes, the samples and the series of the window', async () => {
      const a = connection({
        name: 'Main',
        health_status: 'degraded',
        health_checked_at: '2026-12-02T05:59:30.000Z',
        health_latency_ms: 640,
        health_message: 'slow',
      });
      h.settings = { thresholds: JSON.stringify({ latencyWindow: 2 }), updated_at: 'x', updated_by: null };
      h.latencies.set(a.id, [600, 700, 9999]);
      h.history.push({
        id: 'h1',
        trunk_id: a.id,
        status: 'degraded',
        previous_status: 'up',
        reason: 'slow',
        source: 'probe',
        latency_ms: 640,
        created_at: '2026-12-02T05:00:00.000Z',
      });
      h.samples.push(
        { checked_at: '2026-12-02T05:10:00.000Z', ok: 1, latency_ms: 600, source: 'probe', reason: null },
        {
          checked_at: '2026-12-02T05:20:00.000Z',
          ok: 0,
          latency_ms: null,
          source: 'call',
          reason: 'a call…',
        },
      );
      h.series.push({ checked_at: '2026-12-02T05:10:00.000Z', ok: 1, latency_ms: 600 });
      const r = await service.report(a.id, 1);
      expect(h.asked.filter((q) => !q.startsWith('listTrunks'))).toEqual(
        expect.arrayContaining([
          `history ${a.id} 2026-12-02T05:00:00.000Z`,
          `samples ${a.id} 2026-12-02T05:00:00.000Z`,
          `sampleSeries ${a.id} 2026-12-02T05:00:00.000Z`,
          `recentLatencies ${a.id} 2`,
        ]),
      );
      expect(r).toEqual({
        connectionId: a.id,
        name: 'Main',
        hours: 1,
        since: '2026-12-02T05:00:00.000Z',
        health: {
          status: 'degraded',
          checkedAt: '2026-12-02T05:59:30.000Z',
          latencyMs: 640,
          message: 'slow',
        },
        latency: { avgMs: 650, stdDevMs: 50, maxMs: 700, samples: 2 },
        thresholds: { ...DEFAULT_HEALTH_THRESHOLDS, latencyWindow: 2 },
        changes: [
          {
            id: 'h1',
            connectionId: a.id,
            status: 'degraded',
            previousStatus: 'up',
            reason: 'slow',
            source: 'probe',
            latencyMs: 640,
            at: '2026-12-02T05:00:00.000Z',
          },
        ],
        samples: [
          { at: '2026-12-02T05:10:00.000Z', ok: true, latencyMs: 600, source: 'probe', reason: null },
          { at: '2026-12-02T05:20:00.000Z', ok: false, latencyMs: null, source: 'call', reason: 'a call…' },
        ],
        series: {
          bucketMinutes: 5,
          buckets: Array.from({ length: 13 }, (_, i) => ({
            start: new Date(Date.parse('2026-12-02T05:00:00.000Z') + i * 300_000).toISOString(),
            checks: i === 2 ? 1 : 0,
            failures: 0,
            avgMs: i === 2 ? 600 : null,
            maxMs: i === 2 ? 600 : null,
          })),
        },
      });
    });

    it('without measured latencies the statistics are empty; longer windows use longer slots', async () => {
      const a = connection();
      const r = await service.report(a.id, 24);
      expect(r.since).toBe('2026-12-01T06:00:00.000Z');
      expect(r.latency).toEqual({ avgMs: null, stdDevMs: null, maxMs: null, samples: 0 });
      expect(r.series.bucketMinutes).toBe(60);
      expect(r.series.buckets).toHaveLength(25);
    });
  });

  it('says whether a user owns a connection', async () => {
    const a = connection({ owner_id: 'o' });
    expect(await service.ownsConnection('o', a.id)).toBe(true);
    expect(await service.ownsConnection('p', a.id)).toBe(false);
  });
});
