/**
 * The dialer page in a real browser (Debian's Chromium) against the real server on a seeded SQLite
 * database: login, connections and caller IDs from the database, validation, the source toggle, a
 * keyboard-only path, an axe check, and screenshots of every page at desktop and phone width
 * (test-results/screenshots/).
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { CallDto, ConnectionListDto } from '../../src/shared/api.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  apiAs,
  DEMO_TRUNKS,
  DEMO_USERS,
  type DialerServer,
  VIEWPORTS,
  ensureWebBuild,
  launchBrowser,
  loginAs,
  newPage,
  pressWhenSettled,
  screenshot,
  startDialerServer,
} from './harness.js';

const { agent1, agent2 } = DEMO_USERS;

let server: DialerServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  ensureWebBuild();
  server = await startDialerServer();
  // The demo seed no longer invents health; record what the health job would have measured, so the page
  // shows a measured state for each demo connection.
  const checkedAt = new Date(Date.now() - 60_000).toISOString();
  const db = server.database.handle.db;
  await db
    .updateTable('sip_trunks')
    .set({
      health_status: 'up',
      health_latency_ms: 18,
      health_checked_at: checkedAt,
      health_message: 'OPTIONS 200 OK',
    })
    .where('name', '=', 'Chicago Office SIP')
    .execute();
  await db
    .updateTable('sip_trunks')
    .set({
      health_status: 'degraded',
      health_latency_ms: 420,
      health_checked_at: checkedAt,
      health_message: 'slow answers',
    })
    .where('name', '=', 'Telnyx US East')
    .execute();
  // Every page of this suite fails to register with Chicago (nobody runs its WebSocket server) and tells
  // the server so; keep the recorded state through those reports (live-health.e2e tests the rules' way).
  const adminId = (
    await db.selectFrom('users').select('id').where('role', '=', 'admin').executeTakeFirstOrThrow()
  ).id;
  await server.services.health.updateThresholds(adminId, { failuresBeforeDown: 100 });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async () => {
  await context?.close();
});

async function open(viewport: { width: number; height: number } = VIEWPORTS.desktop): Promise<Page> {
  ({ context, page } = await newPage(browser, server.url, viewport));
  return page;
}

const connectionCombo = (p: Page) => p.getByRole('combobox', { name: 'Connection' });
const callerIdCombo = (p: Page) => p.getByRole('combobox', { name: 'Caller ID' });
const blockers = (p: Page) => p.getByTestId('call-blockers').locator('li');
/** Which controls the Call button's reasons point at, in order. */
const blockerFields = (p: Page) =>
  blockers(p).evaluateAll((els) => els.map((e) => e.getAttribute('data-field')));
/** The phone's reason: its wording belongs to the calling feature, so tests only check it is there. */
const phoneBlocker = (p: Page) =>
  p.getByTestId('call-blockers').locator('li[data-field="phone"]').textContent();

async function optionNames(p: Page, combo: ReturnType<typeof connectionCombo>): Promise<string[]> {
  await combo.click();
  const listbox = p.getByRole('listbox');
  await listbox.waitFor();
  const names = await listbox
    .getByRole('option')
    .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  await p.keyboard.press('Escape');
  await listbox.waitFor({ state: 'detached' });
  return names;
}

async function choose(p: Page, combo: ReturnType<typeof connectionCombo>, name: RegExp): Promise<void> {
  await combo.click();
  await p.getByRole('option', { name }).click();
  await p.getByRole('listbox').waitFor({ state: 'detached' });
}

describe('login', () => {
  it('refuses a wrong password with the server’s message, then logs in', async () => {
    const p = await open();
    await p.goto('/');
    await p.waitForURL('**/login');
    await p.getByLabel('Email').fill(agent1.email);
    await p.getByLabel('Password').fill('not-the-password');
    await p.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => p.getByTestId('login-error').textContent()).toMatch(/\S/);
    expect(p.url()).toContain('/login');

    await p.getByLabel('Password').fill(agent1.password);
    await p.getByRole('button', { name: 'Log in' }).click();
    await p.waitForURL((url) => url.pathname === '/');
    await expect.poll(() => p.getByTestId('status-user').textContent()).toContain('Alex Agent');
  });

  it('returns to the page asked for after logging in, and logs out', async () => {
    const p = await open();
    await p.goto('/history');
    await p.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('redirect') === '/history');
    await p.getByLabel('Email').fill(agent1.email);
    await p.getByLabel('Password').fill(agent1.password);
    await p.keyboard.press('Enter');
    await p.waitForURL('**/history');
    await p.getByRole('heading', { name: 'Call history', level: 1 }).waitFor();

    await p.getByRole('button', { name: 'Log out' }).click();
    await p.waitForURL('**/login');
    await expect.poll(() => p.getByTestId('login-notice').textContent()).toContain('You have logged out.');
    await p.goto('/');
    await p.waitForURL('**/login');
  });

  it('sends the user back to login with a message when the session expires', async () => {
    const p = await open();
    await loginAs(p, agent1.email, agent1.password);
    await context.clearCookies(); // the server no longer knows this browser: the next request gets 401
    // Any request now ends the session on the page (the phone may already be asking for its registration):
    // ask for the Telnyx list, unless the page has left for the login form already.
    await p
      .getByRole('button', { name: 'Telnyx API' })
      .click({ timeout: 2000 })
      .catch(() => undefined);
    await p.waitForURL('**/login**');
    await expect
      .poll(() => p.getByTestId('login-notice').textContent())
      .toContain('Your session has expired, please log in again.');
    await p.waitForTimeout(600); // the message's enter transition
    await screenshot(p, 'login-session-expired-desktop');
  });
});

describe('the dialer page', () => {
  it('selects the first connection and its primary number on load', async () => {
    const p = await open();
    await loginAs(p, agent1.email, agent1.password);
    await expect.poll(() => connectionCombo(p).textContent()).toContain('Chicago Office SIP');
    expect(await callerIdCombo(p).textContent()).toContain('+1 312 555 0100');
    expect(await callerIdCombo(p).textContent()).toMatch(/primary/i);
    await expect
      .poll(() => p.getByTestId('source-status').textContent())
      .toMatch(/Database: 2 connections, loaded at/);
    expect(await p.getByTestId('status-source').textContent()).toContain('Database · 2 connections');
    // The demo trunk's phone server is not reachable: the phone tries, then says why (calling.e2e covers success).
    await expect
      .poll(() => p.getByTestId('status-phone').innerText())
      .toMatch(/Phone:\s*(Registering…|Registration failed)/);
    await screenshot(p, 'dialer-desktop');
  });

  it('shows each connection with its provider and health in words', async () => {
    const p = await open();
    await loginAs(p, agent1.email, agent1.password);
    expect(await optionNames(p, connectionCombo(p))).toEqual([
      'Chicago Office SIP, SIP, health up',
      'Telnyx US East, Telnyx, health degraded',
    ]);
    await connectionCombo(p).click();
    await p.getByRole('listbox').waitFor();
    const degraded = p.getByRole('option', { name: /Telnyx US East/ });
    expect(await degraded.textContent()).toContain('Degraded');
    await p.waitForTimeout(400); // let the overlay's fade-in finish
    await screenshot(p, 'dialer-connection-open-desktop', { fullPage: false });
    await p.keyboard.press('Escape');
  });

  it('repopulates the caller IDs from loaded data when the connection changes', async () => {
    const p = await open();
    await loginAs(p, agent1.email, agent1.password);
    expect(await optionNames(p, callerIdCombo(p))).toEqual([
      'Auto (local match)',
      '+1 312 555 0100 (Primary)',
      '+1 312 555 0101 (Secondary)',
      '+1 312 555 0102 (Backup)',
    ]);

    const apiCalls: string[] = [];
    p.on('request', (r) => {
      // Switching re-registers the phone with the new connection; the lists come from loaded data.
      if (r.url().includes('/api/') && !r.url().endsWith('/registration')) apiCalls.push(r.url());
    });
    await choose(p, connectionCombo(p), /Telnyx US East/);
    await expect.poll(() => callerIdCombo(p).textContent()).toContain('+1 212 555 0110');
    expect(await optionNames(p, callerIdCombo(p))).toEqual([
      'Auto (local match)',
      '+1 212 555 0110 (Primary)',
      '+1 212 555 0111 (Secondary)',
      '+1 800 555 0120 (Backup)',
    ]);
    expect(await p.getByTestId('connection-details').textContent()).toContain('Telnyx US East');
    expect(apiCalls).toEqual([]);
  });

  it('shows the connection’s details and never its password', async () => {
    const p = await open();
    const bodies: string[] = [];
    p.on('response', async (r) => {
      // The owner's registration answer is the one place a SIP password may go (see secrets.test.ts).
      if (r.url().includes('/api/') && !r.url().endsWith('/registration')) {
        bodies.push(await r.text().catch(() => ''));
      }
    });
    await loginAs(p, agent1.email, agent1.password);
    const details = p.getByTestId('connection-details');
    await expect.poll(() => details.textContent()).toContain('Chicago Office SIP');
    const field = async (key: string) =>
      (await details.locator(`[data-field="${key}"] dd`).textContent())?.trim();
    expect(await field('provider')).toBe('SIP');
    expect(await field('type')).toBe('Credential');
    expect(await field('sip-uri')).toBe('sip:agent1@dialer.local');
    expect(await field('ws-server')).toBe('ws://127.0.0.1:5066');
    expect(await field('region')).toBe('us-central');
    expect(await field('location')).toBe('Chicago, IL');
    expect(await field('channels')).toBe('10 channels');
    expect(await field('codecs')).toBe('opus, PCMU, PCMA');
    expect(await field('dtmf')).toContain('RFC 2833');
    // Up as recorded; the latency may already be gone: this browser cannot reach the demo's WebSocket
    // server and tells the server so (one failure of three before down), which the page hears live.
    expect(await field('health')).toContain('Up');
    expect(await field('health')).toMatch(/18 ms|demo phone system is not running/);
    expect(await field('last-check')).toMatch(/min ago|just now/);
    expect(await field('numbers')).toMatch(/\+1 312 555 0100.*\+1 312 555 0101.*\+1 312 555 0102/s);
    expect(await field('notes')).toContain('Main line of the Chicago office');

    const html = await p.content();
    for (const password of ['demo-sip-agent1', 'demo-telnyx-pass-1', agent1.password]) {
      expect(html).not.toContain(password);
      expect(bodies.join('\n')).not.toContain(password);
    }
    expect(await details.textContent()).not.toMatch(/password/i);
  });

  it('leaves out inactive and pending trunks and inactive assignments', async () => {
    const p = await open();
    await loginAs(p, agent1.email, agent1.password);
    const connections = (await optionNames(p, connectionCombo(p))).join('\n');
    expect(connections).not.toContain('London Legacy SIP'); // inactive trunk
    expect(connections).not.toContain('Telnyx Onboarding'); // pending trunk
    const numbers = (await optionNames(p, callerIdCombo(p))).join('\n');
    expect(numbers).not.toContain('+1 312 555 0103'); // inactive assignment
  });

  it('never shows another user’s connections', async () => {
    const activeOf = (owner: string) =>
      DEMO_TRUNKS.filter((t) => t.owner === owner && t.status === 'active')
        .map((t) => t.name)
        .sort();
    const shown = async () => (await optionNames(p, connectionCombo(p))).map((n) => n.split(',')[0]!).sort();
    const p = await open();
    await loginAs(p, agent2.email, agent2.password);
    expect(await shown()).toEqual(activeOf('agent2'));
    await p.getByRole('button', { name: 'Log out' }).click();
    await loginAs(p, agent1.email, agent1.password);
    expect(await shown()).toEqual(activeOf('agent1'));
    const names = (await shown()).join('\n');
    for (const trunk of DEMO_TRUNKS.filter((t) => t.owner !== 'agent1'))
      expect(names).not.toContain(trunk.name);
  });

  it('"Auto (local match)" shows, before calling, the connection’s number nearest the one typed', async () => {
    // Chicago gets a Boston number for the length of this test (the inventory's unassigned +1 617 555 0150).
    const admin = await apiAs(server.url, DEMO_USERS.admin.email, DEMO_USERS.admin.password);
    const db = server.database.handle.db;
    const trunk = await db
      .selectFrom('sip_trunks')
      .select('id')
      .where('name', '=', 'Chicago Office SIP')
      .executeTakeFirstOrThrow();
    const number = await db
      .selectFrom('phone_numbers')
      .select('id')
      .where('number', '=', '+16175550150')
      .executeTakeFirstOrThrow();
    const boston = await admin<{ id: string }>('POST', '/api/admin/assignments', {
      trunkId: trunk.id,
      phoneNumberId: number.id,
      assignmentType: 'backup',
    });
    try {
      for (const size of ['desktop', 'phone'] as const) {
        const p = await open(VIEWPORTS[size]);
        await loginAs(p, agent1.email, agent1.password);
        await choose(p, callerIdCombo(p), /^Auto \(local match\)$/);
        // Until there is a number, the first (primary) one, said to be no local match.
        await expect
          .poll(() => callerIdCombo(p).textContent())
          .toMatch(/Auto.*\+1 312 555 0100.*no local number/s);
        await p.getByLabel('Number to call').fill('617 555 1234');
        await expect.poll(() => callerIdCombo(p).textContent()).toMatch(/\+1 617 555 0150.*same area code/s);
        await screenshot(p, `dialer-caller-id-auto-${size}`, { fullPage: false });
        await p.getByLabel('Number to call').fill('213 555 0100');
        await expect.poll(() => callerIdCombo(p).textContent()).toMatch(/\+1 312 555 0100.*same country/s);
        // Picking a number by hand ends auto mode.
        await choose(p, callerIdCombo(p), /^\+1 312 555 0101/);
        await p.getByLabel('Number to call').fill('617 555 1234');
        await expect.poll(() => callerIdCombo(p).textContent()).toMatch(/\+1 312 555 0101/);
        expect(await callerIdCombo(p).textContent()).not.toMatch(/Auto/);
        await context.close();
      }
    } finally {
      await admin('DELETE', `/api/admin/assignments/${boston.id}`);
    }
  });
});

describe('validation before dialing', () => {
  it('explains a missing, short, invalid or tone-only destination next to the field and on the button', async () => {
    const p = await open();
    await loginAs(p, agent1.email, agent1.password);
    const input = p.getByLabel('Number to call');
    const error = p.getByTestId('dial-error');
    await expect.poll(() => blockerFields(p)).toEqual(['destination', 'phone']);
    expect(await blockers(p).first().textContent()).toBe('Enter the number to call.');
    expect(await phoneBlocker(p)).toMatch(/^Phone /);
    expect(await p.getByTestId('call-button').getAttribute('aria-disabled')).toBe('true');

    // aria-disabled, not disabled: the button stays focusable and explains itself; pressing it moves
    // focus to the reasons (newcomer.e2e covers the announcement), and the field shows its error.
    await pressWhenSettled(p, 'call-button');
    expect(await error.textContent()).toContain('Enter the number to call.');
    await expect.poll(() => p.evaluate(() => document.activeElement?.id)).toBe('call-blockers');

    await input.fill('5551234567');
    expect(await error.textContent()).toContain('Not a valid number in United States (+1).');
    expect(await input.getAttribute('aria-invalid')).toBe('true');

    await input.fill('*67');
    expect(await error.textContent()).toContain('send them as tones');

    await input.fill('31255501421');
    expect(await error.textContent()).toContain('Too long for a number in United States (+1).');
    await screenshot(p, 'dialer-invalid-number-desktop');

    await input.fill('312555');
    await input.blur();
    expect(await error.textContent()).toContain('Too short for a number in United States (+1).');

    await input.fill('');
    for (const key of '3125550142') await p.getByTestId(`key-${key}`).click();
    expect(await input.inputValue()).toBe('3125550142');
    await expect.poll(() => p.getByTestId('dial-preview').textContent()).toContain('+1 312 555 0142');
    expect(await input.getAttribute('aria-invalid')).toBeNull();
    expect(await blockerFields(p)).toEqual(['phone']);
  });

  it('normalises a pasted number', async () => {
    const p = await open();
    await loginAs(p, agent1.email, agent1.password);
    const input = p.getByLabel('Number to call');
    await input.focus();
    await p.evaluate(() => {
      const data = new DataTransfer();
      data.setData('text', 'tel:+44-20-7946-0958');
      document.activeElement?.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
      );
    });
    expect(await input.inputValue()).toBe('+442079460958');
    await expect.poll(() => p.getByTestId('dial-preview').textContent()).toContain('+44 20 7946 0958');
  });

  it('says so when no connection or no caller ID is chosen', async () => {
    const p = await open();
    await loginAs(p, agent1.email, agent1.password);
    await callerIdCombo(p).hover();
    await p.getByTestId('caller-id-clear').click();
    await expect
      .poll(() => p.getByTestId('caller-id-error').textContent())
      .toContain('No caller ID chosen: choose the number to call from.');
    expect(await blockers(p).first().textContent()).toBe(
      'No caller ID chosen: choose the number to call from.',
    );

    await connectionCombo(p).hover();
    await p.getByTestId('connection-clear').click();
    await expect
      .poll(() => p.getByTestId('connection-error').textContent())
      .toContain('No connection selected: choose the connection to call from.');
    expect(await blockers(p).first().textContent()).toBe(
      'No connection selected: choose the connection to call from.',
    );
    expect(await p.getByTestId('connection-details').textContent()).toContain(
      'Choose a connection to see its details.',
    );
  });

  it('explains why a connection without numbers cannot call', async () => {
    const p = await open();
    await loginAs(p, agent2.email, agent2.password);
    await choose(p, connectionCombo(p), /SF Overflow SIP/);
    const message =
      '“SF Overflow SIP” has no phone numbers assigned, so there is no caller ID to call from. Choose another connection or ask an admin to assign a number.';
    await expect.poll(() => p.getByTestId('caller-id-error').textContent()).toContain(message);
    expect(await callerIdCombo(p).textContent()).toContain('No numbers assigned');
    expect(await blockers(p).first().textContent()).toBe(message);
    await screenshot(p, 'dialer-no-numbers-desktop');
  });

  it('tells a user without connections that there is nothing to call from', async () => {
    await server.services.admin.users.create(
      { email: 'nobody@dialer.local', name: 'Nora Nobody', password: 'nobody-password-1', role: 'agent' },
      null,
    );
    const p = await open();
    await loginAs(p, 'nobody@dialer.local', 'nobody-password-1');
    await expect
      .poll(() => p.getByTestId('connection-error').textContent())
      .toContain('you have no active connections');
    expect(await connectionCombo(p).textContent()).toContain('No active connections');
  });
});

describe('click to call', () => {
  it('a tel: link opens the dialer with the number filled in, after login too, and dials nothing', async () => {
    const p = await open();
    const posts: string[] = [];
    p.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/api/calls')) posts.push(r.url());
    });
    // What Chromium opens for <a href="tel:+1 (617) 555-0150"> once the dialer handles tel: links.
    await p.goto(`/dial?to=${encodeURIComponent('tel:+1 (617) 555-0150')}`);
    await p.waitForURL((url) => url.pathname === '/login');
    await p.getByLabel('Email').fill(agent1.email);
    await p.getByLabel('Password').fill(agent1.password);
    await p.keyboard.press('Enter');
    await p.getByRole('heading', { name: 'Dialer', level: 1 }).waitFor();
    const input = p.getByLabel('Number to call');
    await expect.poll(() => input.inputValue()).toBe('+16175550150');
    expect(await p.getByTestId('link-notice').textContent()).toContain('press Call');
    expect(new URL(p.url()).search).toBe(''); // a reload does not fill it again
    await expect.poll(() => p.getByTestId('dial-preview').textContent()).toContain('+1 617 555 0150');
    await screenshot(p, 'dialer-click-to-call-desktop', { fullPage: false });
    await p.setViewportSize(VIEWPORTS.phone);
    await screenshot(p, 'dialer-click-to-call-phone', { fullPage: false });

    // A sip: link, already logged in; then one without a number.
    await p.goto(`/dial?to=${encodeURIComponent('sip:+442079460958@carrier.example;user=phone')}`);
    await expect.poll(() => input.inputValue()).toBe('+442079460958');
    await p.goto(`/dial?to=${encodeURIComponent('sip:alice@example.com')}`);
    await expect.poll(() => p.getByTestId('link-notice').textContent()).toContain('no phone number');
    expect(await p.getByTestId('call-panel').count()).toBe(0);
    expect(posts).toEqual([]);
  });

  it('offers to open tel: and sip: links here through registerProtocolHandler', async () => {
    const p = await open();
    await p.addInitScript(() => {
      const w = window as unknown as { __handlers: string[][] };
      w.__handlers = [];
      const real = navigator.registerProtocolHandler.bind(navigator);
      navigator.registerProtocolHandler = (scheme: string, url: string | URL) => {
        w.__handlers.push([scheme, String(url)]);
        real(scheme, url); // Chromium's own checks still apply (safelisted scheme, same origin, %s)
      };
    });
    await loginAs(p, agent1.email, agent1.password);
    await p.getByTestId('handle-phone-links').click();
    expect(await p.getByTestId('phone-links-status').textContent()).toContain(
      'tel: and sip: links open here',
    );
    expect(await p.evaluate(() => (window as unknown as { __handlers: string[][] }).__handlers)).toEqual([
      ['tel', `${server.url}/dial?to=%s`],
      ['sip', `${server.url}/dial?to=%s`],
    ]);
  });
});

describe('the source toggle', () => {
  it('shows the server’s honest error for the Telnyx API and keeps the database list', async () => {
    const p = await open();
    await loginAs(p, agent1.email, agent1.password);
    await p.getByRole('button', { name: 'Telnyx API' }).click();
    const status = p.getByTestId('source-status');
    await expect.poll(() => status.textContent()).toContain('Telnyx API failed:');
    // An agent gets plain words and whom to ask; the setting's name is for admins (below).
    expect(await status.textContent()).toContain('Telnyx is not set up on this server yet. Ask your admin');
    expect(await status.textContent()).not.toContain('TELNYX_API_KEY');
    expect(await status.textContent()).toContain('Still showing the 2 connections loaded from the database.');
    expect(await p.getByTestId('status-source').textContent()).toContain(
      'Database · 2 connections (Telnyx API failed)',
    );
    expect(await connectionCombo(p).textContent()).toContain('Chicago Office SIP');
    await screenshot(p, 'dialer-telnyx-error-desktop');

    await p.getByRole('button', { name: 'Database', exact: true }).click();
    await expect.poll(() => status.textContent()).toMatch(/Database: 2 connections, loaded at/);

    await p.getByRole('button', { name: 'Log out' }).click();
    await loginAs(p, DEMO_USERS.admin.email, DEMO_USERS.admin.password);
    await p.getByRole('button', { name: 'Telnyx API' }).click();
    await expect.poll(() => status.textContent()).toContain('TELNYX_API_KEY');
    expect(await status.textContent()).not.toMatch(/\)\.\)/);
  });

  it('gives up on a Telnyx API that does not answer after 5 s', async () => {
    const p = await open();
    await loginAs(p, agent1.email, agent1.password);
    await p.route('**/api/connections?source=telnyx', () => {
      /* never answered */
    });
    await p.getByRole('button', { name: 'Telnyx API' }).click();
    const status = p.getByTestId('source-status');
    await expect.poll(() => status.textContent()).toContain('Loading connections from Telnyx API');
    await expect
      .poll(() => status.textContent(), { timeout: 30_000 }) // a guard against a hang, not a speed limit
      .toContain('Telnyx API did not answer in 5 s.');
  });
});

describe('call history', () => {
  beforeAll(async () => {
    // 30 outbound calls from Chicago (one page and a bit) and 2 inbound ones on Telnyx US East.
    const api = await apiAs(server.url, agent1.email, agent1.password);
    const { connections } = await api<ConnectionListDto>('GET', '/api/connections?source=database');
    const chicago = connections.find((c) => c.name === 'Chicago Office SIP')!;
    const telnyx = connections.find((c) => c.name === 'Telnyx US East')!;
    const base = Date.parse('2026-11-20T15:00:00Z');
    for (let i = 0; i < 30; i++) {
      const call = await api<CallDto>('POST', '/api/calls', {
        connectionId: chicago.id,
        phoneNumberId: chicago.numbers[0]!.phoneNumberId,
        remoteNumber: `+1312555${String(200 + i).padStart(4, '0')}`,
        direction: 'outbound',
      });
      const answered = i % 3 !== 0;
      const started = base + i * 600_000;
      await api('PATCH', `/api/calls/${call.id}`, {
        outcome: answered ? 'answered' : 'busy',
        answeredAt: answered ? new Date(started + 5_000).toISOString() : null,
        endedAt: new Date(started + (answered ? 95_000 : 4_000)).toISOString(),
        hangupCause: answered ? 'normal' : 'busy',
        sipCode: answered ? 200 : 486,
        // The two newest answered calls lived through a network drop: one came back, one did not.
        ...(i >= 28
          ? {
              interruptions: 1,
              interruptedAt: new Date(started + 30_000).toISOString(),
              recoveredAfterMs: i === 29 ? 2230 : null,
            }
          : {}),
      });
    }
    for (const remote of ['+14155550990', '+14155550991']) {
      await api('POST', '/api/calls', {
        connectionId: telnyx.id,
        phoneNumberId: telnyx.numbers[0]!.phoneNumberId,
        remoteNumber: remote,
        direction: 'inbound',
      });
    }
  });

  it('pages through the user’s calls on the server and filters them', async () => {
    const p = await open();
    await loginAs(p, agent1.email, agent1.password);
    const listRequests: string[] = [];
    p.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/calls') listRequests.push(r.url());
    });
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
    const table = p.getByTestId('history-table');
    const rows = table.locator('tbody tr');
    await expect.poll(() => table.textContent()).toContain('1–25 of 32');
    expect(await rows.count()).toBe(25);
    // The interruption shows on the call's own row, and only there.
    const rowOf = (number: string) => rows.filter({ hasText: number });
    expect(await rowOf('+1 312 555 0229').getByTestId('interruption').textContent()).toContain(
      'Reconnected after 2.2\u00a0s',
    );
    expect(await rowOf('+1 312 555 0228').getByTestId('interruption').textContent()).toContain(
      'Interrupted, not recovered',
    );
    expect(await table.getByTestId('interruption').count()).toBe(2);
    await p.waitForTimeout(500);
    expect(listRequests).toHaveLength(1); // one request per page shown, not one per component update

    await p.getByRole('button', { name: 'Next Page' }).click();
    await expect.poll(() => table.textContent()).toContain('26–32 of 32');
    expect(await rows.count()).toBe(7);

    await choose(p, p.getByRole('combobox', { name: 'Direction' }), /^Inbound$/);
    await expect.poll(() => table.textContent()).toContain('1–2 of 2');
    expect(await rows.allTextContents()).toEqual([
      expect.stringContaining('Inbound'),
      expect.stringContaining('Inbound'),
    ]);
    expect(await p.getByTestId('export-csv').getAttribute('href')).toBe(
      '/api/calls/export.csv?direction=inbound',
    );

    await p.getByRole('button', { name: 'Reset filters' }).click();
    await p.getByLabel('Search number').fill('555 0229');
    await expect.poll(() => table.textContent()).toContain('1–1 of 1');
    expect(await rows.first().textContent()).toContain('+1 312 555 0229');
    await screenshot(p, 'history-filtered-desktop');
  });
});

describe('accessibility', () => {
  it('goes from login to a ready Call button with the keyboard only, with visible focus', async () => {
    const p = await open();
    await p.goto('/login');
    await expect.poll(() => p.evaluate(() => document.activeElement?.id)).toBe('login-email');
    await p.keyboard.type(agent1.email);
    await p.keyboard.press('Tab');
    await p.keyboard.type(agent1.password);
    await p.keyboard.press('Enter');
    await p.waitForURL((url) => url.pathname === '/');
    await expect.poll(() => connectionCombo(p).textContent()).toContain('Chicago Office SIP');

    const focusedId = () =>
      p.evaluate(() => document.activeElement?.id ?? document.activeElement?.tagName ?? '');
    const visited: string[] = [];
    for (let i = 0; i < 30 && (await focusedId()) !== 'dial-input'; i++) {
      await p.keyboard.press('Tab');
      visited.push(await focusedId());
    }
    expect(visited).toContain('connection-select');
    expect(visited).toContain('caller-id-select');
    expect(await focusedId()).toBe('dial-input');
    await p.keyboard.type('312 555 0142');

    let onCall = false;
    for (let i = 0; i < 30 && !onCall; i++) {
      await p.keyboard.press('Tab');
      onCall = await p.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'call-button');
    }
    expect(onCall).toBe(true);
    const outline = await p.evaluate(() => {
      const style = getComputedStyle(document.activeElement!);
      return { style: style.outlineStyle, width: style.outlineWidth };
    });
    expect(outline.style).not.toBe('none');
    expect(parseFloat(outline.width)).toBeGreaterThanOrEqual(2);
    // Everything the agent controls is ready; only the phone's registration is missing (the demo
    // trunks' SIP servers are not reachable here), and the button says so.
    expect(await blockerFields(p)).toEqual(['phone']);
    expect(await phoneBlocker(p)).toMatch(/^Phone /);
    expect(await p.getByTestId('call-button').getAttribute('aria-describedby')).toBe('call-blockers');
    await screenshot(p, 'dialer-keyboard-focus-desktop');
  });

  it('has no serious or critical axe violations on the dialer, login and history pages', async () => {
    const p = await open();
    const check = async (name: string) => {
      const result = await new AxeBuilder({ page: p })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      const bad = result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${name}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      return bad;
    };
    await p.goto('/login');
    await p.getByLabel('Email').waitFor();
    const problems = await check('login');
    await loginAs(p, agent1.email, agent1.password);
    await expect.poll(() => connectionCombo(p).textContent()).toContain('Chicago Office SIP');
    problems.push(...(await check('dialer')));
    await p.getByLabel('Number to call').fill('5551234567');
    problems.push(...(await check('dialer with an invalid number')));
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
    await p.getByRole('heading', { name: 'Call history', level: 1 }).waitFor();
    await p.getByTestId('history-table').waitFor();
    problems.push(...(await check('history')));
    expect(problems).toEqual([]);
  });
});

describe('screenshots', () => {
  for (const [size, viewport] of Object.entries(VIEWPORTS)) {
    it(`captures every page at ${size} width`, async () => {
      const p = await open(viewport);
      await p.goto('/login');
      await p.getByLabel('Email').waitFor();
      await screenshot(p, `login-${size}`);
      await loginAs(p, agent1.email, agent1.password);
      await expect.poll(() => connectionCombo(p).textContent()).toContain('Chicago Office SIP');
      await screenshot(p, `dialer-${size}`);
      await p.getByLabel('Number to call').fill('3125550142');
      await screenshot(p, `dialer-valid-number-${size}`);
      await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
      await p.getByTestId('history-table').waitFor();
      await expect.poll(() => p.getByTestId('history-table').textContent()).toMatch(/No calls|of \d+/);
      await p.locator('.p-datatable-mask').waitFor({ state: 'detached' });
      await screenshot(p, `history-${size}`);
      // No page scrolls sideways at this width.
      for (const path of ['/', '/history']) {
        await p.goto(path);
        await p.locator('h1').first().waitFor();
        const overflow = await p.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect(overflow, `${path} at ${size}`).toBeLessThanOrEqual(0);
      }
    });
  }
});
