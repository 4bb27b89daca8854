/**
 * Live trunk health in a real browser (Debian's Chromium) against the real server on the seeded demo
 * database: the page reports its own failed registration to the server, and health the server records
 * reaches the dialer's dropdown and details panel and the admin's connections table over server-sent
 * events, without a reload.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_PHONE_NOT_RUNNING } from '../../src/shared/demo-phone.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_USERS,
  type DialerServer,
  ensureWebBuild,
  launchBrowser,
  loginAs,
  newPage,
  startDialerServer,
} from './harness.js';

const { agent1, admin } = DEMO_USERS;

let server: DialerServer;
let browser: Browser;
let context: BrowserContext | undefined;
let chicago: string;
let agent1Id: string;

beforeAll(async () => {
  ensureWebBuild();
  server = await startDialerServer();
  const db = server.database.handle.db;
  chicago = (
    await db
      .selectFrom('sip_trunks')
      .select('id')
      .where('name', '=', 'Chicago Office SIP')
      .executeTakeFirstOrThrow()
  ).id;
  agent1Id = (
    await db.selectFrom('users').select('id').where('email', '=', agent1.email).executeTakeFirstOrThrow()
  ).id;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});

async function open(): Promise<Page> {
  const opened = await newPage(browser, server.url);
  context = opened.context;
  return opened.page;
}

/** Marks the document, so a test can tell that what changed on it came without a reload. */
async function markDocument(p: Page): Promise<() => Promise<boolean>> {
  await p.evaluate(() => {
    (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
  });
  return () => p.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true);
}

const healthRow = (p: Page) => p.getByTestId('connection-details').locator('[data-field="health"] dd');
const connectionCombo = (p: Page) => p.getByRole('combobox', { name: 'Connection' });

describe('live health', () => {
  it('the page reports its failed registration; the server’s health changes reach the dialer without a reload', async () => {
    const p = await open();
    await loginAs(p, agent1.email, agent1.password);
    // The demo's Chicago connection points at a WebSocket server nobody runs: the browser cannot
    // register, says so to the server, and the server counts it against the connection.
    await expect
      .poll(async () => (await server.services.health.report(chicago, 1)).samples.map((s) => s.source), {
        timeout: 15_000,
      })
      .toContain('registration');
    const report = await server.services.health.report(chicago, 1);
    expect(report.samples.find((s) => s.source === 'registration')).toMatchObject({
      ok: false,
      reason: DEMO_PHONE_NOT_RUNNING,
    });
    await expect.poll(() => healthRow(p).textContent()).toContain(DEMO_PHONE_NOT_RUNNING);

    const same = await markDocument(p);
    // Another browser with the wrong password: the server turns the connection down for everyone.
    await server.services.health.reportRegistration(agent1Id, chicago, { ok: false, statusCode: 403 });
    await expect.poll(() => healthRow(p).textContent()).toContain('Down');
    expect(await healthRow(p).textContent()).toContain('registration refused: wrong password');
    expect(await connectionCombo(p).textContent()).toContain('Down');
    expect(await p.getByTestId('connection-details').locator('.details__head').textContent()).toContain(
      'Down',
    );

    // A registration that succeeds clears the refusal: up again, still the same document.
    await server.services.health.reportRegistration(agent1Id, chicago, { ok: true });
    await expect.poll(() => healthRow(p).textContent()).toContain('Up');
    expect(await connectionCombo(p).textContent()).toContain('Up');
    expect(await same()).toBe(true);
  });

  it('the admin’s connections table shows health changes as they happen', async () => {
    const p = await open();
    await loginAs(p, admin.email, admin.password);
    await p.goto('/admin/connections');
    await p.getByLabel('Search', { exact: true }).fill('Chicago');
    const row = p.getByTestId('trunks-table').getByRole('row', { name: /Chicago Office SIP/ });
    await row.waitFor({ timeout: 30_000 }); // the admin chunk loads first; slow on a busy machine
    const health = row.locator('.health-badge');
    const same = await markDocument(p);
    await server.services.health.reportRegistration(agent1Id, chicago, { ok: false, statusCode: 403 });
    await expect.poll(() => health.textContent()).toBe('Down');
    await server.services.health.reportRegistration(agent1Id, chicago, { ok: true });
    await expect.poll(() => health.textContent()).toBe('Up');
    expect(await same()).toBe(true);
  });
});
