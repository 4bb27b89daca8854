/**
 * The call history's date range and CSV export in a real browser, in three time zones (Chromium's
 * timezoneId): a day picked in the date picker is the agent's own local day, so the calls listed, the
 * request's bounds and the downloaded CSV all follow the browser's zone. Three calls sit around one UTC
 * day so that each zone sees a different pair.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { CallDto, ConnectionListDto } from '../../src/shared/api.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiAs,
  DEMO_USERS,
  type DialerServer,
  VIEWPORTS,
  ensureWebBuild,
  launchBrowser,
  loginAs,
  screenshot,
  startDialerServer,
} from './harness.js';

const { agent1 } = DEMO_USERS;

/** Remote number -> when the call started (UTC). */
const CALLS = {
  '+13125550301': '2026-11-20T02:30:00.000Z', // Los Angeles: Nov 19, 18:30 · Tokyo: Nov 20, 11:30
  '+13125550302': '2026-11-20T12:00:00.000Z', // Los Angeles: Nov 20, 04:00 · Tokyo: Nov 20, 21:00
  '+13125550303': '2026-11-20T20:00:00.000Z', // Los Angeles: Nov 20, 12:00 · Tokyo: Nov 21, 05:00
} as const;
const ids: Record<string, string> = {};

let server: DialerServer;
let browser: Browser;

beforeAll(async () => {
  ensureWebBuild();
  server = await startDialerServer();
  const api = await apiAs(server.url, agent1.email, agent1.password);
  const { connections } = await api<ConnectionListDto>('GET', '/api/connections?source=database');
  const chicago = connections.find((c) => c.name === 'Chicago Office SIP')!;
  for (const [remote, startedAt] of Object.entries(CALLS)) {
    const call = await api<CallDto>('POST', '/api/calls', {
      connectionId: chicago.id,
      phoneNumberId: chicago.numbers[0]!.phoneNumberId,
      remoteNumber: remote,
      direction: 'outbound',
    });
    ids[remote] = call.id;
    // The server stamps a new record with its own clock; place it on the day under test.
    await server.database.handle.db
      .updateTable('calls')
      .set({ started_at: startedAt, invite_at: startedAt })
      .where('id', '=', call.id)
      .execute();
  }
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function historyIn(timezoneId: string): Promise<Page> {
  const context = await browser.newContext({
    baseURL: server.url,
    viewport: VIEWPORTS.desktop,
    locale: 'en-US',
    timezoneId,
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await loginAs(page, agent1.email, agent1.password);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
  await page.getByTestId('history-table').waitFor();
  return page;
}

/** Picks one whole day, November 20 2026, in the date picker (a range that starts and ends on it). */
async function pickNovember20(page: Page): Promise<void> {
  await page.locator('#filter-dates').click();
  const panel = page.locator('.p-datepicker-panel');
  await panel.waitFor();
  for (
    let i = 0;
    i < 24 && !(await panel.locator('.p-datepicker-title').innerText()).includes('November');
    i++
  )
    await panel.locator('.p-datepicker-prev-button').click();
  expect(await panel.locator('.p-datepicker-title').innerText()).toMatch(/November\s+2026/);
  const day = panel
    .locator('td.p-datepicker-day-cell:not(.p-datepicker-other-month) .p-datepicker-day')
    .getByText('20', { exact: true });
  await day.click();
  await day.click();
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'detached' });
}

/** The test's calls (by remote number) the history table shows, in the table's order. */
async function listed(page: Page): Promise<string[]> {
  const text = (await page.getByTestId('history-table').locator('tbody').innerText()).replace(/\s+/g, '');
  return Object.keys(CALLS)
    .filter((n) => text.includes(n))
    .sort((a, b) => text.indexOf(a) - text.indexOf(b));
}

const ZONES = [
  {
    zone: 'America/Los_Angeles',
    from: '2026-11-20T08:00:00.000Z',
    to: '2026-11-21T07:59:59.999Z',
    calls: ['+13125550302', '+13125550303'],
  },
  {
    zone: 'Asia/Tokyo',
    from: '2026-11-19T15:00:00.000Z',
    to: '2026-11-20T14:59:59.999Z',
    calls: ['+13125550301', '+13125550302'],
  },
  {
    zone: 'UTC',
    from: '2026-11-20T00:00:00.000Z',
    to: '2026-11-20T23:59:59.999Z',
    calls: ['+13125550301', '+13125550302', '+13125550303'],
  },
];

describe('call history date range across time zones', () => {
  it.each(ZONES)(
    'in $zone, November 20 means the local day: its calls listed, and exactly those in the CSV download',
    async ({ zone, from, to, calls }) => {
      const page = await historyIn(zone);
      try {
        const requests: URL[] = [];
        page.on('request', (r) => {
          const url = new URL(r.url());
          if (url.pathname === '/api/calls') requests.push(url);
        });
        await pickNovember20(page);
        await expect.poll(() => requests.at(-1)?.searchParams.get('from')).toBe(from);
        expect(requests.at(-1)?.searchParams.get('to')).toBe(to);
        await expect.poll(() => listed(page)).toEqual([...calls].reverse()); // newest first
        if (zone === 'America/Los_Angeles') await screenshot(page, 'history-date-range-desktop');

        // The CSV link carries the same filter, and the file the browser saves holds exactly those calls.
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByTestId('export-csv').click(),
        ]);
        expect(download.suggestedFilename()).toMatch(/^calls.*\.csv$/);
        const csv = fs.readFileSync(await download.path(), 'utf8');
        const [header, ...rows] = csv.split('\r\n').filter((line) => line !== '');
        expect(header!.split(',').slice(0, 2)).toEqual(['call_id', 'started_at']);
        const columns = header!.split(',');
        const records = rows.map((line) => {
          const cells = line.split(',');
          return Object.fromEntries(columns.map((c, i) => [c, cells[i]]));
        });
        expect(records.map((r) => r.remote_number).sort()).toEqual([...calls].sort());
        for (const r of records) {
          expect(r.call_id).toBe(ids[r.remote_number!]);
          expect(r.started_at).toBe(CALLS[r.remote_number as keyof typeof CALLS]);
          expect(r).toMatchObject({ direction: 'outbound', user_email: agent1.email });
        }
      } finally {
        await page.context().close();
      }
    },
  );
});
