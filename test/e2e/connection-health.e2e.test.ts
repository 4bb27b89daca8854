/**
 * The per-connection health page in a real browser (Debian's Chromium) against the real server on the
 * seeded demo database: reached from the dialer's details panel and from the admin's connections table,
 * it shows the state now, the latency and failed checks per time slot (chart and table) and the changes
 * of state; a change the server records arrives without a reload; another agent's connection is not
 * found. Axe finds no serious violations; screenshots at desktop and phone width.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HealthWrite } from '../../src/server/repositories/health/health-repository.js';
import {
  DEMO_USERS,
  type DialerServer,
  ensureWebBuild,
  launchBrowser,
  loginAs,
  newPage,
  screenshot,
  startDialerServer,
  VIEWPORTS,
} from './harness.js';

const { agent1, admin } = DEMO_USERS;

let server: DialerServer;
let browser: Browser;
let context: BrowserContext | undefined;
let chicago: string;
let sfOffice: string;
let agent1Id: string;

const trunkId = async (name: string) =>
  (
    await server.database.handle.db
      .selectFrom('sip_trunks')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirstOrThrow()
  ).id;

/** A measured check `minutesAgo` that changes no state (latency for the chart). */
function check(minutesAgo: number, latencyMs: number | null): HealthWrite {
  return {
    trunkId: chicago,
    at: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    ok: latencyMs !== null,
    latencyMs,
    source: 'probe',
    observation: latencyMs === null ? 'no answer to OPTIONS in 2 s' : `OPTIONS answered 200 OK`,
    status: 'unknown',
    previousStatus: 'unknown',
    reason: 'not measured yet',
    failStreak: 0,
    okStreak: 0,
    registrationRefused: null,
    keepSample: true,
    display: false,
  };
}

beforeAll(async () => {
  ensureWebBuild();
  server = await startDialerServer();
  chicago = await trunkId('Chicago Office SIP');
  sfOffice = await trunkId('SF Office SIP');
  agent1Id = (
    await server.database.handle.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', agent1.email)
      .executeTakeFirstOrThrow()
  ).id;
  // Latency over the last hour (one failed check), then a refused registration and its recovery.
  for (const [ago, ms] of [
    [20 * 60, 31],
    [50, 18],
    [40, 242],
    [30, null],
    [20, 27],
  ] as const)
    await server.services.repos.health.apply([check(ago, ms)]);
  await server.services.health.reportRegistration(agent1Id, chicago, { ok: false, statusCode: 403 });
  await server.services.health.reportRegistration(agent1Id, chicago, { ok: true });
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

async function open(viewport: { width: number; height: number } = VIEWPORTS.desktop): Promise<Page> {
  const opened = await newPage(browser, server.url, viewport);
  context = opened.context;
  return opened.page;
}

const nowField = (p: Page, key: string) => p.getByTestId('health-now').locator(`[data-field="${key}"] dd`);
const tableRows = (p: Page, testid: string) =>
  p
    .getByTestId(testid)
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => c.textContent?.trim() ?? '')),
    );

describe('connection health page', () => {
  it('opens from the dialer’s details, shows history and latency, and takes a change live', async () => {
    const p = await open();
    await loginAs(p, agent1.email, agent1.password);
    const details = p.getByTestId('connection-details');
    await expect.poll(() => details.textContent()).toContain('Chicago Office SIP');
    await details.getByRole('link', { name: 'Health history' }).click();
    await p.waitForURL(`**/connections/${chicago}/health`);
    await p.getByRole('heading', { name: 'Health of Chicago Office SIP', level: 1 }).waitFor();
    expect(await p.title()).toBe('Health · Chicago Office SIP · Dialer');

    // Changes of state, newest first, in plain words.
    const changes = await tableRows(p, 'health-changes-table');
    expect(changes.slice(-2).map((r) => `${r[1]}->${r[2]}: ${r[3]}`)).toEqual([
      'Down->Up: a browser registered',
      'Unknown->Down: registration refused: wrong password',
    ]);
    expect(await nowField(p, 'state').textContent()).toMatch(/Up|Down/);
    // The chart's figures: per hour over the last 24 hours, the older check included.
    const slots = await tableRows(p, 'health-series-table');
    const checks = slots.reduce((n, r) => n + Number(r[1]), 0);
    expect(checks).toBeGreaterThanOrEqual(7); // 5 checks + 2 registrations (+ this page's own)
    expect(slots.some((r) => r[4] === '242')).toBe(true);
    expect(slots.some((r) => r[3] === '31')).toBe(true);
    expect(slots.reduce((n, r) => n + Number(r[2]), 0)).toBeGreaterThanOrEqual(2);
    // The chart is drawn (a canvas, hidden from assistive technology: the table says the same).
    await p.locator('.echart canvas').first().waitFor();

    // The last hour in five-minute slots.
    await p.getByRole('combobox', { name: 'Time window' }).click();
    await p.getByRole('option', { name: 'Last hour' }).click();
    await expect
      .poll(async () => (await tableRows(p, 'health-series-table')).some((r) => r[3] === '31'))
      .toBe(false);
    expect((await tableRows(p, 'health-series-table')).some((r) => r[4] === '242')).toBe(true);

    // A change the server records arrives without a reload: state, reason and a new row of history.
    await p.evaluate(() => ((window as unknown as { __same: boolean }).__same = true));
    const before = (await tableRows(p, 'health-changes-table')).length;
    await server.services.health.reportRegistration(agent1Id, chicago, { ok: true });
    await server.services.health.reportRegistration(agent1Id, chicago, { ok: false, statusCode: 401 });
    await expect.poll(() => nowField(p, 'state').textContent()).toContain('Down');
    expect(await nowField(p, 'reason').textContent()).toContain('registration refused');
    await expect
      .poll(async () => (await tableRows(p, 'health-changes-table'))[0]?.slice(1, 3))
      .toEqual(['Up', 'Down']);
    expect((await tableRows(p, 'health-changes-table')).length).toBeGreaterThan(before);
    expect(await p.evaluate(() => (window as unknown as { __same?: boolean }).__same)).toBe(true);
    expect(await p.getByTestId('health-live').textContent()).toContain('Live');

    const result = await new AxeBuilder({ page: p })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    const bad = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(bad).toEqual([]);
    await p.getByRole('combobox', { name: 'Time window' }).click();
    await p.getByRole('option', { name: 'Last 24 hours' }).click();
    await p.evaluate(() => window.scrollTo(0, 0));
    await p.waitForTimeout(800); // the chart's animation
    await screenshot(p, 'connection-health-desktop');
  });

  it('another agent’s connection is not found; the admin opens any from the connections table', async () => {
    const p = await open();
    await loginAs(p, agent1.email, agent1.password);
    await p.goto(`/connections/${sfOffice}/health`);
    await expect
      .poll(() => p.getByTestId('health-not-found').textContent())
      .toContain('does not exist, or it is not one of yours');
    expect(await p.content()).not.toContain('SF Office SIP');
    await context!.close();

    const a = await open();
    await loginAs(a, admin.email, admin.password);
    await a.goto('/admin/connections');
    await a.getByLabel('Search', { exact: true }).fill('SF Office');
    const row = a.getByTestId('trunks-table').getByRole('row', { name: /SF Office SIP/ });
    await row.waitFor({ timeout: 30_000 });
    await row.getByRole('link', { name: /Health of SF Office SIP/ }).click();
    await a.waitForURL(`**/connections/${sfOffice}/health`);
    await a.getByRole('heading', { name: 'Health of SF Office SIP', level: 1 }).waitFor();
    expect(await a.getByTestId('health-no-changes').textContent()).toContain('No change of state');
  });

  it('fits a phone screen', async () => {
    const p = await open(VIEWPORTS.phone);
    await loginAs(p, agent1.email, agent1.password);
    await p.goto(`/connections/${chicago}/health`);
    await p.getByRole('heading', { name: 'Health of Chicago Office SIP', level: 1 }).waitFor();
    await p.getByTestId('health-changes-table').waitFor();
    await p.locator('.echart canvas').first().waitFor();
    await p.waitForTimeout(800);
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      VIEWPORTS.phone.width,
    );
    await screenshot(p, 'connection-health-phone');
  });
});
