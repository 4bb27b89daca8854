/**
 * An incoming call away from the dialer, Decline, and a microphone switched mid-call, through the real
 * page: the real server, Kamailio with rtpengine, Chromium with fake microphones (see calling-world.ts).
 * What each step must show a user: the call rings on whatever page is open, Decline ends it for both
 * sides with the caller told why, both records say so, and a microphone chosen during a call is the one
 * the other side hears from then on.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallRow } from '../../src/server/db/schema.js';
import { runSippUas, sippCall } from '../lab/sip-lab.js';
import {
  AGENT2_NUMBER,
  PSTN_NUMBER,
  PSTN_USER,
  callState,
  chooseConnection,
  dial,
  openAgent,
  phoneStatus,
  shownBytes,
  startCallingWorld,
  type AgentPage,
  type CallingWorld,
} from './calling-world.js';
import { screenshot, VIEWPORTS } from './harness.js';

let world: CallingWorld;
const agents: AgentPage[] = [];

beforeAll(async () => {
  world = await startCallingWorld();
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

afterEach(async () => {
  for (const a of agents.splice(0)) await a.context.close().catch(() => undefined);
});

const poll = <T>(fn: () => T | Promise<T>, timeout = 10_000) => expect.poll(fn, { timeout });

async function agent(who: 'agent1' | 'agent2'): Promise<AgentPage> {
  const a = await openAgent(world, who);
  agents.push(a);
  await poll(() => phoneStatus(a.page)).toMatch(/Phone: Registered/);
  return a;
}

async function goTo(page: Page, link: 'History' | 'Dialer'): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
  await page.getByRole('heading', { name: link, level: 1 }).waitFor();
}

async function lastCallOf(userId: string, remote: string): Promise<CallRow | undefined> {
  const rows = await world.server.services.db
    .selectFrom('calls')
    .selectAll()
    .where('user_id', '=', userId)
    .where('remote_number', '=', remote)
    .orderBy('started_at', 'desc')
    .execute();
  return rows[0];
}

/** agent2's page, on the connection that agent1's call to (617) 555-0150 rings, showing History. */
async function agent2OnHistory(): Promise<Page> {
  const { page } = await agent('agent2');
  await chooseConnection(page, 'SF Overflow SIP');
  await poll(() => phoneStatus(page)).toMatch(/Phone: Registered/);
  await goTo(page, 'History');
  return page;
}

describe('an incoming call away from the dialer', () => {
  it('rings on History; Decline ends it for both, the caller hears why, both records say rejected', async () => {
    const { page: p1 } = await agent('agent1');
    const p2 = await agent2OnHistory();

    await dial(p1, '(617) 555-0150');
    const dialog = p2.getByRole('dialog', { name: 'Incoming call' });
    await dialog.waitFor();
    expect(new URL(p2.url()).pathname).toBe('/history');
    expect(await p2.getByTestId('incoming-caller').textContent()).toContain('+1 312 555 0100');
    await poll(() => callState(p1)).toBe('ringing');
    await p2.waitForTimeout(300); // the dialog's enter animation
    await screenshot(p2, 'calling-incoming-on-history-desktop', { fullPage: false });

    await dialog.getByRole('button', { name: 'Decline' }).click();
    await dialog.waitFor({ state: 'detached' });
    // agent2 stays where they were; agent1's panel says the call was refused and by what code.
    expect(new URL(p2.url()).pathname).toBe('/history');
    await poll(() => callState(p1)).toBe('ended');
    expect(await p1.getByTestId('call-state').textContent()).toContain('Call rejected (603)');

    await poll(async () => (await lastCallOf(world.userId.agent1, AGENT2_NUMBER))?.outcome).toBe('rejected');
    expect(await lastCallOf(world.userId.agent1, AGENT2_NUMBER)).toMatchObject({
      sip_code: 603,
      ended_by: 'remote',
      answered_at: null,
    });
    await poll(async () => (await lastCallOf(world.userId.agent2, '+13125550100'))?.outcome).toBe('rejected');
    expect(await lastCallOf(world.userId.agent2, '+13125550100')).toMatchObject({
      direction: 'inbound',
      sip_code: 603,
      ended_by: 'local',
    });
    // History, which agent2 is looking at, lists the declined call without a reload.
    await poll(() => p2.locator('main').textContent()).toContain('+1 312 555 0100');
  });

  it('answered from History, it opens the dialer; a microphone chosen mid-call is the one that is heard', async () => {
    const a1 = await agent('agent1');
    const p1 = a1.page;
    // Test instrumentation only: keep the page's peer connections and microphone tracks reachable, to read
    // the sender's device and whether the microphone is still open (the browser's "in use" light).
    await a1.context.addInitScript(() => {
      const w = window as unknown as { __pcs: RTCPeerConnection[]; __mics: MediaStreamTrack[] };
      w.__mics = [];
      const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = async (constraints) => {
        const stream = await getUserMedia(constraints);
        w.__mics.push(...stream.getAudioTracks());
        return stream;
      };
      const Native = window.RTCPeerConnection;
      const seen: RTCPeerConnection[] = [];
      w.__pcs = seen;
      window.RTCPeerConnection = class extends Native {
        constructor(config?: RTCConfiguration) {
          super(config);
          seen.push(this);
        }
      };
    });
    await p1.reload();
    await poll(() => phoneStatus(p1)).toMatch(/Phone: Registered/);
    const p2 = await agent2OnHistory();

    await dial(p1, '(617) 555-0150');
    const dialog = p2.getByRole('dialog', { name: 'Incoming call' });
    await dialog.getByRole('button', { name: 'Answer' }).click();
    await p2.waitForURL((url) => url.pathname === '/');
    await poll(() => callState(p2)).toBe('active');
    await poll(() => callState(p1)).toBe('active');
    await poll(async () => (await shownBytes(p2)).received).toBeGreaterThan(0);

    const senderDevice = () =>
      p1.evaluate(() => {
        const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
        const sender = pcs
          .filter((pc) => pc.connectionState !== 'closed')
          .flatMap((pc) => pc.getSenders())
          .find((s) => s.track?.kind === 'audio');
        return sender?.track?.getSettings().deviceId ?? null;
      });
    const before = await senderDevice();
    expect(before).not.toBeNull();

    // Mid-call, agent1 picks another microphone in Audio devices and saves.
    await p1.getByTestId('audio-settings').click();
    const settings = p1.getByRole('dialog', { name: 'Audio devices' });
    await settings.waitFor();
    // The selects open once the devices are listed (a press while they load does nothing, as for a user).
    await poll(() => settings.locator('[aria-busy]').getAttribute('aria-busy')).toBe('false');
    await p1.getByRole('combobox', { name: 'Microphone' }).click();
    const options = p1.getByRole('option');
    await poll(() => options.count()).toBeGreaterThan(2);
    // The first option is "System default"; take a named device that is not the one in use.
    const ids = await p1.evaluate(async () =>
      (await navigator.mediaDevices.enumerateDevices())
        .filter((d) => d.kind === 'audioinput')
        .map((d) => ({ id: d.deviceId, label: d.label })),
    );
    const target = ids.find((d) => d.id !== 'default' && d.id !== before);
    expect(target, JSON.stringify(ids)).toBeDefined();
    await p1.getByRole('option', { name: target!.label, exact: true }).click();
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.waitFor({ state: 'detached' });

    // The call goes on, now carrying the chosen microphone, and agent2 keeps receiving audio.
    await poll(senderDevice).toBe(target!.id);
    expect(await callState(p1)).toBe('active');
    const heard = (await shownBytes(p2)).received;
    await poll(async () => (await shownBytes(p2)).received).toBeGreaterThan(heard);

    await p1.getByTestId('call-hangup').click();
    await poll(() => callState(p2)).toBe('ended');
    // Every microphone the call opened, the first and the switched-to one, is closed again.
    const openMics = () =>
      p1.evaluate(() =>
        (window as unknown as { __mics: MediaStreamTrack[] }).__mics
          .filter((t) => t.readyState === 'live')
          .map((t) => t.label),
      );
    expect((await p1.evaluate(() => (window as unknown as { __mics: unknown[] }).__mics.length)) >= 2).toBe(
      true,
    );
    await poll(openMics).toEqual([]);
  });
});

/** The INVITEs SIPp received, in order (its message log): each one's SDP direction. */
function invitesSeen(output: string): string[] {
  return output
    .split(/message received \[\d+\] bytes :\s*/)
    .slice(1)
    .filter((m) => m.startsWith('INVITE '))
    .map((m) => /a=(sendrecv|sendonly|recvonly|inactive)/.exec(m)?.[1] ?? 'none');
}

describe('a second call during a call (call waiting)', () => {
  it('rings as a call waiting; answered, the first is held; switch back; hang up both; both in History', async () => {
    // The first call: agent1 calls the SIPp UAS, which will be put on hold and resumed.
    const uas = await runSippUas({
      lab: world.lab,
      ...PSTN_USER,
      timeoutMs: 40_000,
      reinvites: ['hold', 'resume'],
    });
    try {
      await uas.ready;
      const { page } = await agent('agent1');
      await dial(page, PSTN_NUMBER);
      await poll(() => callState(page)).toBe('active');

      // A caller (SIPp UAC) rings agent1's number meanwhile.
      const caller = sippCall({
        lab: world.lab,
        from: PSTN_USER.username,
        password: PSTN_USER.password,
        to: '+13125550100',
        rtpEcho: true,
        reinvites: ['hold'],
        byeFromCallee: true,
        timeoutMs: 40_000,
        extraHeaders: ['P-Asserted-Identity: <sip:+14155550123@carrier.test;user=phone>'],
      });
      const dialog = page.getByRole('dialog', { name: 'Call waiting' });
      await dialog.waitFor();
      expect(await page.getByTestId('incoming-caller').textContent()).toContain('+1 415 555 0123');
      expect(await page.getByTestId('incoming-waiting').textContent()).toContain(
        'Answering puts your call with +1 312 555 0142 on hold',
      );
      // The call in progress goes on meanwhile.
      expect(await callState(page)).toBe('active');
      await page.waitForTimeout(300); // the dialog's enter animation
      await screenshot(page, 'calling-waiting-dialog-desktop', { fullPage: false });

      await dialog.getByRole('button', { name: 'Answer' }).click();
      await dialog.waitFor({ state: 'detached' });
      const panel = page.getByTestId('call-panel');
      const line = panel.getByTestId('call-line');
      await poll(() => panel.getByTestId('call-remote').textContent()).toContain('+1 415 555 0123');
      await poll(() => callState(page)).toBe('active');
      expect(await line.getAttribute('data-state')).toBe('held');
      expect(await line.getByTestId('call-line-remote').textContent()).toContain('+1 312 555 0142');
      await poll(async () => (await shownBytes(page)).received).toBeGreaterThan(0);
      await screenshot(page, 'calling-two-calls-desktop', { fullPage: false });
      await page.setViewportSize(VIEWPORTS.phone);
      // At phone width the audio-devices button sits in the panel's corner: the held call's card (and its
      // Switch button) must stay clear of it.
      const gear = (await page.getByTestId('audio-settings').boundingBox())!;
      const card = (await line.boundingBox())!;
      const overlaps =
        gear.x < card.x + card.width &&
        card.x < gear.x + gear.width &&
        gear.y < card.y + card.height &&
        card.y < gear.y + gear.height;
      expect(overlaps, 'the held call card is under the audio-devices button').toBe(false);
      await screenshot(page, 'calling-two-calls-phone', { fullPage: false });
      await page.setViewportSize(VIEWPORTS.desktop);

      // Switch back to the first call: the second is held, the first resumed.
      await line.getByTestId('call-line-switch').click();
      await poll(() => panel.getByTestId('call-remote').textContent()).toContain('+1 312 555 0142');
      await poll(() => callState(page)).toBe('active');
      await poll(() => line.getAttribute('data-state')).toBe('held');
      expect(await line.getByTestId('call-line-remote').textContent()).toContain('+1 415 555 0123');

      // Hang up both: the held call is shown once the first is gone, on hold until ended.
      await page.getByTestId('call-hangup').click();
      await poll(() => panel.getByTestId('call-remote').textContent()).toContain('+1 415 555 0123');
      expect(await callState(page)).toBe('held');
      await page.getByTestId('call-hangup').click();
      await poll(() => callState(page)).toBe('ended');

      // What the SIP peers saw: hold (sendonly) then resume on the first call, hold on the second.
      const [first, second] = await Promise.all([uas.done, caller]);
      expect(first.exitCode, first.output.slice(-3000)).toBe(0);
      expect(second.exitCode, second.output.slice(-3000)).toBe(0);
      expect(invitesSeen(first.output)).toEqual(['sendrecv', 'sendonly', 'sendrecv']);
      expect(invitesSeen(second.output)).toEqual(['sendonly']);

      // Both calls recorded, answered; History lists both.
      await poll(async () => (await lastCallOf(world.userId.agent1, PSTN_NUMBER))?.outcome).toBe('answered');
      await poll(async () => (await lastCallOf(world.userId.agent1, '+14155550123'))?.outcome).toBe(
        'answered',
      );
      expect(await lastCallOf(world.userId.agent1, '+14155550123')).toMatchObject({
        direction: 'inbound',
        ended_by: 'local',
      });
      await goTo(page, 'History');
      await poll(() => page.locator('main').textContent()).toContain('+1 415 555 0123');
      expect(await page.locator('main').textContent()).toContain('+1 312 555 0142');
    } finally {
      uas.kill();
    }
  });
});
