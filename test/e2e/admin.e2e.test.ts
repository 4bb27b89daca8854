/**
 * The admin console in a real browser (Debian's Chromium) against the real server on a seeded SQLite
 * database: who may enter it, each section's journeys, axe on every admin page, and screenshots of every
 * admin page at desktop and phone width (test-results/screenshots/admin-*.png).
 * One server and one browser for the whole file.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AdminTrunkDto } from '../../src/shared/admin-api.js';
import type { Page as ListPage } from '../../src/shared/api.js';
import { startFakeTelnyx, type FakeTelnyx } from '../fakes/telnyx-api/server.js';
import {
  apiAs,
  DEMO_TRUNKS,
  DEMO_USERS,
  type DialerServer,
  VIEWPORTS,
  ensureWebBuild,
  launchBrowser,
  newPage,
  screenshot,
  startDialerServer,
} from './harness.js';

const { admin, agent1 } = DEMO_USERS;

let server: DialerServer;
let browser: Browser;
let context: BrowserContext;
/** The Telnyx API (a local server speaking its documented shapes), linked to the demo's Telnyx trunks. */
let telnyx: FakeTelnyx;

beforeAll(async () => {
  ensureWebBuild();
  telnyx = await startFakeTelnyx({
    connectionIds: DEMO_TRUNKS.flatMap((t) => (t.telnyxConnectionId ? [t.telnyxConnectionId] : [])),
    numbers: 12,
    unassignedNumbers: 1,
  });
  server = await startDialerServer({ TELNYX_API_KEY: telnyx.apiKey, TELNYX_BASE_URL: telnyx.baseUrl });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await telnyx?.close();
});

afterEach(async () => {
  await context?.close();
});

async function open(viewport: { width: number; height: number } = VIEWPORTS.desktop): Promise<Page> {
  const opened = await newPage(browser, server.url, viewport);
  context = opened.context;
  // A busy machine (other test tiers, builds) can take more than the harness's 10 s to load a page.
  opened.page.setDefaultTimeout(30_000);
  return opened.page;
}

/** Logs in through the form and waits for the page it lands on. */
async function login(p: Page, who: { email: string; password: string }, to = '/'): Promise<void> {
  await p.goto(`/login${to === '/' ? '' : `?redirect=${encodeURIComponent(to)}`}`);
  await p.getByLabel('Email').fill(who.email);
  await p.getByLabel('Password').fill(who.password);
  await p.getByRole('button', { name: 'Log in' }).click();
  await p.waitForURL((url) => url.pathname !== '/login');
}

async function seriousAxeViolations(p: Page, name: string): Promise<string[]> {
  const result = await new AxeBuilder({ page: p })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${name}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Every admin page: its path, the heading that says it has loaded. */
const ADMIN_PAGES = [
  { path: '/admin/connections', name: 'connections', ready: 'trunks-table' },
  { path: '/admin/numbers', name: 'numbers', ready: 'numbers-table' },
  { path: '/admin/users', name: 'users', ready: 'users-table' },
  { path: '/admin/telnyx', name: 'telnyx', ready: 'runs-table' },
  { path: '/admin/audit', name: 'audit', ready: 'audit-table' },
] as const;

describe('who may enter the admin console', () => {
  it('shows agents no Admin link, sends them away from /admin pages, and every admin API route says 403', async () => {
    const p = await open();
    await login(p, agent1);
    await p.getByRole('heading', { name: 'Dialer', level: 1 }).waitFor();
    const nav = p.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'History' }).count()).toBe(1);
    expect(await nav.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    for (const page of ADMIN_PAGES) {
      await p.goto(page.path);
      await p.waitForURL((url) => url.pathname === '/');
      await p.getByRole('heading', { name: 'Dialer', level: 1 }).waitFor();
    }

    const loginRes = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: agent1.email, password: agent1.password }),
    });
    const cookie = (loginRes.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const { csrfToken } = (await loginRes.json()) as { csrfToken: string };
    const adminRoutes = server.routes.filter((r) => r.access === 'admin' && r.method !== 'HEAD');
    expect(adminRoutes.length).toBeGreaterThan(20);
    const answers = await Promise.all(
      adminRoutes.map(async (r) => {
        const url = r.url.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
        const write = r.method !== 'GET';
        const res = await fetch(`${server.url}${url}`, {
          method: r.method,
          headers: {
            cookie,
            'x-csrf-token': csrfToken,
            ...(write ? { 'content-type': 'application/json' } : {}),
          },
          body: write ? '{}' : undefined,
        });
        return `${r.method} ${r.url} ${res.status}`;
      }),
    );
    expect(answers.filter((a) => !a.endsWith(' 403'))).toEqual([]);
  });

  it('shows admins the Admin link, which opens the console', async () => {
    const p = await open();
    await login(p, admin);
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await p.waitForURL('**/admin/connections');
    await p.getByRole('heading', { name: 'Admin', level: 1 }).waitFor();
    await p.getByTestId('trunks-table').waitFor();
  });
});

describe('connections', () => {
  it('creates a connection with a password that never comes back, in the page or in any answer', async () => {
    const p = await open();
    const texts: Promise<string>[] = [];
    p.on('response', (r) => {
      // GET /api/events is the page's never-ending live stream: its body has no end to wait for (it
      // carries health states, never trunk settings; the secrets walk skips it for the same reason).
      if (r.url().includes('/api/') && !r.url().includes('/api/events')) texts.push(r.text().catch(() => ''));
    });
    await login(p, admin, '/admin/connections');
    await p.getByTestId('trunks-table').waitFor();

    await p.getByTestId('new-connection').click();
    const form = p.getByTestId('trunk-form');
    await form.waitFor();
    // Checked as you type, with the API's own rules.
    await form.getByLabel('WebSocket server').fill('https://pbx.example.com');
    await form.getByLabel('WebSocket server').blur();
    await expect.poll(() => p.getByTestId('trunk-ws-error').textContent()).toContain('ws:// or wss:// URL');
    await form.getByLabel('WebSocket server').fill('wss://pbx.example.com:7443');
    await expect.poll(() => p.getByTestId('trunk-ws-error').count()).toBe(0);
    await p.getByTestId('trunk-form-save').click();
    await expect.poll(() => p.getByTestId('trunk-name-error').textContent()).toContain('is required');
    await screenshot(p, 'admin-connection-form-invalid-desktop', { fullPage: false });

    await form.getByLabel('Name', { exact: true }).fill('Berlin PBX');
    await form.getByRole('combobox', { name: 'Owner' }).click();
    await p.getByRole('option', { name: /Blair Agent/ }).click();
    await form.getByLabel('SIP URI').fill('sip:berlin@pbx.example.com');
    await form.getByLabel('SIP user name').fill('berlin');
    await form.getByLabel('SIP password', { exact: true }).fill('s3cret-Berlin-pw');
    await form.getByLabel('Region', { exact: true }).fill('eu-central');
    await form.getByLabel('Channel limit').fill('12');
    await p.getByTestId('trunk-form-save').click();
    await form.waitFor({ state: 'detached' });

    await p.getByLabel('Search', { exact: true }).fill('Berlin');
    const row = p.getByTestId('trunks-table').getByRole('row', { name: /Berlin PBX/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('Password stored');
    expect(await row.textContent()).toContain('Blair Agent');

    // Editing shows no password, says one is stored, and keeps it when left empty.
    await row.getByRole('button', { name: 'Edit Berlin PBX' }).click();
    await form.waitFor();
    expect(await form.getByLabel('SIP password', { exact: true }).inputValue()).toBe('');
    expect(await form.textContent()).toContain('Stored — leave empty to keep it');
    await form.getByLabel('Location', { exact: true }).fill('Berlin, DE');
    // Emergency calls: off unless the admin ticks it (its carrier has the service and the address).
    const emergency = form.getByRole('checkbox', { name: /May place emergency calls/ });
    expect(await emergency.isChecked()).toBe(false);
    await emergency.check();
    await screenshot(p, 'admin-connection-form-edit-desktop', { fullPage: false });
    await p.getByTestId('trunk-form-save').click();
    await form.waitFor({ state: 'detached' });
    await expect.poll(() => row.textContent()).toContain('Berlin, DE');
    expect(await row.textContent()).toContain('Password stored');

    const api = await apiAs(server.url, admin.email, admin.password);
    const list = await api<ListPage<AdminTrunkDto>>('GET', '/api/admin/trunks?q=Berlin');
    expect(list.items[0]).toMatchObject({
      name: 'Berlin PBX',
      hasPassword: true,
      location: 'Berlin, DE',
      emergencyCalls: true,
    });
    // Reopened, the form shows what is stored.
    await row.getByRole('button', { name: 'Edit Berlin PBX' }).click();
    await form.waitFor();
    expect(await form.getByRole('checkbox', { name: /May place emergency calls/ }).isChecked()).toBe(true);
    await p.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    const everything = (await Promise.all(texts)).join('\n') + JSON.stringify(list);
    expect(everything).not.toContain('s3cret-Berlin-pw');
    expect(await p.content()).not.toContain('s3cret-Berlin-pw');
  });

  it('filters on the server and deletes a connection after saying what goes with it', async () => {
    const p = await open();
    await login(p, admin, '/admin/connections');
    const table = p.getByTestId('trunks-table');
    await table.getByRole('row', { name: /Telnyx US East/ }).waitFor();
    await p.getByRole('combobox', { name: 'Provider' }).click();
    await p.getByRole('option', { name: 'SIP' }).click();
    await expect.poll(() => table.getByRole('row', { name: /Telnyx US East/ }).count()).toBe(0);
    expect(await table.getByRole('row', { name: /Chicago Office SIP/ }).count()).toBe(1);
    await screenshot(p, 'admin-connections-filtered-desktop');

    await table.getByRole('button', { name: 'Delete Chicago Office SIP' }).click();
    const consequences = p.getByTestId('confirm-delete-consequences');
    await expect.poll(() => consequences.textContent()).toMatch(/number assignments? go with it/);
    expect(await consequences.textContent()).toContain('The numbers themselves stay');
    await screenshot(p, 'admin-connection-delete-desktop', { fullPage: false });
    await p.getByTestId('confirm-delete-button').click();
    await expect.poll(() => table.getByRole('row', { name: /Chicago Office SIP/ }).count()).toBe(0);
  });
});

describe('numbers', () => {
  it('creates a number typed in the national format, refuses a wrong one as you type, edits and deletes it', async () => {
    const p = await open();
    await login(p, admin, '/admin/numbers');
    const table = p.getByTestId('numbers-table');
    await table.getByRole('row').nth(1).waitFor();

    await p.getByTestId('new-number').click();
    const form = p.getByTestId('number-form');
    await form.waitFor();
    const field = form.getByLabel('Number', { exact: true });
    await field.fill('312 555');
    await field.blur();
    await expect
      .poll(() => p.getByTestId('number-number-error').textContent())
      .toMatch(/not a valid phone number/);
    await field.fill('(312) 555-0177');
    await expect.poll(() => p.getByTestId('number-number-error').count()).toBe(0);
    expect(await form.textContent()).toContain('Saved as +13125550177');
    await form.getByLabel('City', { exact: true }).fill('Chicago');
    await screenshot(p, 'admin-number-form-desktop', { fullPage: false });
    await p.getByTestId('number-form-save').click();
    await form.waitFor({ state: 'detached' });

    await p.getByLabel('Search', { exact: true }).fill('5550177');
    const row = table.getByRole('row', { name: /\+1 312 555 0177/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('Not assigned');
    expect(await row.textContent()).toContain('Chicago');

    await row.getByRole('button', { name: 'Edit +13125550177' }).click();
    await form.waitFor();
    await form.getByLabel('City', { exact: true }).fill('Evanston');
    await p.getByTestId('number-form-save').click();
    await form.waitFor({ state: 'detached' });
    await expect.poll(() => row.textContent()).toContain('Evanston');

    // A number that exists already: the server's answer is shown in the form.
    await p.getByTestId('new-number').click();
    await form.getByLabel('Number', { exact: true }).fill('+13125550177');
    await p.getByTestId('number-form-save').click();
    await expect.poll(() => p.getByTestId('number-form-error').textContent()).toContain('already exists');
    await form.getByRole('button', { name: 'Cancel' }).click();

    await row.getByRole('button', { name: 'Delete +13125550177' }).click();
    expect(await p.getByTestId('confirm-delete-consequences').textContent()).toContain(
      'It is not assigned to any connection.',
    );
    await p.getByTestId('confirm-delete-button').click();
    await expect.poll(() => row.count()).toBe(0);
  });
});

/** Logs in over HTTP; the status of GET /api/auth/me with that session, on demand. */
async function sessionOf(
  email: string,
  password: string,
): Promise<{ ok: boolean; me: () => Promise<number> }> {
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return {
    ok: res.ok,
    me: async () => (await fetch(`${server.url}/api/auth/me`, { headers: { cookie } })).status,
  };
}

describe('assignments', () => {
  it('changes a type, explains a refusal, and assigns from the number’s side', async () => {
    const p = await open();
    await login(p, admin, '/admin/connections');
    const table = p.getByTestId('trunks-table');
    await table.getByRole('button', { name: 'Assignments of Telnyx US East' }).click();
    const dialog = p.getByTestId('assignments');
    const rows = dialog.getByTestId('assignments-table');
    await rows.getByRole('row', { name: /\+1 212 555 0111/ }).waitFor();

    // A second active primary is refused, with the server's reason.
    await rows.getByRole('combobox', { name: 'Type of +1 212 555 0111' }).click();
    await p.getByRole('option', { name: 'Primary' }).click();
    await expect
      .poll(() => p.getByTestId('assignments-error').textContent())
      .toContain('already has an active primary number');
    await screenshot(p, 'admin-assignments-refused-desktop', { fullPage: false });
    // Allowed: make it backup.
    await rows.getByRole('combobox', { name: 'Type of +1 212 555 0111' }).click();
    await p.getByRole('option', { name: 'Backup' }).click();
    await expect
      .poll(() => rows.getByRole('combobox', { name: 'Type of +1 212 555 0111' }).textContent())
      .toBe('Backup');
    await expect.poll(() => p.getByTestId('assignments-error').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    await p.goto('/admin/numbers');
    const numbers = p.getByTestId('numbers-table');
    await numbers.getByRole('button', { name: 'Assignments of +13125550103' }).click();
    await dialog.locator('.p-datatable-mask').waitFor({ state: 'detached' });
    await dialog.getByRole('combobox', { name: 'Add to a connection' }).click();
    await p.getByRole('option', { name: 'Telnyx US East' }).click();
    await dialog.getByRole('combobox', { name: 'As' }).click();
    await p.getByRole('option', { name: 'Backup' }).click();
    await p.getByTestId('assign-add').click();
    await rows.getByRole('row', { name: /Telnyx US East/ }).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect
      .poll(() => numbers.getByRole('row', { name: /\+1 312 555 0103/ }).textContent())
      .toContain('Telnyx US East');
  }, 180_000);
});

describe('users', () => {
  it('creates a user, resets their password and suspends them, each ending their sessions', async () => {
    const p = await open();
    await login(p, admin, '/admin/users');
    const table = p.getByTestId('users-table');
    await table.getByRole('row', { name: /Alex Agent/ }).waitFor();

    await p.getByTestId('new-user').click();
    const form = p.getByTestId('user-form');
    await form.getByLabel('Name', { exact: true }).fill('Casey Caller');
    await form.getByLabel('Email', { exact: true }).fill('casey@');
    await form.getByLabel('Email', { exact: true }).blur();
    await expect.poll(() => p.getByTestId('user-email-error').textContent()).toContain('email address');
    await form.getByLabel('Email', { exact: true }).fill('casey@example.com');
    await form.getByLabel('Password', { exact: true }).fill('first-password-1');
    await p.getByTestId('user-form-save').click();
    await form.waitFor({ state: 'detached' });
    await p.getByLabel('Search', { exact: true }).fill('casey');
    const row = table.getByRole('row', { name: /Casey Caller/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('Agent');

    const first = await sessionOf('casey@example.com', 'first-password-1');
    expect(first.ok).toBe(true);
    expect(await first.me()).toBe(200);
    await row.getByRole('button', { name: 'Reset the password of casey@example.com' }).click();
    const reset = p.getByTestId('password-reset');
    await reset.getByLabel('New password', { exact: true }).fill('short');
    await p.getByTestId('password-reset-save').click();
    await expect.poll(() => p.getByTestId('reset-password-error').textContent()).toContain('at least 8');
    await reset.getByLabel('New password', { exact: true }).fill('second-password-2');
    await p.getByTestId('password-reset-save').click();
    await reset.waitFor({ state: 'detached' });
    expect(await first.me()).toBe(401);
    const second = await sessionOf('casey@example.com', 'second-password-2');
    expect(await second.me()).toBe(200);

    await row.getByRole('button', { name: 'Edit casey@example.com' }).click();
    await form.getByRole('combobox', { name: 'Status' }).click();
    await p.getByRole('option', { name: 'Suspended' }).click();
    expect(await form.textContent()).toContain('their open sessions end now');
    await screenshot(p, 'admin-user-suspend-desktop', { fullPage: false });
    await p.getByTestId('user-form-save').click();
    await form.waitFor({ state: 'detached' });
    await expect.poll(() => row.textContent()).toContain('Suspended');
    expect(await second.me()).toBe(401);
    expect((await sessionOf('casey@example.com', 'second-password-2')).ok).toBe(false);
  });
});

describe('audit log', () => {
  it('lists changes newest first, filtered by entity and action, saying what changed and never a secret', async () => {
    const api = await apiAs(server.url, admin.email, admin.password);
    const users = await api<ListPage<{ id: string }>>('GET', '/api/admin/users?q=agent1');
    const trunk = await api<AdminTrunkDto>('POST', '/api/admin/trunks', {
      ownerId: users.items[0]!.id,
      name: 'Audited Trunk',
      provider: 'sip',
      username: 'audited',
      password: 'audit-secret-pw-9',
    });
    await api('PATCH', `/api/admin/trunks/${trunk.id}`, {
      region: 'ap-south',
      password: 'audit-secret-pw-10',
    });

    const p = await open();
    await login(p, admin, '/admin/audit');
    const table = p.getByTestId('audit-table');
    await p.getByRole('combobox', { name: 'Entity' }).click();
    await p.getByRole('option', { name: 'Connection', exact: true }).click();
    const rowTexts = () =>
      table.getByRole('row').evaluateAll((rows) => rows.slice(1).map((r) => r.textContent ?? ''));
    await expect.poll(async () => (await rowTexts()).every((t) => t.includes('Connection'))).toBe(true);
    // Newest first: the change is listed above the creation.
    const texts = await rowTexts();
    const changed = texts.findIndex((t) => t.includes('Connection changed') && t.includes('Audited Trunk'));
    const created = texts.findIndex((t) => t.includes('Connection created') && t.includes('Audited Trunk'));
    expect(changed).toBeGreaterThanOrEqual(0);
    expect(created).toBeGreaterThan(changed);
    expect(texts[changed]).toContain('region');
    expect(texts[created]).toMatch(/Ada Admin|admin@dialer\.local/);

    await p.getByRole('combobox', { name: 'Action' }).click();
    await p.getByRole('option', { name: 'Connection created' }).click();
    await expect
      .poll(async () => (await rowTexts()).every((t) => t.includes('Connection created')))
      .toBe(true);
    await screenshot(p, 'admin-audit-filtered-desktop');
    expect(await p.content()).not.toMatch(/audit-secret-pw/);
  });
});

describe('the dialer’s connection list', () => {
  it('filters by typing (name, region, provider, health) for an agent with many connections', async () => {
    const api = await apiAs(server.url, admin.email, admin.password);
    const users = await api<ListPage<{ id: string; email: string }>>('GET', '/api/admin/users?q=agent2');
    const ownerId = users.items[0]!.id;
    const extra: [string, string][] = [
      ['Madrid Office', 'eu-south'],
      ['Lisbon Office', 'eu-south'],
      ['Denver Office', 'us-mountain'],
      ['Austin Office', 'us-south'],
    ];
    for (const [name, region] of extra) {
      await api('POST', '/api/admin/trunks', {
        ownerId,
        name,
        provider: 'sip',
        region,
        wsServer: 'ws://127.0.0.1:5066',
        sipUri: `sip:${name.split(' ')[0]!.toLowerCase()}@127.0.0.1`,
      });
    }
    const p = await open();
    await login(p, DEMO_USERS.agent2);
    const combo = p.getByRole('combobox', { name: 'Connection' });
    await expect.poll(() => combo.textContent()).toMatch(/\S/);
    await combo.click();
    const listbox = p.getByRole('listbox');
    await listbox.waitFor();
    expect(await listbox.getByRole('option').count()).toBeGreaterThan(5);
    await p.keyboard.type('eu-south');
    await expect
      .poll(() =>
        listbox.getByRole('option').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))),
      )
      .toEqual(['Lisbon Office, SIP, health unknown', 'Madrid Office, SIP, health unknown']);
    await p.waitForTimeout(300);
    await screenshot(p, 'dialer-connection-filter-desktop', { fullPage: false });
    await p.getByRole('searchbox').fill('degraded');
    await expect.poll(() => listbox.textContent()).toContain('No connection matches');
    await p.getByRole('searchbox').fill('madrid');
    await listbox.getByRole('option', { name: /Madrid Office/ }).click();
    await expect.poll(() => combo.textContent()).toContain('Madrid Office');
  });
});

describe('telnyx', () => {
  it('syncs with a live progress bar, lists the run, explains the drift and pushes an assignment to Telnyx', async () => {
    const p = await open();
    await login(p, admin, '/admin/telnyx');
    await p.getByTestId('drift').getByText('No sync has finished yet').waitFor();

    telnyx.setDelay(250); // slow enough to see the progress
    await p.getByTestId('sync-now').click();
    await p.getByTestId('sync-progress').waitFor();
    await screenshot(p, 'admin-telnyx-progress-desktop', { fullPage: false });
    telnyx.setDelay(0);
    await p.getByTestId('sync-progress').waitFor({ state: 'detached', timeout: 30_000 });
    const runs = p.getByTestId('runs-table');
    await expect.poll(() => runs.getByRole('row').nth(1).textContent()).toContain('Succeeded');
    // The demo's Telnyx trunks hold numbers this Telnyx account does not have: drift, each kind explained.
    await p.getByTestId('drift-table').waitFor();
    expect(await p.getByTestId('drift').textContent()).toContain('Number not at Telnyx');

    // Telnyx now routes one of Telnyx US East's numbers to another connection.
    const [usEast, other] = DEMO_TRUNKS.flatMap((t) => (t.telnyxConnectionId ? [t.telnyxConnectionId] : []));
    const moved = telnyx.numbersOf(usEast!)[0]!;
    telnyx.moveNumber(moved.id, other!);
    await p.getByTestId('sync-now').click();
    const driftTable = p.getByTestId('drift-table');
    const row = driftTable.getByRole('row', { name: /Number on another connection at Telnyx/ });
    await row.waitFor({ timeout: 30_000 });
    expect(await p.getByTestId('drift').textContent()).toContain('incoming calls ring there');
    expect(await runs.getByRole('row').count()).toBeGreaterThanOrEqual(3);
    await screenshot(p, 'admin-telnyx-drift-desktop');

    await row.getByRole('button', { name: /Push the assignment of/ }).click();
    await p.getByText('Pushed to Telnyx').waitFor();
    expect(telnyx.numbers.get(moved.id)?.connection_id).toBe(usEast);
  });
});

describe('sorting at phone width', () => {
  // At 390 px each row is a card and the column headers (where sorting lives on a desktop) are hidden:
  // each list has a "Sort by" control instead, which sorts on the server as the headers do.
  const LISTS = [
    {
      path: '/admin/connections',
      table: 'trunks-table',
      field: 'Name',
      sort: 'name',
      api: '/api/admin/trunks',
      shown: (item: Record<string, unknown>) => String(item.name),
      cell: 'td[data-label="Name"] strong',
    },
    {
      path: '/admin/numbers',
      table: 'numbers-table',
      field: 'Number',
      sort: 'number',
      api: '/api/admin/numbers',
      shown: (item: Record<string, unknown>) => String(item.number).replace(/\D/g, ''),
      cell: 'td[data-label="Number"] strong',
      digits: true,
    },
    {
      path: '/admin/users',
      table: 'users-table',
      field: 'Name',
      sort: 'name',
      api: '/api/admin/users',
      shown: (item: Record<string, unknown>) => String(item.name),
      cell: 'td[data-label="Name"] strong',
    },
  ] as const;

  it('offers "Sort by" on connections, numbers and users, and the rows follow it both ways', async () => {
    const api = await apiAs(server.url, admin.email, admin.password);
    const p = await open(VIEWPORTS.phone);
    await login(p, admin, LISTS[0].path);
    for (const list of LISTS) {
      await p.goto(list.path);
      const table = p.getByTestId(list.table);
      await table.getByRole('row').nth(1).waitFor();
      // The headers' sort buttons cannot be reached here; the control can.
      expect(await table.locator('thead').isVisible()).toBe(true); // in the layout, clipped to 1 px
      expect(await table.locator('thead').boundingBox()).toMatchObject({ width: 1, height: 1 });
      const control = p.getByTestId('admin-sort');
      expect(await control.isVisible()).toBe(true);
      const direction = control.getByTestId('admin-sort-direction');
      expect(await direction.isDisabled()).toBe(true);

      const rowsShown = async () => {
        await p.locator('.p-datatable-mask').waitFor({ state: 'detached' });
        const texts = await table.locator(`tbody tr ${list.cell}`).allTextContents();
        return texts.map((t) => ('digits' in list ? t.replace(/\D/g, '') : t.trim()));
      };
      const expected = async (order: string) => {
        const page = await api<{ items: Record<string, unknown>[] }>(
          'GET',
          `${list.api}?sort=${order}&page=1&pageSize=25`,
        );
        return page.items.map(list.shown);
      };

      await control.getByTestId('admin-sort-field').click();
      await p.getByRole('option', { name: list.field, exact: true }).click();
      const ascending = await expected(list.sort);
      await expect.poll(rowsShown).toEqual(ascending);
      expect(await direction.textContent()).toContain('Ascending');

      await direction.click();
      const descending = await expected(`-${list.sort}`);
      expect(descending).not.toEqual(ascending);
      await expect.poll(rowsShown).toEqual(descending);
      expect(await direction.textContent()).toContain('Descending');
      await screenshot(p, `admin-${list.path.split('/').pop()}-sort-phone`, { fullPage: false });
      // Nothing wider than the window.
      expect(await p.evaluate(() => document.documentElement.scrollWidth - innerWidth)).toBeLessThanOrEqual(
        0,
      );
    }
  });

  it('keeps "Sort by" out of the way on a desktop, where the headers sort', async () => {
    const p = await open(VIEWPORTS.desktop);
    await login(p, admin, '/admin/users');
    await p.getByTestId('users-table').getByRole('row').nth(1).waitFor();
    expect(await p.getByTestId('admin-sort').isVisible()).toBe(false);
    await p
      .getByTestId('users-table')
      .getByRole('columnheader', { name: /Last sign-in/ })
      .click();
    await expect
      .poll(() =>
        p
          .getByTestId('users-table')
          .getByRole('columnheader', { name: /Last sign-in/ })
          .getAttribute('aria-sort'),
      )
      .toBe('ascending');
  });
});

describe('every admin page', () => {
  // One signed-in page for all of them (its own context: the file's afterEach closes the shared one).
  let shared: { context: BrowserContext; page: Page };
  beforeAll(async () => {
    shared = await newPage(browser, server.url);
    shared.page.setDefaultTimeout(30_000);
    await login(shared.page, admin, ADMIN_PAGES[0].path);
  });
  afterAll(async () => {
    await shared?.context.close();
  });

  it.each(ADMIN_PAGES)(
    '$name: no serious or critical axe violations and screenshots, at desktop and phone width',
    async (page) => {
      const p = shared.page;
      for (const [size, viewport] of Object.entries(VIEWPORTS)) {
        await p.setViewportSize(viewport);
        await p.goto(page.path);
        await p.getByTestId(page.ready).getByRole('row').nth(1).waitFor();
        await p.locator('.p-datatable-mask').waitFor({ state: 'detached' });
        expect(await seriousAxeViolations(p, `${page.name} (${size})`)).toEqual([]);
        // Nothing wider than the window: no sideways scrolling (the section links wrap on a phone).
        const overflow = await p.evaluate(() =>
          [document.documentElement, document.querySelector('.admin-nav')].map((el) =>
            el ? el.scrollWidth - el.clientWidth : 0,
          ),
        );
        expect(overflow).toEqual([0, 0]);
        await screenshot(p, `admin-${page.name}-${size}`);
      }
    },
    // Two page loads and two axe runs.
    180_000,
  );
});
