/**
 * Everything the calling tests (and the phone bench) need around the real page: the SIP lab (Kamailio
 * with users generated from the seeded connections, rtpengine), the fake Telnyx REST API and WebRTC
 * server, the real Dialer server on a seeded SQLite database pointed at them, and Chromium with fake
 * media. Loopback only, free ports only.
 */
import type { Browser, BrowserContext, Page, WebSocket as PwWebSocket } from 'playwright-core';
import { seedDemo } from '../../src/server/seed/demo-seed.js';
import { startFakeTelnyx, type FakeTelnyx } from '../fakes/telnyx-api/server.js';
import { startFakeTelnyxRtc, type FakeTelnyxRtc } from '../fakes/telnyx-rtc/server.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../lab/browser.js';
import { startSipLab, type LabUser, type SipLab } from '../lab/sip-lab.js';
import {
  apiAs,
  DEMO_TRUNKS,
  DEMO_USERS,
  ensureWebBuild,
  startDialerServer,
  type DialerServer,
} from './harness.js';

/** The number agent2's SIP trunk gets in these tests (it has none in the demo data). */
export const AGENT2_NUMBER = '+16175550150';
/** Dialling this reaches the SIPp UAS (user `pstn`), through rtpengine. */
export const PSTN_NUMBER = '+13125550142';
export const PSTN_USER: LabUser = { username: 'pstn', password: 'pstn-pass-1' };
/** A second outside number (a SIPp UAS registered as `consult`): the target of a consult call. */
export const CONSULT_NUMBER = '+13125550144';
export const CONSULT_USER: LabUser = { username: 'consult', password: 'consult-pass-1' };
/** The server's default SIP credentials (DEFAULT_SIP_*), used by a connection that has none. */
export const FALLBACK_USER: LabUser = { username: 'fallback', password: 'fallback-pass-1' };
export const TELNYX_CONNECTION_ID = '1000000000000000001';
export const TELNYX_SIP_PASSWORD = DEMO_TRUNKS.find((t) => t.name === 'Telnyx US East')!.password!;

export interface CallingWorld {
  lab: SipLab;
  server: DialerServer;
  telnyxApi: FakeTelnyx;
  telnyxRtc: FakeTelnyxRtc;
  browser: Browser;
  userId: Record<'admin' | 'agent1' | 'agent2', string>;
  trunkId: (name: string) => Promise<string>;
  stop(): Promise<void>;
}

/** Lab users and E.164 aliases generated from the demo's `sip` connections. */
export function labUsersFromSeed(): { users: LabUser[]; aliases: Record<string, string> } {
  const users: LabUser[] = [PSTN_USER, CONSULT_USER, FALLBACK_USER];
  const aliases: Record<string, string> = {
    [PSTN_NUMBER]: PSTN_USER.username,
    [CONSULT_NUMBER]: CONSULT_USER.username,
    [AGENT2_NUMBER]: 'agent2',
  };
  for (const t of DEMO_TRUNKS) {
    if (t.provider !== 'sip' || !t.username || !t.password) continue;
    users.push({ username: t.username, password: t.password });
    for (const a of t.assignments) aliases[a.number] = t.username;
  }
  return { users, aliases };
}

export interface CallingWorldOptions {
  /**
   * The browser runs in its own network namespace (test/lab/network-paths.ts): the lab's WebSocket and
   * media, and the Dialer server, listen on `serverAddress`; Chromium starts through `chromiumPath`.
   */
  network?: { serverAddress: string; chromiumPath: string };
}

export async function startCallingWorld(opts: CallingWorldOptions = {}): Promise<CallingWorld> {
  ensureWebBuild();
  const { users, aliases } = labUsersFromSeed();
  const [lab, telnyxApi, telnyxRtc] = await Promise.all([
    startSipLab({
      users,
      aliases,
      withRtpengine: true,
      ...(opts.network ? { browserAddress: opts.network.serverAddress } : {}),
    }),
    startFakeTelnyx({ connections: 0, numbers: 0, unassignedNumbers: 0 }),
    startFakeTelnyxRtc(),
  ]);
  // Telnyx sends a credential connection's password in full (accounts created before 2026-09-08): the
  // same one the demo stores for its trunk, so the page-level leak check has a real password to look for.
  telnyxApi.addConnection({
    id: TELNYX_CONNECTION_ID,
    connection_name: 'Telnyx US East',
    password: TELNYX_SIP_PASSWORD,
  });
  const server = await startDialerServer(
    {
      DEFAULT_SIP_WS_SERVER: lab.wsUrl,
      DEFAULT_SIP_URI: lab.domain,
      DEFAULT_SIP_USERNAME: FALLBACK_USER.username,
      DEFAULT_SIP_PASSWORD: FALLBACK_USER.password,
      TELNYX_API_KEY: telnyxApi.apiKey,
      TELNYX_BASE_URL: telnyxApi.baseUrl,
      TELNYX_RTC_HOST: telnyxRtc.url,
    },
    opts.network ? { host: opts.network.serverAddress } : {},
  );
  // The harness seeds the demo data for an unreachable SIP server; point the sip trunks at the lab.
  await seedDemo(server.services, { sipWsServer: lab.wsUrl, sipDomain: lab.domain });
  const db = server.services.db;
  const userRows = await db.selectFrom('users').select(['id', 'email']).execute();
  const idOf = (email: string): string => userRows.find((u) => u.email === email)!.id;
  const userId = {
    admin: idOf(DEMO_USERS.admin.email),
    agent1: idOf(DEMO_USERS.agent1.email),
    agent2: idOf(DEMO_USERS.agent2.email),
  };
  const trunkId = async (name: string): Promise<string> =>
    (await db.selectFrom('sip_trunks').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;

  // Arrange the rest the way an admin would: through the admin API.
  const admin = await apiAs(server.url, DEMO_USERS.admin.email, DEMO_USERS.admin.password);
  const number = await db
    .selectFrom('phone_numbers')
    .select('id')
    .where('number', '=', AGENT2_NUMBER)
    .executeTakeFirstOrThrow();
  await admin('POST', '/api/admin/assignments', {
    trunkId: await trunkId('SF Overflow SIP'),
    phoneNumberId: number.id,
    assignmentType: 'primary',
  });
  // Tones as SIP INFO on agent1's trunk, so agent2's page can show the digits it receives.
  await admin('PATCH', `/api/admin/trunks/${await trunkId('Chicago Office SIP')}`, {
    settings: {
      codecs: ['opus', 'PCMU', 'PCMA'],
      dtmfMode: 'info',
      rtpTimeoutSeconds: 30,
      sendPAssertedIdentity: true,
    },
  });
  await admin('POST', '/api/admin/trunks', {
    ownerId: userId.agent1,
    name: 'Wrong Password SIP',
    provider: 'sip',
    status: 'active',
    wsServer: lab.wsUrl,
    sipUri: `sip:agent1@${lab.domain}`,
    username: 'agent1',
    password: 'not-the-sip-password',
  });
  await admin('POST', '/api/admin/trunks', {
    ownerId: userId.agent1,
    name: 'No Credentials SIP',
    provider: 'sip',
    status: 'active',
    wsServer: lab.wsUrl,
  });

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: opts.network?.chromiumPath ?? CHROMIUM_PATH,
    headless: true,
    args: opts.network
      ? [
          // Real interfaces: no loopback ICE candidate (rtpengine would try it against its own lo).
          ...CHROMIUM_ARGS.filter((a) => a !== '--allow-loopback-in-peer-connection'),
          // The microphone needs a secure context; http://10.9.0.1 is not one by default.
          `--unsafely-treat-insecure-origin-as-secure=${server.url}`,
        ]
      : CHROMIUM_ARGS,
  });

  return {
    lab,
    server,
    telnyxApi,
    telnyxRtc,
    browser,
    userId,
    trunkId,
    async stop() {
      await browser.close().catch(() => undefined);
      await server.close().catch(() => undefined);
      await Promise.all(
        [lab.stop(), telnyxApi.close(), telnyxRtc.stop()].map((p) => p.catch(() => undefined)),
      );
    },
  };
}

export interface AgentPage {
  context: BrowserContext;
  page: Page;
  /** WebSockets the page opened to the SIP lab and not closed yet. */
  openSipSockets(): number;
}

/**
 * A fresh browser context (own cookies) with the microphone granted, logged in as `who`. `initScript`
 * runs in every page of the context before the app (e.g. to keep hold of its peer connections).
 */
export async function openAgent(
  world: CallingWorld,
  who: 'agent1' | 'agent2',
  viewport: { width: number; height: number } = { width: 1280, height: 800 },
  opts: { initScript?: () => void } = {},
): Promise<AgentPage> {
  const context = await world.browser.newContext({
    baseURL: world.server.url,
    viewport,
    locale: 'en-US',
    timezoneId: 'UTC',
    permissions: ['microphone'],
  });
  if (opts.initScript) await context.addInitScript(opts.initScript);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const open = new Set<PwWebSocket>();
  page.on('websocket', (ws) => {
    if (!ws.url().startsWith(world.lab.wsUrl)) return;
    open.add(ws);
    ws.on('close', () => open.delete(ws));
  });
  const user = DEMO_USERS[who];
  await page.goto('/login');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByRole('heading', { name: 'Dialer', level: 1 }).waitFor();
  return { context, page, openSipSockets: () => open.size };
}

/** Picks a connection in the page's Connection select. */
export async function chooseConnection(page: Page, name: string): Promise<void> {
  const combo = page.getByRole('combobox', { name: 'Connection' });
  if ((await combo.textContent())?.includes(name)) return;
  await combo.click();
  await page.getByRole('option', { name: new RegExp(name) }).click();
  await page.getByRole('listbox').waitFor({ state: 'detached' });
}

export const phoneStatus = (page: Page): Promise<string> =>
  page
    .getByTestId('status-phone')
    .innerText()
    .then((t) => t.replace(/\s+/g, ' ').trim());

/** Types a number into the dial field and presses Call. */
export async function dial(page: Page, number: string): Promise<void> {
  await page.getByLabel('Number to call').fill(number);
  await page.getByTestId('call-button').click();
}

export const callState = (page: Page): Promise<string | null> =>
  page
    .getByTestId('call-panel')
    .getAttribute('data-state', { timeout: 1000 })
    .catch(() => null);

/** Audio byte counters the page shows (from the phone's getStats samples). */
export async function shownBytes(page: Page): Promise<{ sent: number; received: number }> {
  const q = page.getByTestId('call-quality');
  if ((await q.count()) === 0) return { sent: 0, received: 0 };
  return {
    sent: Number(await q.getAttribute('data-bytes-sent')),
    received: Number(await q.getAttribute('data-bytes-received')),
  };
}
