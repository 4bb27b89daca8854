/**
 * A call that survives a change of network path (issue 14, item 1), through the real page: Chromium in
 * its own network namespace with two interfaces (test/lab/network-paths.ts), reaching the Dialer
 * server, Kamailio's WebSocket and rtpengine over interface A; a SIPp UAS echoes the audio back. Mid-call
 * A goes down, so only B's path remains: the phone notices the audio stopped, reconnects its WebSocket
 * (over B), re-registers and restarts ICE with a re-INVITE; the panel says "Reconnecting…" and then shows
 * the call again; the audio comes back; the call is never ended; its record notes the interruption.
 * And in the same world, the WebSocket alone dropping (Kamailio restarts; the media is fine): the phone
 * re-registers and refreshes its contact with a re-INVITE, so the far end's BYE still reaches it.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSippUas } from '../lab/sip-lab.js';
import { startTwoPathNetwork, type TwoPathNetwork } from '../lab/network-paths.js';
import {
  PSTN_NUMBER,
  PSTN_USER,
  callState,
  dial,
  openAgent,
  phoneStatus,
  startCallingWorld,
  type CallingWorld,
} from './calling-world.js';
import { screenshot, VIEWPORTS } from './harness.js';

/** The bound: audio flows again within this long after the interface went down. */
const RECOVERY_BOUND_MS = 5000;

let net: TwoPathNetwork;
let world: CallingWorld;

beforeAll(async () => {
  net = await startTwoPathNetwork();
  world = await startCallingWorld({ network: net });
}, 120_000);

afterAll(async () => {
  await world?.stop();
  await net?.close();
});

const poll = <T>(fn: () => T | Promise<T>, timeout = 10_000) => expect.poll(fn, { timeout });

interface Trace {
  /** Audio bytes received (getStats inbound-rtp, all of the page's peer connections), every 100 ms. */
  bytes: { t: number; bytes: number }[];
  /** Every state and text the call panel showed, in order. */
  panel: { t: number; state: string; text: string }[];
}

/** Before the app loads: keep its peer connections, so the test can read their stats. */
function keepPeerConnections(): void {
  const w = window as unknown as { __pcs: RTCPeerConnection[] };
  w.__pcs = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      w.__pcs.push(this);
    }
  };
}

/** From now on, in the page: received audio bytes and the call panel's states and texts, with times. */
async function startTrace(page: Page): Promise<() => Promise<Trace>> {
  await page.evaluate(() => {
    const w = window as unknown as { __pcs: RTCPeerConnection[]; __trace: Trace };
    w.__trace = { bytes: [], panel: [] };
    setInterval(() => {
      void Promise.all(
        w.__pcs.map(async (pc) => {
          let n = 0;
          (await pc.getStats()).forEach((r: { type?: string; kind?: string; bytesReceived?: number }) => {
            if (r.type === 'inbound-rtp' && r.kind === 'audio') n += r.bytesReceived ?? 0;
          });
          return n;
        }),
      ).then((all) => w.__trace.bytes.push({ t: Date.now(), bytes: all.reduce((a, b) => a + b, 0) }));
    }, 100);
    const seen = (): void => {
      const panel = document.querySelector('[data-testid="call-panel"]');
      const state = panel?.getAttribute('data-state') ?? 'none';
      const text = document.querySelector<HTMLElement>('[data-testid="call-state"]')?.innerText.trim() ?? '';
      const last = w.__trace.panel.at(-1);
      if (!last || last.state !== state || last.text !== text)
        w.__trace.panel.push({ t: Date.now(), state, text });
    };
    seen();
    new MutationObserver(seen).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ['data-state'],
    });
  });
  return () => page.evaluate(() => (window as unknown as { __trace: Trace }).__trace);
}

/** The user's newest call to the SIPp UAS, once the page has closed its record. */
async function lastCallOf(userId: string) {
  const lastCall = () =>
    world.server.services.db
      .selectFrom('calls')
      .selectAll()
      .where('user_id', '=', userId)
      .where('remote_number', '=', PSTN_NUMBER)
      .orderBy('started_at', 'desc')
      .executeTakeFirstOrThrow();
  await poll(async () => (await lastCall()).outcome).toBe('answered');
  return lastCall();
}

describe('a call across a drop of the WebSocket alone', () => {
  it('Kamailio restarts mid-call: the phone re-registers, tells the far end where it is now, and the far end’s BYE ends the call', async () => {
    // The far end answers the re-INVITE the phone sends once registered again, then hangs up towards
    // the contact that re-INVITE gave: without it, its BYE would go to the WebSocket that is gone.
    const uas = await runSippUas({ lab: world.lab, ...PSTN_USER, byeAfterReinvite: true, timeoutMs: 25_000 });
    try {
      await uas.ready;
      const { page, context } = await openAgent(world, 'agent1', VIEWPORTS.desktop, {
        initScript: keepPeerConnections,
      });
      await poll(() => phoneStatus(page)).toMatch(/Phone: Registered/);
      const trace = await startTrace(page);
      await dial(page, PSTN_NUMBER);
      await poll(() => callState(page)).toBe('active');
      await poll(async () => (await trace()).bytes.at(-1)?.bytes ?? 0).toBeGreaterThan(4000);

      await world.lab.restartKamailio(); // media goes through rtpengine, which stays up
      await poll(() => callState(page), 20_000).toBe('ended');
      expect(await page.getByTestId('call-state').textContent()).toContain('Call ended by the other party');
      const sipp = await uas.done;
      expect(sipp.exitCode, sipp.output.slice(-3000)).toBe(0);
      // The call was never in trouble on the page: the media kept flowing through the signalling blip.
      const { panel } = await trace();
      const states = panel.map((p) => p.state);
      expect(states.slice(states.indexOf('active')), JSON.stringify(panel)).toEqual(['active', 'ended']);
      const row = await lastCallOf(world.userId.agent1);
      expect(row).toMatchObject({ outcome: 'answered', ended_by: 'remote', interruptions: 0 });
      await context.close();
    } finally {
      uas.kill();
    }
  });
});

describe('a call across a change of network path', () => {
  it('interface A goes down mid-call: "Reconnecting…", audio again within 5 s over B, never ended, recorded', async () => {
    const uas = await runSippUas({ lab: world.lab, ...PSTN_USER, iceRestarts: true, timeoutMs: 30_000 });
    try {
      await uas.ready;
      const { page } = await openAgent(world, 'agent1', VIEWPORTS.desktop, {
        initScript: keepPeerConnections,
      });
      await poll(() => phoneStatus(page)).toMatch(/Phone: Registered/);
      expect(net.route()).toMatch(/dev pathA/);
      const trace = await startTrace(page);
      await dial(page, PSTN_NUMBER);
      await poll(() => callState(page)).toBe('active');
      // The echo comes back: audio flows before anything breaks.
      await poll(async () => (await trace()).bytes.at(-1)?.bytes ?? 0).toBeGreaterThan(4000);

      const downAt = Date.now();
      net.down('A');
      expect(net.route()).toMatch(/dev pathB/);
      await poll(() => callState(page), 5000).toBe('reconnecting');
      await screenshot(page, 'call-panel-reconnecting');
      await poll(() => callState(page), RECOVERY_BOUND_MS).toBe('active');
      // Audio flows again: the first sample after the break that grew by real audio (~125 ms of PCMU).
      await poll(async () => {
        const { bytes } = await trace();
        const stalled = bytes.filter((s) => s.t <= downAt + 300).at(-1)!.bytes;
        return bytes.some((s) => s.t > downAt && s.bytes > stalled + 1000);
      }, RECOVERY_BOUND_MS).toBe(true);
      const { bytes, panel } = await trace();
      const stalled = bytes.filter((s) => s.t <= downAt + 300).at(-1)!.bytes;
      const back = bytes.find((s) => s.t > downAt && s.bytes > stalled + 1000)!;
      expect(back.t - downAt, JSON.stringify(bytes.filter((s) => s.t > downAt - 500))).toBeLessThan(
        RECOVERY_BOUND_MS,
      );
      // And it keeps flowing.
      await poll(async () => (await trace()).bytes.at(-1)!.bytes).toBeGreaterThan(back.bytes + 4000);

      // The panel: the call, "Reconnecting…", the call again; never ended on its own.
      const states = panel.map((p) => p.state);
      const from = states.indexOf('active');
      expect(states.slice(from), JSON.stringify(panel)).toEqual(['active', 'reconnecting', 'active']);
      expect(panel.find((p) => p.state === 'reconnecting')?.text).toBe('Reconnecting…');
      // The phone re-registered over B (its old WebSocket went with A).
      await poll(() => phoneStatus(page)).toMatch(/Phone: Registered/);

      await page.getByTestId('call-hangup').click();
      const sipp = await uas.done;
      expect(sipp.exitCode, sipp.output.slice(-3000)).toBe(0);
      // The far end took the ICE restart's re-INVITE, then our BYE.
      expect(sipp.output).toMatch(/INVITE sip:[^\n]*SIP\/2\.0[\s\S]*INVITE sip:/);

      const row = await lastCallOf(world.userId.agent1);
      expect(row).toMatchObject({ outcome: 'answered', ended_by: 'local', interruptions: 1 });
      const interruptedAt = Date.parse(row.interrupted_at!);
      expect(interruptedAt).toBeGreaterThan(downAt);
      expect(interruptedAt).toBeLessThan(back.t);
      expect(row.recovered_after_ms).toBeGreaterThan(0);
      expect(row.recovered_after_ms!).toBeLessThan(RECOVERY_BOUND_MS);
    } finally {
      uas.kill();
    }
  });
});
