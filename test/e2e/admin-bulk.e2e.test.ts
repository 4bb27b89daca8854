/**
 * The admin console's bulk tools in a real browser (Debian's Chromium) against the real server on a
 * seeded SQLite database: bulk assignment of every number a filter matches (with a dry-run preview and
 * refusals explained), CSV import (a bad row changes nothing and is named by its line; a good file is
 * applied) and CSV export of the current filter (the downloaded file's content), and a connection's
 * Test button against the lab's Kamailio (right and wrong password) and an unreachable WebSocket server.
 */
import fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSipLab, type SipLab } from '../lab/sip-lab.js';
import type { AdminPhoneNumberDto, AdminTrunkDto } from '../../src/shared/admin-api.js';
import type { Page as ListPage, UserDto } from '../../src/shared/api.js';
import {
  apiAs,
  DEMO_USERS,
  type DialerServer,
  ensureWebBuild,
  launchBrowser,
  newPage,
  screenshot,
  startDialerServer,
  VIEWPORTS,
} from './harness.js';

const { admin } = DEMO_USERS;

let server: DialerServer;
let browser: Browser;
let context: BrowserContext;
let api: Awaited<ReturnType<typeof apiAs>>;
let bulkTrunk: AdminTrunkDto;
let otherTrunk: AdminTrunkDto;

/** 50 numbers of area code 646 that no connection has yet. */
const NUMBERS = Array.from({ length: 50 }, (_, i) => `+1646555${String(1000 + i)}`);
/** Three more, of area code 718, for the CSV import. */
const SPARE = ['+17185552000', '+17185552001', '+17185552002'];

beforeAll(async () => {
  ensureWebBuild();
  server = await startDialerServer();
  browser = await launchBrowser();
  api = await apiAs(server.url, admin.email, admin.password);
  const owner = (await api<ListPage<UserDto>>('GET', '/api/admin/users?q=agent1')).items[0]!;
  const trunk = (name: string) =>
    api<AdminTrunkDto>('POST', '/api/admin/trunks', {
      ownerId: owner.id,
      name,
      provider: 'sip',
      wsServer: 'ws://127.0.0.1:9',
      sipUri: 'sip:bulk@127.0.0.1',
      username: 'bulk',
      password: 'bulk-secret-pw',
    });
  bulkTrunk = await trunk('Bulk Trunk');
  otherTrunk = await trunk('Other Trunk');
  for (const number of [...NUMBERS, ...SPARE])
    await api('POST', '/api/admin/numbers', { number, country: 'US' });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async () => {
  await context?.close();
});

async function openAs(path: string, viewport = VIEWPORTS.desktop): Promise<Page> {
  const opened = await newPage(browser, server.url, viewport);
  context = opened.context;
  const p = opened.page;
  // Bulk requests and live checks take seconds on a busy machine; what is asserted does not depend on it.
  p.setDefaultTimeout(30_000);
  await p.goto(`/login?redirect=${encodeURIComponent(path)}`);
  await p.getByLabel('Email').fill(admin.email);
  await p.getByLabel('Password').fill(admin.password);
  await p.getByRole('button', { name: 'Log in' }).click();
  await p.waitForURL((url) => url.pathname === path);
  return p;
}

async function pick(p: Page, combobox: string, option: string, scope = p.locator('body')): Promise<void> {
  await scope.getByRole('combobox', { name: combobox, exact: true }).click();
  await p.getByRole('option', { name: option, exact: true }).click();
}

const numbersOn = async (trunkId: string) =>
  (await api<ListPage<AdminPhoneNumberDto>>('GET', `/api/admin/numbers?trunkId=${trunkId}&pageSize=500`))
    .items;

describe('bulk assignment', () => {
  it('assigns all 50 numbers a filter matches after a preview, and explains a refusal', async () => {
    const p = await openAs('/admin/numbers');
    const table = p.getByTestId('numbers-table');
    await table.getByRole('row').nth(1).waitFor();
    await p.getByLabel('Area code').fill('646');
    await pick(p, 'Assignment', 'Not assigned');
    await expect.poll(() => p.getByTestId('numbers-total').textContent()).toBe('(50)');

    await p.getByTestId('bulk-all-matching').click();
    expect(await p.getByTestId('bulk-count').textContent()).toContain('50 numbers chosen');
    await p.getByTestId('bulk-open').click();
    const dialog = p.getByTestId('bulk-dialog');
    expect(await dialog.getByTestId('bulk-target').textContent()).toContain(
      'all 50 numbers that match the filters',
    );
    expect(await dialog.getByTestId('bulk-apply').isDisabled()).toBe(true);
    await pick(p, 'Connection', 'Bulk Trunk', dialog);
    await pick(p, 'As', 'Backup', dialog);
    await dialog.getByTestId('bulk-preview-button').click();
    await expect.poll(() => dialog.getByTestId('bulk-preview').textContent()).toContain('Would change: 50');
    expect(await numbersOn(bulkTrunk.id)).toHaveLength(0); // a preview writes nothing
    await screenshot(p, 'admin-bulk-preview-desktop', { fullPage: false });
    await dialog.getByRole('button', { name: 'Apply to 50 numbers' }).click();
    await dialog.waitFor({ state: 'detached' });

    // The filter still says "not assigned": none is left.
    await expect.poll(() => p.getByTestId('numbers-total').textContent()).toBe('(0)');
    const assigned = await numbersOn(bulkTrunk.id);
    expect(assigned.map((n) => n.number).sort()).toEqual(NUMBERS);
    expect(assigned.every((n) => n.activeAssignment?.assignmentType === 'backup')).toBe(true);
    await pick(p, 'Assignment', 'Assigned to a connection');
    await expect
      .poll(() => table.getByRole('row', { name: /\+1 646 555 1000/ }).textContent())
      .toContain('Bulk Trunk');

    // Two ticked rows, assigned elsewhere: refused, with the reason, and nothing can be applied.
    await table
      .getByRole('row', { name: /\+1 646 555 1000/ })
      .getByRole('checkbox')
      .check();
    await table
      .getByRole('row', { name: /\+1 646 555 1001/ })
      .getByRole('checkbox')
      .check();
    expect(await p.getByTestId('bulk-count').textContent()).toContain('2 numbers chosen');
    await p.getByTestId('bulk-open').click();
    await pick(p, 'Connection', 'Other Trunk', dialog);
    await dialog.getByTestId('bulk-preview-button').click();
    const refused = dialog.getByTestId('bulk-refused');
    await expect.poll(() => refused.textContent()).toContain('+1 646 555 1000');
    expect(await refused.textContent()).toContain('Bulk Trunk');
    expect(await dialog.getByTestId('bulk-apply').isDisabled()).toBe(true);
    await screenshot(p, 'admin-bulk-refused-desktop', { fullPage: false });

    // Moving them instead is allowed.
    await pick(p, 'Change', 'Move to another connection', dialog);
    await pick(p, 'Connection', 'Other Trunk', dialog);
    await dialog.getByTestId('bulk-preview-button').click();
    await expect
      .poll(() => dialog.getByTestId('bulk-preview').textContent())
      .toContain('moved from Bulk Trunk to Other Trunk');
    await dialog.getByRole('button', { name: 'Apply to 2 numbers' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await numbersOn(otherTrunk.id)).map((n) => n.number).sort()).toEqual(NUMBERS.slice(0, 2));
  });
});

describe('CSV import and export', () => {
  it('names the line of a bad row and writes nothing; applies a good file', async () => {
    const p = await openAs('/admin/numbers');
    await p.getByTestId('numbers-table').getByRole('row').nth(1).waitFor();
    await p.getByTestId('csv-import-open').click();
    const dialog = p.getByTestId('csv-import');
    const before = await numbersOn(otherTrunk.id);
    const bad = [
      'number,connection,type,action',
      '+17185552000,Other Trunk,secondary,assign',
      '+17185552001,No Such Trunk,secondary,assign',
      '(718) 555-2002,Other Trunk,backup,assign',
    ].join('\n');
    await dialog
      .getByLabel('CSV file')
      .setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad + '\n') });
    const problems = dialog.getByTestId('csv-problems');
    await expect.poll(() => problems.textContent()).toContain('Line 3');
    expect(await problems.textContent()).toContain('No Such Trunk');
    expect(await dialog.getByTestId('csv-apply').isDisabled()).toBe(true);
    expect(await numbersOn(otherTrunk.id)).toEqual(before);
    await screenshot(p, 'admin-csv-problems-desktop', { fullPage: false });

    const good = [
      'number,connection,type,action',
      '+17185552000,Other Trunk,secondary,assign',
      '(718) 555-2002,Other Trunk,backup,assign',
    ].join('\n');
    await dialog
      .getByLabel('CSV file')
      .setInputFiles({ name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(good + '\n') });
    await expect.poll(() => dialog.getByTestId('csv-report').textContent()).toContain('2 rows');
    expect(await dialog.getByTestId('csv-problems').count()).toBe(0);
    expect(await dialog.getByTestId('csv-rows').textContent()).toContain('Other Trunk');
    await dialog.getByTestId('csv-apply').click();
    await dialog.waitFor({ state: 'detached' });
    const after = (await numbersOn(otherTrunk.id)).map((n) => n.number).sort();
    expect(after).toEqual([...before.map((n) => n.number), '+17185552000', '+17185552002'].sort());
  });

  it('downloads the active assignments of the current filter as CSV', async () => {
    const p = await openAs('/admin/numbers');
    await p.getByTestId('numbers-table').getByRole('row').nth(1).waitFor();
    await pick(p, 'Connection', 'Other Trunk');
    await expect.poll(() => p.getByTestId('numbers-total').textContent()).toBe('(4)');
    const [download] = await Promise.all([p.waitForEvent('download'), p.getByTestId('csv-export').click()]);
    expect(download.suggestedFilename()).toMatch(/^assignments-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = fs.readFileSync(await download.path(), 'utf8');
    const lines = text.trim().split(/\r?\n/);
    expect(lines[0]).toBe('number,connection,type,action');
    expect(lines.slice(1).sort()).toEqual([
      '+16465551000,Other Trunk,backup,assign',
      '+16465551001,Other Trunk,backup,assign',
      '+17185552000,Other Trunk,secondary,assign',
      '+17185552002,Other Trunk,backup,assign',
    ]);
  });
});

describe('a connection’s Test button', () => {
  let lab: SipLab;
  beforeAll(async () => {
    lab = await startSipLab({ users: [{ username: 'labuser', password: 'lab-secret-1' }] });
    const owner = (await api<ListPage<UserDto>>('GET', '/api/admin/users?q=agent2')).items[0]!;
    for (const [name, password] of [
      ['Lab Kamailio', 'lab-secret-1'],
      ['Lab Wrong Password', 'not-the-password'],
    ]) {
      await api('POST', '/api/admin/trunks', {
        ownerId: owner.id,
        name,
        provider: 'sip',
        wsServer: lab.wsUrl,
        sipUri: lab.sipUri,
        username: 'labuser',
        password,
      });
    }
  });
  afterAll(() => lab?.stop());

  const testOf = async (p: Page, name: string) => {
    await p.getByLabel('Search', { exact: true }).fill(name);
    const row = p.getByTestId('trunks-table').getByRole('row', { name: new RegExp(name) });
    await row.getByRole('button', { name: `Test ${name}`, exact: true }).click();
    const dialog = p.getByTestId('trunk-test');
    await dialog.getByTestId('trunk-test-summary').waitFor({ timeout: 30_000 });
    return dialog;
  };

  it('says reachable and registered, or in plain words what failed', async () => {
    const p = await openAs('/admin/connections');
    await p.getByTestId('trunks-table').getByRole('row').nth(1).waitFor();

    let dialog = await testOf(p, 'Lab Kamailio');
    expect(await dialog.getByTestId('trunk-test-summary').textContent()).toMatch(
      /^Reachable and registered with its credentials/,
    );
    expect(await dialog.getByTestId('trunk-test-reachability').textContent()).toContain(lab.wsUrl);
    await screenshot(p, 'admin-connection-test-ok-desktop', { fullPage: false });
    await dialog.getByTestId('trunk-test-close').click();
    await dialog.waitFor({ state: 'detached' });

    dialog = await testOf(p, 'Lab Wrong Password');
    expect(await dialog.getByTestId('trunk-test-summary').textContent()).toBe(
      'Reachable, but registration refused: wrong password.',
    );
    expect(await dialog.getByTestId('trunk-test-registration').textContent()).toContain(
      'Failed: registration refused: wrong password',
    );
    await dialog.getByTestId('trunk-test-close').click();
    await dialog.waitFor({ state: 'detached' });

    dialog = await testOf(p, 'Bulk Trunk');
    const summary = await dialog.getByTestId('trunk-test-summary').textContent();
    expect(summary).toMatch(/^Not reachable: /);
    expect(summary).toContain('cannot reach ws://127.0.0.1:9 (connection refused)');
    await screenshot(p, 'admin-connection-test-failed-desktop', { fullPage: false });
    await p.setViewportSize(VIEWPORTS.phone);
    await screenshot(p, 'admin-connection-test-failed-phone', { fullPage: false });
  });

  it('runs the same check from the edit form, which stays open behind it', async () => {
    const p = await openAs('/admin/connections');
    await p.getByTestId('trunks-table').getByRole('row').nth(1).waitFor();
    // A connection not saved yet has nothing to test.
    await p.getByTestId('new-connection').click();
    const form = p.getByTestId('trunk-form');
    await form.waitFor();
    expect(await form.getByTestId('trunk-form-test').count()).toBe(0);
    await form.getByRole('button', { name: 'Cancel' }).click();
    await form.waitFor({ state: 'detached' });

    await p.getByLabel('Search', { exact: true }).fill('Lab Wrong Password');
    const row = p.getByTestId('trunks-table').getByRole('row', { name: /Lab Wrong Password/ });
    await row.getByRole('button', { name: 'Edit Lab Wrong Password', exact: true }).click();
    await form.getByRole('button', { name: 'Test connection' }).click();
    const dialog = p.getByTestId('trunk-test');
    await dialog.getByTestId('trunk-test-summary').waitFor({ timeout: 30_000 });
    expect(await dialog.getByTestId('trunk-test-summary').textContent()).toBe(
      'Reachable, but registration refused: wrong password.',
    );
    expect(await dialog.getByTestId('trunk-test-reachability').textContent()).toContain(lab.wsUrl);
    await screenshot(p, 'admin-connection-form-test-desktop', { fullPage: false });
    await dialog.getByTestId('trunk-test-close').click();
    await dialog.waitFor({ state: 'detached' });
    // Back in the form, as it was.
    expect(await form.isVisible()).toBe(true);
    await expect.poll(() => form.getByLabel('Name', { exact: true }).inputValue()).toBe('Lab Wrong Password');
  });
});
