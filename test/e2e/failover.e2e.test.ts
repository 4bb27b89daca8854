/**
 * Failover in a real browser against real SIP peers: agent1's "Chicago Office SIP" registers with a
 * Kamailio that answers OPTIONS and REGISTER but refuses every new call with 503; "Backup SIP" (same
 * agent, its own number) registers with a Kamailio that relays the call, through rtpengine, to a SIPp
 * UAS. A call from Chicago fails on its trunk; the page offers "Retry on Backup SIP" (or retries by
 * itself once the agent turned automatic failover on), the retry goes out from Backup's own number and
 * is answered, and both attempts are in the history, linked (database, API and History page).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallDto, Page as ListPage } from '../../src/shared/api.js';
import type { CallRow } from '../../src/server/db/schema.js';
import { seedDemo } from '../../src/server/seed/demo-seed.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../lab/browser.js';
import { runSippUas, startSipLab, type SipLab } from '../lab/sip-lab.js';
import { callState, chooseConnection, dial, phoneStatus, PSTN_NUMBER, PSTN_USER } from './calling-world.js';
import {
  apiAs,
  DEMO_TRUNKS,
  DEMO_USERS,
  ensureWebBuild,
  screenshot,
  startDialerServer,
  type DialerServer,
} from './harness.js';

const { agent1, admin } = DEMO_USERS;
const SIP_PASSWORD = DEMO_TRUNKS.find((t) => t.name === 'Chicago Office SIP')!.password!;
const BACKUP_NUMBER = '+13125550188';

let good: SipLab;
let refusing: SipLab;
let server: DialerServer;
let browser: Browser;
let context: BrowserContext | undefined;
let agent1Id: string;
let chicago: string;
let backup: string;

beforeAll(async () => {
  ensureWebBuild();
  const user = { username: 'agent1', password: SIP_PASSWORD };
  [good, refusing] = await Promise.all([
    startSipLab({
      users: [user, PSTN_USER],
      aliases: { [PSTN_NUMBER]: PSTN_USER.username },
      withRtpengine: true,
    }),
    startSipLab({ users: [user], refuseNewCalls: { code: 503, reason: 'Service Unavailable' } }),
  ]);
  server = await startDialerServer();
  // The demo's SIP trunks (Chicago among them) point at the Kamailio that refuses calls.
  await seedDemo(server.services, { sipWsServer: refusing.wsUrl, sipDomain: refusing.domain });
  const db = server.services.db;
  agent1Id = (
    await db.selectFrom('users').select('id').where('email', '=', agent1.email).executeTakeFirstOrThrow()
  ).id;
  chicago = (
    await db
      .selectFrom('sip_trunks')
      .select('id')
      .where('name', '=', 'Chicago Office SIP')
      .executeTakeFirstOrThrow()
  ).id;
  // The admin adds agent1's second SIP connection, with a number of its own.
  const asAdmin = await apiAs(server.url, admin.email, admin.password);
  backup = (
    await asAdmin<{ id: string }>('POST', '/api/admin/trunks', {
      ownerId: agent1Id,
      name: 'Backup SIP',
      provider: 'sip',
      status: 'active',
      wsServer: good.wsUrl,
      sipUri: `sip:agent1@${good.domain}`,
      username: 'agent1',
      password: SIP_PASSWORD,
    })
  ).id;
  const number = await asAdmin<{ id: string }>('POST', '/api/admin/numbers', {
    number: BACKUP_NUMBER,
    ownerId: agent1Id,
    country: 'US',
  });
  await asAdmin('POST', '/api/admin/assignments', {
    trunkId: backup,
    phoneNumberId: number.id,
    assignmentType: 'primary',
  });
  // Both answer OPTIONS: measured up (a trunk that refuses calls looks healthy until a call fails).
  for (const id of [chicago, backup]) {
    const [item] = await server.services.health.checkAll({ connectionId: id });
    expect(item?.state, item?.reason ?? '').toBe('up');
  }
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.close().catch(() => undefined);
  await Promise.all([good?.stop(), refusing?.stop()].map((p) => p?.catch(() => undefined)));
});

afterEach(async () => {
  await context?.close().catch(() => undefined);
  context = undefined;
});

const poll = <T>(fn: () => T | Promise<T>, timeout = 15_000) => expect.poll(fn, { timeout });

async function openAgent1(): Promise<Page> {
  context = await browser.newContext({
    baseURL: server.url,
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    timezoneId: 'UTC',
    permissions: ['microphone'],
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto('/login');
  await page.getByLabel('Email').fill(agent1.email);
  await page.getByLabel('Password').fill(agent1.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByRole('heading', { name: 'Dialer', level: 1 }).waitFor();
  return page;
}

async function onChicago(page: Page): Promise<void> {
  await chooseConnection(page, 'Chicago Office SIP');
  await poll(() => phoneStatus(page)).toMatch(/Phone: Registered/);
}

/** agent1's calls to the SIPp number, oldest first. */
const pstnCalls = (): Promise<CallRow[]> =>
  server.services.db
    .selectFrom('calls')
    .selectAll()
    .where('user_id', '=', agent1Id)
    .where('remote_number', '=', PSTN_NUMBER)
    .orderBy('started_at', 'asc')
    .execute();

/** Waits for a pair of attempts after `before` rows: the failed one on Chicago, the answered retry. */
async function linkedPair(before: number): Promise<[CallRow, CallRow]> {
  await poll(async () => (await pstnCalls()).slice(before).map((c) => c.outcome)).toEqual([
    'failed',
    'answered',
  ]);
  const [first, retry] = (await pstnCalls()).slice(before) as [CallRow, CallRow];
  expect(first).toMatchObject({ trunk_id: chicago, sip_code: 503, caller_number: '+13125550100' });
  expect(retry).toMatchObject({ trunk_id: backup, caller_number: BACKUP_NUMBER, retry_of_call_id: first.id });
  expect(first.retry_of_call_id).toBeNull();
  return [first, retry];
}

async function hangUpAndCheckSipp(page: Page, uas: Awaited<ReturnType<typeof runSippUas>>): Promise<void> {
  await poll(() => page.getByTestId('call-timer').textContent()).toMatch(/00:0[1-9]/);
  await page.getByTestId('call-hangup').click();
  const sipp = await uas.done;
  expect(sipp.exitCode, sipp.output.slice(-3000)).toBe(0);
}

describe('failover', () => {
  it('a 503 from the trunk: one click retries on the next healthy connection with its own number; History links both', async () => {
    const uas = await runSippUas({ lab: good, ...PSTN_USER, timeoutMs: 60_000 });
    try {
      await uas.ready;
      const page = await openAgent1();
      await onChicago(page);
      const before = (await pstnCalls()).length;
      await dial(page, PSTN_NUMBER);
      const notice = page.getByTestId('failover-notice');
      await poll(() => notice.textContent()).toContain('refused by the trunk (503)');
      expect(await notice.textContent()).toContain('Chicago Office SIP');
      await screenshot(page, 'failover-offer-desktop', { fullPage: false });
      await page.getByRole('button', { name: 'Retry on Backup SIP' }).click();
      await poll(() => callState(page)).toBe('active');
      expect(await page.getByRole('combobox', { name: 'Connection' }).textContent()).toContain('Backup SIP');
      await hangUpAndCheckSipp(page, uas);
      const [first, retry] = await linkedPair(before);

      // The API says so too.
      const asAgent = await apiAs(server.url, agent1.email, agent1.password);
      const list = await asAgent<ListPage<CallDto>>('GET', `/api/calls?q=${encodeURIComponent(PSTN_NUMBER)}`);
      expect(list.items.find((c) => c.id === retry.id)?.retryOfCallId).toBe(first.id);
      expect(list.items.find((c) => c.id === first.id)?.retryOfCallId).toBeNull();

      // History shows both attempts, linked.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
      const table = page.getByTestId('history-table');
      await poll(() => table.getByTestId('retry-of').first().textContent()).toContain(
        'attempt on Chicago Office SIP',
      );
      expect(await table.getByTestId('retried-as').first().textContent()).toContain('Retried on Backup SIP');
      await table.locator('.p-datatable-mask').waitFor({ state: 'detached' });
      await screenshot(page, 'failover-history-desktop', { fullPage: false });
    } finally {
      uas.kill();
    }
  });

  it('with automatic failover on (remembered), the page retries by itself', async () => {
    const uas = await runSippUas({ lab: good, ...PSTN_USER, timeoutMs: 60_000 });
    try {
      await uas.ready;
      const page = await openAgent1();
      await page.getByTestId('auto-failover').check();
      await page.reload();
      await page.getByRole('heading', { name: 'Dialer', level: 1 }).waitFor();
      expect(await page.getByTestId('auto-failover').isChecked()).toBe(true);
      await onChicago(page);
      const before = (await pstnCalls()).length;
      await dial(page, PSTN_NUMBER);
      await poll(() => callState(page), 20_000).toBe('active');
      expect(await page.getByRole('combobox', { name: 'Connection' }).textContent()).toContain('Backup SIP');
      await hangUpAndCheckSipp(page, uas);
      await linkedPair(before);
    } finally {
      uas.kill();
    }
  });
});
