/**
 * The caller-ID check before anything leaves (issue 14, speed): the page sends an INVITE only once the
 * server has approved this user's caller ID on this connection. With an approval given ahead (when the
 * caller ID was chosen), the INVITE leaves at once and the record opens alongside; without one, the
 * record opens first and the INVITE waits for it; a record the server refuses after all hangs the call
 * up. Real page, real server, Kamailio, Chromium; the server's answers are held back with page.route.
 */
import type { Page, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AGENT2_NUMBER,
  openAgent,
  phoneStatus,
  startCallingWorld,
  type AgentPage,
  type CallingWorld,
} from './calling-world.js';

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

/** The INVITEs the page wrote on its SIP WebSocket, from now on. */
function invitesOf(page: Page): string[] {
  const sent: string[] = [];
  page.on('websocket', (ws) => {
    if (!ws.url().startsWith(world.lab.wsUrl)) return;
    ws.on('framesent', (f) => {
      if (typeof f.payload === 'string' && f.payload.startsWith('INVITE ')) sent.push(f.payload);
    });
  });
  return sent;
}

/** Holds every request to `url` (matching `method`) until released; records their bodies. */
async function holdRequests(page: Page, url: string, method: string) {
  const held: Route[] = [];
  const bodies: Record<string, unknown>[] = [];
  await page.route(url, async (route) => {
    if (route.request().method() !== method) return route.fallback();
    bodies.push(route.request().postDataJSON() as Record<string, unknown>);
    held.push(route);
  });
  return {
    held,
    bodies,
    releaseAll: async () => {
      await page.unroute(url);
      // Requests of a page reloaded since are gone; the rest go on to the server.
      for (const r of held.splice(0)) {
        try {
          await r.continue();
        } catch {
          // already answered or gone with its page
        }
      }
    },
  };
}

async function openRegistered(who: 'agent1' | 'agent2'): Promise<AgentPage & { invites: string[] }> {
  const a = await openAgent(world, who);
  agents.push(a);
  const invites = invitesOf(a.page);
  return { ...a, invites };
}

const LIVE = /dialing|ringing|early_media|active|held/;

/** No live call on the page (no panel, or an ended one). */
async function callOver(page: Page): Promise<boolean> {
  const state = await page
    .getByTestId('call-panel')
    .getAttribute('data-state', { timeout: 500 })
    .catch(() => null);
  return state === null || !LIVE.test(state);
}

async function reloadRegistered(page: Page): Promise<void> {
  await page.reload();
  await poll(() => phoneStatus(page)).toMatch(/Phone: Registered/);
}

describe('the caller-ID check before the INVITE', () => {
  it('without an approval nothing is sent until the record is opened; with one the INVITE does not wait for it', async () => {
    const { page, invites } = await openRegistered('agent1');

    // No approval (its request never answers): the call waits for the record, and nothing leaves meanwhile.
    const approvals = await holdRequests(page, '**/api/calls/approvals', 'POST');
    await reloadRegistered(page);
    await poll(() => approvals.held.length).toBeGreaterThan(0);
    const records = await holdRequests(page, '**/api/calls', 'POST');
    await page.getByLabel('Number to call').fill(AGENT2_NUMBER);
    await page.getByTestId('call-button').click();
    await poll(() => records.held.length).toBe(1);
    expect(records.bodies[0]).not.toHaveProperty('approval');
    await page.waitForTimeout(1500);
    expect(invites).toEqual([]);
    await records.releaseAll();
    // (Kamailio asks for credentials: JsSIP sends the INVITE again with them, so count "some".)
    await poll(() => invites.length).toBeGreaterThan(0);
    // agent2 is not registered: the call ends by itself (before the reload, which a live call would hold up).
    await poll(() => callOver(page)).toBe(true);

    // The approval arrives when the phone is registered; the record is held back, the INVITE is not.
    await approvals.releaseAll();
    const approved = page.waitForResponse(
      (r) =>
        r.url().endsWith('/api/calls/approvals') && r.request().method() === 'POST' && r.status() === 201,
    );
    await reloadRegistered(page);
    await approved;
    const later = await holdRequests(page, '**/api/calls', 'POST');
    const before = invites.length;
    await page.getByLabel('Number to call').fill(AGENT2_NUMBER);
    await page.getByTestId('call-button').click();
    await poll(() => invites.length).toBeGreaterThan(before);
    expect(later.held.length).toBe(1);
    expect(typeof later.bodies[0]!.approval).toBe('string');
    await later.releaseAll();
    // The record opened with the id its approval named, on the chosen connection and caller ID.
    await poll(async () => {
      const rows = await world.server.services.db
        .selectFrom('calls')
        .select(['id', 'remote_number', 'caller_number'])
        .where('user_id', '=', world.userId.agent1)
        .where('remote_number', '=', AGENT2_NUMBER)
        .execute();
      return rows.length;
    }).toBe(2);
  });

  it('a record the server refuses after the INVITE left hangs the call up and says why', async () => {
    const callee = await openRegistered('agent2');
    await poll(() => phoneStatus(callee.page)).toMatch(/Phone: Registered/);
    const { page } = await openRegistered('agent1');
    const approved = page.waitForResponse(
      (r) =>
        r.url().endsWith('/api/calls/approvals') && r.request().method() === 'POST' && r.status() === 201,
    );
    await reloadRegistered(page);
    await approved;
    // The server refuses the record (as it does when the number was unassigned since it approved it).
    await page.route('**/api/calls', (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 422,
            contentType: 'application/json',
            body: JSON.stringify({
              error: {
                code: 'CALLER_ID_NOT_ASSIGNED',
                message:
                  'This number is no longer assigned to this connection. Choose one of its assigned numbers as caller ID.',
              },
            }),
          })
        : route.fallback(),
    );
    await page.getByLabel('Number to call').fill(AGENT2_NUMBER);
    await page.getByTestId('call-button').click();
    await expect
      .poll(() => page.getByText('This number is no longer assigned to this connection.').count())
      .toBeGreaterThan(0);
    await poll(() => callOver(page)).toBe(true);
    // The callee's phone stops ringing: the call was cancelled.
    await poll(() => callee.page.getByTestId('incoming-call').count()).toBe(0);
  });
});
