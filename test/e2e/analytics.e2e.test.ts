/**
 * The Analytics page in Chromium against the real server with the demo call history: the figures follow
 * the filters, the tables beside the charts hold the charts' numbers (the same API answers), the KPI CSV
 * matches the table, and axe finds no serious violations. Screenshots at desktop and phone width.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoCalls } from '../../src/server/seed/demo-seed.js';
import type { KpiReportDto, TrendsDto } from '../../src/shared/analytics-api.js';
import {
  DEMO_USERS,
  type DialerServer,
  VIEWPORTS,
  ensureWebBuild,
  launchBrowser,
  loginAs,
  newPage,
  screenshot,
  startDialerServer,
} from './harness.js';

const { admin, agent1 } = DEMO_USERS;
let server: DialerServer;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  ensureWebBuild();
  server = await startDialerServer();
  await seedDemoCalls(server.services);
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
  let page: Page;
  ({ context, page } = await newPage(browser, server.url, viewport));
  return page;
}

const totalCalls = (p: Page) => p.getByTestId('total-calls').textContent();
const tableRows = (p: Page, id: string) =>
  p
    .getByTestId(id)
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent?.trim() ?? '')));

describe('analytics page', () => {
  it('shows the KPIs and charts with their numbers, and follows the filters', async () => {
    const p = await open();
    await loginAs(p, agent1.email, agent1.password);
    const answers = new Map<string, unknown>();
    p.on('response', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/api/analytics/'))
        void r.json().then((body: unknown) => answers.set(path.split('/').pop()!, body));
    });
    await p.getByRole('link', { name: 'Analytics' }).click();
    await p.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    await expect.poll(async () => Number(await totalCalls(p))).toBeGreaterThan(100);
    const before = Number(await totalCalls(p));

    // The KPI table is the API's rows; its CSV is the same rows.
    const kpis = answers.get('kpis') as KpiReportDto;
    const rows = await tableRows(p, 'kpi-table');
    expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual(
      kpis.rows.map((r) => [r.name, String(r.calls), String(r.answered)]),
    );
    const csv = decodeURIComponent(
      (await p.getByTestId('kpi-csv').getAttribute('href'))!.split(',').slice(1).join(','),
    );
    const csvLines = csv.trim().split('\r\n');
    expect(csvLines[0]).toMatch(/^name,key,calls,answered,asr,ner,/);
    expect(csvLines.slice(1).map((l) => l.split(',').slice(2, 4))).toEqual(
      kpis.rows.map((r) => [String(r.calls), String(r.answered)]),
    );
    // The server sorts the table: Calls again turns the order (fewest first).
    await p.getByRole('button', { name: 'Calls', exact: true }).click();
    await expect
      .poll(async () => (await tableRows(p, 'kpi-table')).map((r) => Number(r[1])))
      .toEqual(kpis.rows.map((r) => r.calls).sort((a, b) => a - b));
    expect(
      await p.getByTestId('kpi-table').getByRole('columnheader', { name: 'Calls' }).getAttribute('aria-sort'),
    ).toBe('ascending');
    // The table beside the trend chart holds the chart's series.
    const trends = answers.get('trends') as TrendsDto;
    const trendRows = await tableRows(p, 'trend-table');
    expect(trendRows.map((r) => [r[0], Number(r[1]), Number(r[2])])).toEqual(
      trends.points.map((pt) => [pt.bucket, pt.calls, pt.answered]),
    );
    expect(trends.points.reduce((s, pt) => s + pt.calls, 0)).toBe(before);
    expect((await tableRows(p, 'mos-table')).length).toBe(5);
    expect((await tableRows(p, 'failure-table')).length).toBeGreaterThan(3);
    expect((await tableRows(p, 'destination-table')).map((r) => r[0])).toContain('United States');
    await screenshot(p, 'analytics-desktop');

    // Filters change the figures: outbound only, then one connection.
    await p.getByRole('combobox', { name: 'Direction' }).click();
    await p.getByRole('option', { name: 'Outbound' }).click();
    await expect.poll(async () => Number(await totalCalls(p))).toBeLessThan(before);
    const outbound = Number(await totalCalls(p));
    await p.getByRole('combobox', { name: 'Connection' }).click();
    await p.getByRole('option', { name: 'Chicago Office SIP' }).click();
    await expect.poll(async () => Number(await totalCalls(p))).toBeLessThan(outbound);
    await expect
      .poll(async () => (await tableRows(p, 'kpi-table')).map((r) => r[0]))
      .toEqual(['Chicago Office SIP']);
    // A range with no calls.
    await p.getByTestId('an-from').fill('2020-01-01');
    await p.getByTestId('an-to').fill('2020-01-31');
    await expect.poll(() => totalCalls(p)).toBe('0');
    // One caller-ID number, grouped per number: only that number's calls.
    await p.getByRole('button', { name: 'Reset filters' }).click();
    await expect.poll(async () => Number(await totalCalls(p))).toBe(before);
    await p.getByRole('combobox', { name: 'Number' }).click();
    await p.getByRole('option', { name: '+13125550100' }).click();
    await p.getByRole('combobox', { name: 'Group by' }).click();
    await p.getByRole('option', { name: 'Number' }).click();
    await expect
      .poll(async () => (await tableRows(p, 'kpi-table')).map((r) => r[0]))
      .toEqual(['+13125550100']);
    const oneNumber = Number(await totalCalls(p));
    expect(oneNumber).toBeGreaterThan(0);
    expect(oneNumber).toBeLessThan(before);
    expect(Number((await tableRows(p, 'kpi-table'))[0]![1])).toBe(oneNumber);
  });

  it('lets an admin see everyone per agent; no serious axe violations; phone width', async () => {
    const p = await open();
    await loginAs(p, admin.email, admin.password);
    await p.goto('/analytics');
    await expect.poll(async () => Number(await totalCalls(p))).toBeGreaterThan(100);
    await p.getByRole('combobox', { name: 'Group by' }).click();
    await p.getByRole('option', { name: 'Agent' }).click();
    await expect
      .poll(async () => (await tableRows(p, 'kpi-table')).map((r) => r[0]).sort())
      .toEqual(['Ada Admin', 'Alex Agent', 'Blair Agent']);
    const everyone = Number(await totalCalls(p));
    const blairsCalls = Number((await tableRows(p, 'kpi-table')).find((r) => r[0] === 'Blair Agent')![1]);
    // One agent: the figures are that agent's.
    await p.getByRole('combobox', { name: 'Agent' }).click();
    await p.getByRole('option', { name: 'Blair Agent' }).click();
    await expect
      .poll(async () => (await tableRows(p, 'kpi-table')).map((r) => r[0]))
      .toEqual(['Blair Agent']);
    await expect.poll(async () => Number(await totalCalls(p))).toBe(blairsCalls);
    expect(blairsCalls).toBeLessThan(everyone);
    const result = await new AxeBuilder({ page: p })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    const bad = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(bad).toEqual([]);
    await context.close();
    const phone = await open(VIEWPORTS.phone);
    await loginAs(phone, agent1.email, agent1.password);
    await phone.goto('/analytics');
    await expect.poll(async () => Number(await totalCalls(phone))).toBeGreaterThan(100);
    await screenshot(phone, 'analytics-phone');
  });
});
