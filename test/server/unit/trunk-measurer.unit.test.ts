/**
 * What one connection looks like from here (TrunkMeasurer): the OPTIONS probes of a SIP connection
 * (its WebSocket server first, then its SIP URI's host, the server's defaults standing in), Telnyx's
 * registration status for a Telnyx connection, and an admin's REGISTER with the connection's
 * credentials. Probes and Telnyx are faked at their interfaces.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { TrunkMeasurer } from '../../../src/server/services/health/trunk-measurer.js';
import { DEMO_PHONE_NOT_RUNNING, DEMO_PHONE_WS_SERVER } from '../../../src/shared/demo-phone.js';
import { DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from '../../../src/shared/health.js';
import type { SipTrunkRow } from '../../../src/server/db/schema.js';
import type { TelnyxRegistrationStatus } from '../../../src/server/repositories/telnyx/telnyx-repository.js';
import { aTrunk, emptyStore, fakeRepositories, type FakeStore } from './fake-repositories.js';
import { aHealthTrunk, failedAnswer, fakeCipher, FakeProbes, okAnswer } from './fake-health.js';

const t: HealthThresholds = { ...DEFAULT_HEALTH_THRESHOLDS, probeTimeoutMs: 1500 };
const WS = 'wss://edge.example.test:7443';
const SIP = 'udp:sip.example.test:5060';

describe('TrunkMeasurer', () => {
  let probes: FakeProbes;
  let store: FakeStore;
  let defaultSip: { wsServer?: string; sipUri?: string; username?: string; password?: string };
  let telnyx: {
    configured: boolean;
    asked: string[];
    answer: () => Promise<TelnyxRegistrationStatus | null>;
  };
  let measurer: TrunkMeasurer;

  beforeEach(() => {
    probes = new FakeProbes();
    store = emptyStore();
    defaultSip = {};
    telnyx = { configured: true, asked: [], answer: () => Promise.resolve(null) };
    measurer = new TrunkMeasurer({
      trunks: fakeRepositories(store).trunks,
      probes: probes.asRepository(),
      telnyx: {
        get configured() {
          return telnyx.configured;
        },
        registrationStatus: (id: string) => {
          telnyx.asked.push(id);
          return telnyx.answer();
        },
      },
      cipher: fakeCipher,
      config: { defaultSip },
    });
  });

  describe('a SIP connection', () => {
    it('probes its WebSocket server, then its SIP host; the WebSocket answer is the measurement', async () => {
      probes.answers[WS] = okAnswer(WS, 18);
      probes.answers[SIP] = okAnswer(SIP, 40);
      const m = await measurer.measure(aHealthTrunk(), t);
      expect(probes.optionsCalls).toEqual([
        { label: WS, timeoutMs: 1500 },
        { label: SIP, timeoutMs: 1500 },
      ]);
      expect(m.obs).toEqual({ ok: true, latencyMs: 18, source: 'probe', reason: '200 OK in 18 ms' });
      expect(m.checks).toEqual([
        { target: WS, ok: true, latencyMs: 18, detail: '200 OK in 18 ms' },
        { target: SIP, ok: true, latencyMs: 40, detail: '200 OK in 40 ms' },
      ]);
    });

    it("uses the server's default addresses for what the connection lacks, its own otherwise", async () => {
      defaultSip.wsServer = 'wss://default.example.test';
      defaultSip.sipUri = 'default.example.test';
      await measurer.measure(aHealthTrunk({ ws_server: null, sip_uri: null }), t);
      await measurer.measure(aHealthTrunk(), t);
      expect(probes.optionsCalls.map((c) => c.label)).toEqual([
        'wss://default.example.test',
        'udp:default.example.test:5060',
        WS,
        SIP,
      ]);
    });

    it('with only a SIP URI, the SIP host is the measurement', async () => {
      probes.answers[SIP] = okAnswer(SIP, 33);
      const m = await measurer.measure(aHealthTrunk({ ws_server: null }), t);
      expect(m.obs).toEqual({ ok: true, latencyMs: 33, source: 'probe', reason: '200 OK in 33 ms' });
      expect(m.checks).toHaveLength(1);
    });

    it('with no address at all, nothing can be measured', async () => {
      const m = await measurer.measure(aHealthTrunk({ ws_server: null, sip_uri: null }), t);
      expect(m).toEqual({
        obs: {
          ok: false,
          latencyMs: null,
          unmeasurable: true,
          source: 'probe',
          reason: 'nothing to probe: no WebSocket server or SIP URI',
        },
        checks: [],
      });
      expect(probes.optionsCalls).toEqual([]);
    });

    it('when every target is unaddressable, says why for each and measures nothing', async () => {
      probes.unaddressable[WS] = 'not a WebSocket URL';
      probes.unaddressable['sip.example.test'] = 'a realm, not a host';
      const m = await measurer.measure(aHealthTrunk(), t);
      expect(m.obs).toEqual({
        ok: false,
        latencyMs: null,
        unmeasurable: true,
        source: 'probe',
        reason: 'nothing to probe: not a WebSocket URL; a realm, not a host',
      });
      expect(m.checks).toEqual([
        { target: WS, ok: false, latencyMs: null, detail: 'not a WebSocket URL', skipped: true },
        {
          target: 'sip:sip.example.test',
          ok: false,
          latencyMs: null,
          detail: 'a realm, not a host',
          skipped: true,
        },
      ]);
      expect(probes.optionsCalls).toEqual([]);
    });

    it('a skipped WebSocket server leaves the SIP host as the measurement', async () => {
      probes.unaddressable[WS] = 'not a WebSocket URL';
      probes.answers[SIP] = okAnswer(SIP, 25);
      const m = await measurer.measure(aHealthTrunk(), t);
      expect(m.obs).toEqual({ ok: true, latencyMs: 25, source: 'probe', reason: '200 OK in 25 ms' });
      expect(m.checks[0]!.skipped).toBe(true);
      expect('skipped' in m.checks[1]!).toBe(false);
    });

    it('fails with the first failing target, naming it when its words do not', async () => {
      probes.answers[SIP] = failedAnswer(SIP, 'no answer to OPTIONS in 1.5 s');
      const m = await measurer.measure(aHealthTrunk(), t);
      expect(m.obs).toEqual({
        ok: false,
        latencyMs: null,
        source: 'probe',
        reason: `no answer to OPTIONS in 1.5 s (${SIP})`,
      });
      expect(m.checks.map((c) => c.ok)).toEqual([true, false]);

      probes.answers[WS] = failedAnswer(WS, `cannot reach ${WS} (connection refused)`);
      const both = await measurer.measure(aHealthTrunk(), t);
      expect(both.obs.reason).toBe(`cannot reach ${WS} (connection refused)`);
    });

    it("says to start the demo phone system when the demo trunks' server does not answer", async () => {
      const demo = aHealthTrunk({ ws_server: DEMO_PHONE_WS_SERVER, sip_uri: null });
      probes.answers[DEMO_PHONE_WS_SERVER] = failedAnswer(DEMO_PHONE_WS_SERVER, 'connection refused');
      expect((await measurer.measure(demo, t)).obs.reason).toBe(DEMO_PHONE_NOT_RUNNING);
      // the same failure elsewhere is reported as it is
      probes.answers[WS] = failedAnswer(WS, 'connection refused');
      expect((await measurer.measure(aHealthTrunk({ sip_uri: null }), t)).obs.reason).toBe(
        `connection refused (${WS})`,
      );
    });

    it('the demo server answering while the SIP host fails is not "demo phone not running"', async () => {
      const demo = aHealthTrunk({ ws_server: DEMO_PHONE_WS_SERVER });
      probes.answers[SIP] = failedAnswer(SIP, 'timeout');
      expect((await measurer.measure(demo, t)).obs.reason).toBe(`timeout (${SIP})`);
    });
  });

  describe('a Telnyx connection', () => {
    const linked = () => aHealthTrunk({ provider: 'telnyx', telnyx_connection_id: 'conn-42' });
    const status = (s: string | null, latencyMs = 120): TelnyxRegistrationStatus => ({
      status: s,
      lastRegistration: null,
      latencyMs,
    });

    it('cannot be measured without the Telnyx API, and does not probe SIP', async () => {
      telnyx.configured = false;
      expect(await measurer.measure(linked(), t)).toEqual({
        obs: {
          ok: false,
          latencyMs: null,
          unmeasurable: true,
          source: 'probe',
          reason: 'Telnyx API is not configured',
        },
        checks: [
          { target: 'Telnyx API', ok: false, latencyMs: null, detail: 'Telnyx API is not configured' },
        ],
      });
      expect(telnyx.asked).toEqual([]);
      expect(probes.optionsCalls).toEqual([]);
    });

    it('cannot be measured when not linked to a Telnyx connection', async () => {
      const m = await measurer.measure(aHealthTrunk({ provider: 'telnyx' }), t);
      expect(m.obs).toMatchObject({
        ok: false,
        unmeasurable: true,
        reason: 'not linked to a Telnyx connection',
      });
      expect(telnyx.asked).toEqual([]);
    });

    it('is down when Telnyx does not know the connection', async () => {
      const m = await measurer.measure(linked(), t);
      expect(telnyx.asked).toEqual(['conn-42']);
      expect(m).toEqual({
        obs: { ok: false, latencyMs: null, source: 'probe', reason: 'Telnyx: no such connection at Telnyx' },
        checks: [
          {
            target: 'Telnyx API',
            ok: false,
            latencyMs: null,
            detail: 'Telnyx: no such connection at Telnyx',
          },
        ],
      });
    });

    it.each([
      ['Not Registered', 'Telnyx: not registered'],
      ['Unregistered', 'Telnyx: not registered'],
      ['Failed', 'Telnyx: registration failed'],
      ['Expired', 'Telnyx: registration expired'],
    ])('fails on "%s" though the API answered', async (s, words) => {
      telnyx.answer = () => Promise.resolve(status(s, 95));
      expect(await measurer.measure(linked(), t)).toEqual({
        obs: { ok: false, latencyMs: null, source: 'probe', reason: words },
        checks: [
          { target: 'Telnyx API', ok: true, latencyMs: 95, detail: `API answered in 95 ms: ${words}` },
        ],
      });
    });

    it('is answering when registered, measured by the API round trip', async () => {
      telnyx.answer = () => Promise.resolve(status('Registered', 130));
      const reason = 'Telnyx: registered (API answered in 130 ms)';
      expect(await measurer.measure(linked(), t)).toEqual({
        obs: { ok: true, latencyMs: 130, source: 'probe', reason },
        checks: [{ target: 'Telnyx API', ok: true, latencyMs: 130, detail: reason }],
      });
    });

    it('is answering on another or no registration status, saying which', async () => {
      telnyx.answer = () => Promise.resolve(status('Pending', 80));
      expect((await measurer.measure(linked(), t)).obs).toEqual({
        ok: true,
        latencyMs: 80,
        source: 'probe',
        reason: 'Telnyx API answered in 80 ms (registration Pending)',
      });
      telnyx.answer = () => Promise.resolve(status(null, 81));
      expect((await measurer.measure(linked(), t)).obs.reason).toBe(
        'Telnyx API answered in 81 ms (registration not reported)',
      );
    });

    it('is down when the API cannot be reached, in its words', async () => {
      telnyx.answer = () => Promise.reject(new Error('Telnyx did not answer in 10 s'));
      expect(await measurer.measure(linked(), t)).toEqual({
        obs: {
          ok: false,
          latencyMs: null,
          source: 'probe',
          reason: 'Telnyx API unreachable: Telnyx did not answer in 10 s',
        },
        checks: [
          {
            target: 'Telnyx API',
            ok: false,
            latencyMs: null,
            detail: 'Telnyx API unreachable: Telnyx did not answer in 10 s',
          },
        ],
      });
      telnyx.answer = () => Promise.reject('socket hang up'); // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors
      expect((await measurer.measure(linked(), t)).obs.reason).toBe('Telnyx API unreachable: socket hang up');
    });
  });

  describe("an admin's registration check", () => {
    function stored(o: Partial<SipTrunkRow>): SipTrunkRow {
      const row = aTrunk('owner-1', { ws_server: WS, sip_uri: 'sip.example.test', ...o });
      store.trunks.push(row);
      return row;
    }
    const healthOf = (row: SipTrunkRow) => aHealthTrunk({ id: row.id });

    it('is not attempted for a Telnyx connection', async () => {
      expect(await measurer.registerCheck(aHealthTrunk({ provider: 'telnyx' }), t)).toEqual({
        attempted: false,
        ok: false,
        refused: false,
        detail:
          'Telnyx connections register from the browser with a login token; the API reports their status',
      });
      expect(probes.registerCalls).toEqual([]);
    });

    it("registers with the connection's own credentials at its own server", async () => {
      const row = stored({ sip_username: 'alice', sip_password_enc: 'enc:s3cret' });
      defaultSip.username = 'fallback';
      defaultSip.password = 'other';
      expect(await measurer.registerCheck(healthOf(row), t)).toEqual({
        attempted: true,
        ok: true,
        refused: false,
        detail: '200 OK in 30 ms',
      });
      expect(probes.registerCalls).toEqual([
        {
          label: WS,
          creds: { aor: 'sip:alice@sip.example.test', username: 'alice', password: 's3cret' },
          timeoutMs: 1500,
        },
      ]);
    });

    it("falls back to the server's default credentials and SIP URI", async () => {
      const row = stored({ sip_username: 'alice', sip_password_enc: null, ws_server: null });
      Object.assign(defaultSip, {
        username: 'shared',
        password: 'pw',
        sipUri: 'pbx.example.test',
        wsServer: 'wss://default.example.test',
      });
      await measurer.registerCheck(healthOf(row), t);
      expect(probes.registerCalls[0]).toEqual({
        label: 'wss://default.example.test',
        creds: { aor: 'sip:shared@pbx.example.test', username: 'shared', password: 'pw' },
        timeoutMs: 1500,
      });
    });

    it("keeps the connection's SIP URI when the defaults have credentials but none", async () => {
      const row = stored({});
      Object.assign(defaultSip, { username: 'shared', password: 'pw' });
      await measurer.registerCheck(healthOf(row), t);
      expect(probes.registerCalls[0]!.creds.aor).toBe('sip:shared@sip.example.test');
    });

    it('uses the default SIP URI when the connection has credentials but no SIP URI', async () => {
      const row = stored({ sip_username: 'alice', sip_password_enc: 'enc:pw', sip_uri: null });
      defaultSip.sipUri = 'pbx.example.test';
      await measurer.registerCheck(healthOf(row), t);
      expect(probes.registerCalls[0]!.creds.aor).toBe('sip:alice@pbx.example.test');
    });

    it('says so when the stored password cannot be decrypted', async () => {
      const row = stored({ sip_username: 'alice', sip_password_enc: 'garbled' });
      expect(await measurer.registerCheck(healthOf(row), t)).toEqual({
        attempted: false,
        ok: false,
        refused: false,
        detail: 'its stored password cannot be decrypted (was CREDENTIALS_KEY changed?)',
      });
      expect(probes.registerCalls).toEqual([]);
    });

    it('is not attempted without credentials (a username alone, or a default password alone)', async () => {
      const row = stored({ sip_username: 'alice' });
      defaultSip.password = 'pw';
      const expected = {
        attempted: false,
        ok: false,
        refused: false,
        detail: 'it has no SIP credentials to register with',
      };
      expect(await measurer.registerCheck(healthOf(row), t)).toEqual(expected);
      defaultSip.password = undefined;
      defaultSip.username = 'shared';
      expect(await measurer.registerCheck(healthOf(row), t)).toEqual(expected);
      expect(probes.registerCalls).toEqual([]);
    });

    it('is not attempted without a WebSocket server or without a SIP URI', async () => {
      const expected = {
        attempted: false,
        ok: false,
        refused: false,
        detail: 'it has no WebSocket server or SIP URI to register to',
      };
      const noWs = stored({ sip_username: 'a', sip_password_enc: 'enc:p', ws_server: null });
      expect(await measurer.registerCheck(healthOf(noWs), t)).toEqual(expected);
      const noDomain = stored({ sip_username: 'a', sip_password_enc: 'enc:p', sip_uri: null });
      expect(await measurer.registerCheck(healthOf(noDomain), t)).toEqual(expected);
      expect(probes.registerCalls).toEqual([]);
    });

    it('registers with the defaults alone when the connection is no longer stored', async () => {
      Object.assign(defaultSip, {
        username: 'shared',
        password: 'pw',
        sipUri: 'pbx.example.test',
        wsServer: WS,
      });
      await measurer.registerCheck(aHealthTrunk({ id: 'gone' }), t);
      expect(probes.registerCalls[0]!.creds.aor).toBe('sip:shared@pbx.example.test');
    });

    it('is not attempted when the WebSocket server cannot be addressed, saying why', async () => {
      const row = stored({ sip_username: 'alice', sip_password_enc: 'enc:pw' });
      probes.unaddressable[WS] = 'not a WebSocket URL';
      expect(await measurer.registerCheck(healthOf(row), t)).toEqual({
        attempted: false,
        ok: false,
        refused: false,
        detail: 'not a WebSocket URL',
      });
    });

    it.each([
      [401, true],
      [403, true],
      [407, true],
      [404, true],
      [408, false],
      [500, false],
      [null, false],
    ])('a %s answer is refused: %s', async (statusCode, refused) => {
      const row = stored({ sip_username: 'alice', sip_password_enc: 'enc:pw' });
      probes.register = { ok: false, statusCode, detail: 'words' };
      expect(await measurer.registerCheck(healthOf(row), t)).toEqual({
        attempted: true,
        ok: false,
        refused,
        detail: 'words',
      });
    });
  });
});
