/**
 * The edges of calling through the real page (real server, Kamailio, Chromium with fake devices): the
 * Decline button, a call that rings while the agent is on the History page, switching the microphone in
 * the middle of a call, hanging up while the call's record is still being opened (a slow POST /api/calls,
 * held by the test), and an INVITE the phone refuses to send (the registration was lost while the record
 * was opening). Each is checked as the user sees it and in the call records.
 */
import type { Page, Route, WebSocket as PwWebSocket } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallRow } from '../../src/server/db/schema.js';
import {
  AGENT2_NUMBER,
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
import { screenshot } from './harness.js';

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

async function agent(who: 'agent1' | 'agent2'): Promise<AgentPage> {
  const a = await openAgent(world, who);
  agents.push(a);
  return a;
}

/** expect.poll with room for a loaded machine (a guard against a hang, not a speed limit). */
const poll = <T>(fn: () => T | Promise<T>, timeout = 15_000) => expect.poll(fn, { timeout });

const waitRegistered = (page: Page) => poll(() => phoneStatus(page)).toMatch(/Phone: Registered/);

async function callsOf(userId: string, remote: string): Promise<CallRow[]> {
  return world.server.services.db
    .selectFrom('calls')
    .selectAll()
    .where('user_id', '=', userId)
    .where('remote_number', '=', remote)
    .orderBy('started_at', 'desc')
    .execute();
}

/** The outcome of the newest record of `userId`'s calls with `remote`, once it is closed. */
async function closedRecord(userId: string, remote: string, after: number): Promise<CallRow> {
  let row: CallRow | undefined;
  await poll(async () => {
    row = (await callsOf(userId, remote)).find((c) => Date.parse(c.started_at) >= after && c.ended_at);
    return row !== undefined;
  }).toBe(true);
  return row!;
}

/** agent1 (Chicago) and agent2 (SF Overflow, reached at AGENT2_NUMBER), both registered. */
async function pair(): Promise<[Page, Page]> {
  const [a1, a2] = [await agent('agent1'), await agent('agent2')];
  await chooseConnection(a2.page, 'SF Overflow SIP');
  await Promise.all([waitRegistered(a1.page), waitRegistered(a2.page)]);
  return [a1.page, a2.page];
}

/** SIP requests the page sent on its WebSockets, by method, from now on. */
function sentSip(page: Page): string[] {
  const methods: string[] = [];
  const watch = (ws: PwWebSocket): void => {
    ws.on('framesent', (f) => {
      const text = typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8');
      const method = /^([A-Z]+) sip:/.exec(text)?.[1];
      if (method) methods.push(method);
    });
  };
  page.on('websocket', watch);
  return methods;
}

/** Holds every POST /api/calls of the page until the test lets it through. */
async function holdCallRecords(page: Page): Promise<{ held: () => number; release: () => Promise<void> }> {
  const held: Route[] = [];
  await page.route('**/api/calls', (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    held.push(route);
    return undefined;
  });
  return {
    held: () => held.length,
    release: async () => {
      await page.unroute('**/api/calls');
      for (const r of held.splice(0)) await r.continue();
    },
  };
}

const toastText = (page: Page) =>
  page
    .locator('.p-toast-message')
    .allInnerTexts()
    .then((t) => t.join(' | '));

describe('calling edges in the page', () => {
  it('Decline on an incoming call: the dialog closes, the caller hears it declined, both records say so', async () => {
    const [p1, p2] = await pair();
    const since = Date.now() - 1000;
    await dial(p1, AGENT2_NUMBER);
    const dialog = p2.getByRole('dialog', { name: 'Incoming call' });
    await dialog.waitFor();
    await poll(() => callState(p1)).toBe('ringing');
    await dialog.getByRole('button', { name: 'Decline' }).click();
    await dialog.waitFor({ state: 'detached' });
    await poll(() => callState(p1)).toBe('ended');
    expect(await p1.getByTestId('call-state').textContent()).toMatch(/declined/i);
    // agent2's page is back to dialling: no live call on screen.
    expect(await callState(p2)).not.toMatch(/ringing|active/);

    const out = await closedRecord(world.userId.agent1, AGENT2_NUMBER, since);
    expect(out).toMatchObject({ direction: 'outbound', outcome: 'rejected', answered_at: null });
    const inb = await closedRecord(world.userId.agent2, '+13125550100', since);
    expect(inb).toMatchObject({ direction: 'inbound', outcome: 'rejected', answered_at: null });
  });

  it('a call ringing while the agent is on the History page: the dialog shows there, Answer opens the dialer', async () => {
    const [p1, p2] = await pair();
    await p2.getByRole('link', { name: 'History' }).click();
    await p2.waitForURL('**/history');
    await p2.getByTestId('history-table').waitFor();
    await dial(p1, AGENT2_NUMBER);
    const dialog = p2.getByRole('dialog', { name: 'Incoming call' });
    await dialog.waitFor();
    expect(new URL(p2.url()).pathname).toBe('/history');
    expect(await p2.getByTestId('incoming-caller').textContent()).toContain('+1 312 555 0100');
    await p2.waitForTimeout(300); // the dialog's enter animation
    await screenshot(p2, 'calling-incoming-on-history-desktop', { fullPage: false });
    await dialog.getByRole('button', { name: 'Answer' }).click();
    await p2.waitForURL((url) => url.pathname === '/');
    await poll(() => callState(p2)).toBe('active');
    await poll(() => callState(p1)).toBe('active');
    await p2.getByTestId('call-hangup').click();
    await poll(() => callState(p1)).toBe('ended');
  });

  it('switching the microphone mid-call sends the chosen device and keeps the call and its audio', async () => {
    const [p1, p2] = await pair();
    // Record each track the page puts on a live sender (the device switch uses replaceTrack).
    await p1.evaluate(() => {
      const w = window as unknown as { __replaced: string[] };
      w.__replaced = [];
      const original = RTCRtpSender.prototype.replaceTrack;
      RTCRtpSender.prototype.replaceTrack = function (track) {
        w.__replaced.push(track ? `${track.kind}:${track.label}:${track.readyState}` : 'none');
        return original.call(this, track);
      };
    });
    await dial(p1, AGENT2_NUMBER);
    const dialog = p2.getByRole('dialog', { name: 'Incoming call' });
    await dialog.getByRole('button', { name: 'Answer' }).click();
    await poll(() => callState(p1)).toBe('active');
    await poll(async () => (await shownBytes(p2)).received).toBeGreaterThan(0);

    await p1.getByTestId('audio-settings').click();
    const settings = p1.getByRole('dialog', { name: 'Audio devices' });
    await settings.waitFor();
    await p1.getByRole('combobox', { name: 'Microphone' }).click();
    const options = p1.getByRole('option');
    await poll(() => options.count()).toBeGreaterThan(1);
    const chosen = (await options.nth(1).getAttribute('aria-label')) ?? '';
    expect(chosen).not.toBe('');
    await options.nth(1).click();
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.waitFor({ state: 'detached' });

    await poll(() => p1.evaluate(() => (window as unknown as { __replaced: string[] }).__replaced)).toEqual([
      `audio:${chosen}:live`,
    ]);
    expect(await callState(p1)).toBe('active');
    const before = (await shownBytes(p2)).received;
    await poll(async () => (await shownBytes(p2)).received).toBeGreaterThan(before);
    await p1.getByTestId('call-hangup').click();
    await poll(() => callState(p2)).toBe('ended');
  });

  it('hanging up while the call record is still opening: no INVITE, back to idle, the record closed as cancelled', async () => {
    const { page } = await agent('agent1');
    await waitRegistered(page);
    const sip = sentSip(page);
    const records = await holdCallRecords(page);
    const since = Date.now() - 1000;
    await dial(page, '+13125550177');
    await poll(() => records.held()).toBe(1);
    expect(await callState(page)).toBe('dialing');
    await page.getByTestId('call-hangup').click();
    await records.release();

    const row = await closedRecord(world.userId.agent1, '+13125550177', since);
    expect(row).toMatchObject({ outcome: 'cancelled', answered_at: null });
    await poll(() => page.getByTestId('call-panel').count()).toBe(0);
    // The INVITE would have left right after the record opened, before the record was closed.
    expect(sip).not.toContain('INVITE');
    expect(await toastText(page)).toBe('');
  });

  it('an INVITE the phone refuses (registration lost while the record opened): a plain message, idle, the record closed as failed', async () => {
    const { page } = await agent('agent1');
    await waitRegistered(page);
    const sip = sentSip(page);
    const records = await holdCallRecords(page);
    const since = Date.now() - 1000;
    await dial(page, '+13125550178');
    await poll(() => records.held()).toBe(1);
    await world.lab.stopKamailio();
    try {
      await poll(() => phoneStatus(page)).toMatch(/Reconnecting/);
      await records.release();
      await poll(() => toastText(page)).toMatch(/Call not placed/);
      expect(await toastText(page)).toMatch(/not registered|reconnect/i);
      expect(await toastText(page)).not.toMatch(/Error:|undefined|\bat\b .*\.js/);
      await poll(() => page.getByTestId('call-panel').count()).toBe(0);
      expect(await page.getByTestId('call-button').isVisible()).toBe(true);
      const row = await closedRecord(world.userId.agent1, '+13125550178', since);
      expect(row).toMatchObject({ outcome: 'failed', answered_at: null });
      expect(row.hangup_cause).toMatch(/not registered|reconnect/i);
      expect(sip).not.toContain('INVITE');
      await screenshot(page, 'calling-invite-refused-desktop', { fullPage: false });
    } finally {
      await world.lab.startKamailio();
    }
    await waitRegistered(page);
  });
});
