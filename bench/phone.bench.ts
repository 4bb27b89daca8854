/**
 * The phone in the real page against a bare JsSIP page, same lab, same callee (a JsSIP UA that answers
 * at once): page open -> registered, click Call -> INVITE on the WebSocket, and click -> answered.
 * Times are taken inside the browser (performance.now(): navigation start, the click event, the
 * moment WebSocket.send carries the INVITE, the call panel turning "active" / JsSIP's "confirmed").
 * Targets (issue 14): ready <= 300 ms, click-to-INVITE <= 40 ms; call-to-confirmed no slower than bare JsSIP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { DEMO_USERS } from '../src/server/seed/demo-data.js';
import { browserAutoAnswer, browserRegister, browserStopUa, serveLabPage } from '../test/lab/browser.js';
import { AGENT2_NUMBER, startCallingWorld, type CallingWorld } from '../test/e2e/calling-world.js';

const RESULTS_DIR = fileURLToPath(new URL('./results', import.meta.url));
const ROUNDS = Number(process.env.PHONE_BENCH_ROUNDS ?? 10);

/** Installed in every page before its scripts run: timestamps of the moments we measure. */
const PROBE = String.raw`(() => {
  const b = (window.__bench = { invite: null, click: null, registered: null, active: null, record: null, marks: {} });
  // First time each named moment happened (where the time goes: bench/results/phone.md).
  const mark = (name) => { if (!(name in b.marks)) b.marks[name] = performance.now(); };
  const f = window.fetch;
  window.fetch = function (input, init) {
    const url = String(input);
    const name = url.replace(/^https?:\/\/[^/]+/, '').replace(/\?.*$/, '').replace(/[0-9a-f-]{36}/g, ':id');
    const method = (init && init.method) || 'GET';
    if (b.click !== null) mark('click:' + method + ' ' + name + ' sent');
    else mark(method + ' ' + name + ' sent');
    const p = f.call(this, input, init);
    p.then(() => { if (b.click !== null) mark('click:' + method + ' ' + name + ' answered'); else mark(method + ' ' + name + ' answered'); }, () => undefined);
    if (url.endsWith('/api/calls') && method === 'POST') p.then(() => { b.record = performance.now(); });
    return p;
  };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (typeof data === 'string' && data.startsWith('REGISTER ')) mark('REGISTER sent');
    if (b.invite === null && typeof data === 'string' && data.startsWith('INVITE ')) b.invite = performance.now();
    return send.call(this, data);
  };
  const NativeWs = window.WebSocket;
  window.WebSocket = function (url, protocols) {
    mark('WebSocket created');
    const ws = new NativeWs(url, protocols);
    ws.addEventListener('open', () => mark('WebSocket open'));
    return ws;
  };
  window.WebSocket.prototype = NativeWs.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  if (navigator.mediaDevices) {
    const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (c) => {
      if (b.click !== null) mark('click:getUserMedia called');
      return gum(c).then((s) => { if (b.click !== null) mark('click:getUserMedia answered'); return s; });
    };
  }
  const NativePc = window.RTCPeerConnection;
  if (NativePc) {
    // Each step between the click and the INVITE: the peer connection, the offer, the first candidate.
    window.RTCPeerConnection = class extends NativePc {
      constructor(...a) {
        mark('click:RTCPeerConnection created');
        super(...a);
        this.addEventListener('icecandidate', () => mark('click:first ICE candidate'));
      }
    };
    const at = NativePc.prototype.addTrack;
    NativePc.prototype.addTrack = function (...a) { mark('click:addTrack called'); return at.apply(this, a); };
    const co = NativePc.prototype.createOffer;
    NativePc.prototype.createOffer = function (...a) {
      mark('click:createOffer called');
      return co.apply(this, a).then((o) => { mark('click:createOffer answered'); return o; });
    };
    const sld = NativePc.prototype.setLocalDescription;
    NativePc.prototype.setLocalDescription = function (...a) {
      mark('click:setLocalDescription called');
      return sld.apply(this, a).then((r) => { mark('click:setLocalDescription answered'); return r; });
    };
  }
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (/\/assets\/.*\.js$/.test(e.name)) {
        const file = e.name.replace(/^.*\/assets\//, '').replace(/-[\w-]{8}\.js$/, '.js');
        mark('chunk ' + file + ' requested'); b.marks['chunk ' + file + ' loaded'] = e.responseEnd;
        b.marks['chunk ' + file + ' requested'] = e.startTime;
      }
    }
  }).observe({ type: 'resource', buffered: true });
  document.addEventListener('click', (e) => {
    if (e.target && e.target.closest && e.target.closest('[data-testid="call-button"]')) b.click = performance.now();
  }, true);
  const look = () => {
    const status = document.querySelector('[data-testid="status-phone"]');
    if (b.registered === null && status && /Registered/.test(status.textContent)) b.registered = performance.now();
    const panel = document.querySelector('[data-testid="call-panel"]');
    if (b.active === null && panel && panel.getAttribute('data-state') === 'active') b.active = performance.now();
  };
  document.addEventListener('DOMContentLoaded', () => mark('DOMContentLoaded'));
  new MutationObserver(look).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
})();`;

interface Probe {
  /** POST /api/calls answered. */
  record: number | null;
  invite: number | null;
  click: number | null;
  registered: number | null;
  active: number | null;
  /** performance.now() of named moments (first occurrence); `click:` ones happened after the click. */
  marks: Record<string, number>;
}

/** The probe's moments, with the page's own performance marks (`dialer:…`) among them. */
const probe = (page: Page): Promise<Probe> =>
  page.evaluate(() => {
    const b = (window as unknown as { __bench: Probe }).__bench;
    for (const m of performance.getEntriesByType('mark'))
      if (m.name.startsWith('dialer:')) b.marks[m.name] ??= m.startTime;
    return b;
  });

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function stats(xs: number[]): { median: number; p90: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  const r = (n: number): number => Math.round(n * 10) / 10;
  return { median: r(at(0.5)), p90: r(at(0.9)), min: r(s[0]!), max: r(s[s.length - 1]!) };
}

async function newContext(world: CallingWorld, baseURL?: string): Promise<BrowserContext> {
  const context = await world.browser.newContext({
    baseURL,
    permissions: ['microphone'],
    viewport: { width: 1280, height: 800 },
  });
  await context.addInitScript(PROBE);
  return context;
}

/** The real page: open, wait for registered, call, wait for active, hang up. */
async function appRound(context: BrowserContext): Promise<{
  ready: number;
  clickToInvite: number;
  clickToRecord: number;
  clickToActive: number;
  marks: Record<string, number>;
}> {
  const page = await context.newPage();
  try {
    await page.goto('/');
    const registered = await waitFor('the page to register', async () => (await probe(page)).registered);
    await page.getByLabel('Number to call').fill(AGENT2_NUMBER);
    await page.getByTestId('call-button').click();
    const p = await waitFor('the call to be answered', async () => {
      const b = await probe(page);
      return b.active !== null && b.invite !== null ? b : null;
    });
    await page.getByTestId('call-hangup').click();
    await page.getByTestId('call-close').waitFor();
    return {
      ready: registered,
      clickToInvite: p.invite! - p.click!,
      clickToRecord: p.record! - p.click!,
      clickToActive: p.active! - p.click!,
      // Page-open moments from navigation start; click moments from the click.
      marks: Object.fromEntries(
        Object.entries(p.marks).map(([k, v]) => [k, k.startsWith('click:') ? v - p.click! : v]),
      ),
    };
  } finally {
    await page.close();
  }
}

/** The same with JsSIP alone on a blank page (no app, no server round trips). */
async function bareRound(
  context: BrowserContext,
  url: string,
  world: CallingWorld,
): Promise<{ ready: number; callToInvite: number; callToConfirmed: number }> {
  const page = await context.newPage();
  try {
    await page.goto(url);
    const reg = await browserRegister(page, {
      name: 'bare',
      wsUrl: world.lab.wsUrl,
      domain: world.lab.domain,
      username: 'admin',
      password: 'demo-sip-admin',
    });
    if (!reg.ok) throw new Error(`bare JsSIP did not register: ${reg.cause ?? ''} ${reg.status ?? ''}`);
    const ready = await page.evaluate(() => performance.now());
    const t = await page.evaluate(
      async ({ target }) => {
        const w = window as unknown as {
          __labUas: Record<
            string,
            {
              call: (
                t: string,
                o: unknown,
              ) => { on: (e: string, f: () => void) => void; terminate: () => void };
            }
          >;
          __bench: Probe;
        };
        w.__bench.invite = null;
        const t0 = performance.now();
        const session = w.__labUas.bare!.call(target, {
          mediaConstraints: { audio: true, video: false },
          pcConfig: { iceServers: [] },
        });
        await new Promise<void>((resolve, reject) => {
          session.on('confirmed', () => resolve());
          session.on('failed', () => reject(new Error('bare call failed')));
        });
        const confirmed = performance.now() - t0;
        const invite = (w.__bench.invite ?? NaN) - t0;
        await new Promise<void>((resolve) => {
          session.on('ended', () => resolve());
          session.terminate();
        });
        return { invite, confirmed };
      },
      { target: `sip:${AGENT2_NUMBER}@${world.lab.domain}` },
    );
    await browserStopUa(page, 'bare');
    return { ready, callToInvite: t.invite, callToConfirmed: t.confirmed };
  } finally {
    await page.close();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const world = await startCallingWorld();
  const labPage = await serveLabPage();
  try {
    // The callee: a JsSIP UA registered as agent2 (agent2's number routes to it) that answers at once.
    const calleeContext = await newContext(world);
    const callee = await calleeContext.newPage();
    await callee.goto(labPage.url);
    const reg = await browserRegister(callee, {
      name: 'callee',
      wsUrl: world.lab.wsUrl,
      domain: world.lab.domain,
      username: 'agent2',
      password: 'demo-sip-agent2',
    });
    if (!reg.ok) throw new Error(`callee did not register: ${reg.cause ?? ''}`);
    await browserAutoAnswer(callee, 'callee');

    const appContext = await newContext(world, world.server.url);
    const login = await appContext.newPage();
    await login.goto('/login');
    await login.getByLabel('Email').fill(DEMO_USERS.agent1.email);
    await login.getByLabel('Password').fill(DEMO_USERS.agent1.password);
    await login.getByRole('button', { name: 'Log in' }).click();
    await login.waitForURL((u) => u.pathname === '/');
    await login.close();
    const bareContext = await newContext(world);

    // One warm-up round each (first chunk downloads, first getUserMedia), then the measured rounds.
    await appRound(appContext);
    await bareRound(bareContext, labPage.url, world);
    const app: Awaited<ReturnType<typeof appRound>>[] = [];
    const bare: Awaited<ReturnType<typeof bareRound>>[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      app.push(await appRound(appContext));
      bare.push(await bareRound(bareContext, labPage.url, world));
    }

    // Where the time goes: the median moment of each mark seen in every round, in time order.
    const names = Object.keys(app[0]?.marks ?? {}).filter((k) => app.every((r) => k in r.marks));
    const phases = names
      .map((name) => ({ name, ms: stats(app.map((r) => r.marks[name]!)).median }))
      .sort(
        (a, b) => Number(a.name.startsWith('click:')) - Number(b.name.startsWith('click:')) || a.ms - b.ms,
      );
    const result = {
      measuredAt: new Date().toISOString(),
      machine: `${os.cpus()[0]?.model ?? 'cpu'} x ${os.cpus().length}, Node ${process.version}`,
      loadAverage: os.loadavg().map((n) => +n.toFixed(2)),
      rounds: ROUNDS,
      app: {
        pageOpenToRegisteredMs: stats(app.map((r) => r.ready)),
        clickToInviteMs: stats(app.map((r) => r.clickToInvite)),
        clickToRecordOpenedMs: stats(app.map((r) => r.clickToRecord)),
        clickToAnsweredMs: stats(app.map((r) => r.clickToActive)),
      },
      bareJssip: {
        pageOpenToRegisteredMs: stats(bare.map((r) => r.ready)),
        callToInviteMs: stats(bare.map((r) => r.callToInvite)),
        callToConfirmedMs: stats(bare.map((r) => r.callToConfirmed)),
      },
      phases,
      raw: { app, bare },
    };
    const targets = {
      readyWithin300ms: result.app.pageOpenToRegisteredMs.median <= 300,
      clickToInviteWithin40ms: result.app.clickToInviteMs.median <= 40,
      confirmedNoSlowerThanBare:
        result.app.clickToAnsweredMs.median <= result.bareJssip.callToConfirmedMs.median,
    };
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, 'phone.json'), JSON.stringify({ ...result, targets }, null, 2));
    const yes = (b: boolean): string => (b ? 'yes' : '**no**');
    const row = (
      name: string,
      a: { median: number; p90: number },
      b: { median: number; p90: number },
      target: string,
    ): string => `| ${name} | ${a.median} | ${a.p90} | ${b.median} | ${b.p90} | ${target} |`;
    const md = [
      '## Phone in the page vs bare JsSIP (`bench/phone.bench.ts`)',
      '',
      `Real page (production build, real server, Kamailio lab, Chromium with fake media) against a blank page`,
      `running JsSIP alone; both call the same auto-answering JsSIP UA. ${ROUNDS} rounds after one warm-up;`,
      `times from performance.now() in the page. Measured ${result.measuredAt} on ${result.machine};`,
      `load average ${result.loadAverage.join(' ')}.`,
      '',
      '| step | page median ms | page p90 ms | bare JsSIP median ms | bare JsSIP p90 ms | target met |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
      row(
        'page open → registered',
        result.app.pageOpenToRegisteredMs,
        result.bareJssip.pageOpenToRegisteredMs,
        `≤ 300 ms: ${yes(targets.readyWithin300ms)}`,
      ),
      row(
        'click Call → INVITE sent',
        result.app.clickToInviteMs,
        result.bareJssip.callToInviteMs,
        `≤ 40 ms: ${yes(targets.clickToInviteWithin40ms)}`,
      ),
      `| click → call record opened (POST /api/calls; just after the INVITE when approved ahead) | ${result.app.clickToRecordOpenedMs.median} | ${result.app.clickToRecordOpenedMs.p90} | | | |`,
      row(
        'click Call → answered',
        result.app.clickToAnsweredMs,
        result.bareJssip.callToConfirmedMs,
        `no slower than bare: ${yes(targets.confirmedNoSlowerThanBare)}`,
      ),
      '',
      'The server approves the caller ID when it is chosen (POST /api/calls/approvals), so on Call the page',
      'sends the INVITE at once (the microphone opened when the number was complete); the panel and the call',
      'record wait until it is out. It sends the INVITE with the first host UDP candidate, while bare JsSIP',
      'waits for ICE gathering to finish (a late TCP candidate). "Page open" for the page includes loading the',
      'app, the session check, the connection list, the registration request and the JsSIP chunk (the entry',
      'asks for the first three, loads the fourth at once when this browser used it last time, and starts',
      'the phone on the registration answer, while the app evaluates and mounts); for the bare page it',
      'includes loading the JsSIP bundle.',
      '',
      '### Where the time goes (page, median of the rounds)',
      '',
      '| moment | ms |',
      '| --- | ---: |',
      ...phases.map((p) =>
        p.name.startsWith('click:')
          ? `| after the click: ${p.name.slice('click:'.length)} | ${p.ms} |`
          : `| from page open: ${p.name} | ${p.ms} |`,
      ),
      `| from page open: registered | ${result.app.pageOpenToRegisteredMs.median} |`,
      `| after the click: INVITE sent | ${result.app.clickToInviteMs.median} |`,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(RESULTS_DIR, 'phone.md'), md);
    await Promise.all([calleeContext.close(), appContext.close(), bareContext.close()]);
    return {
      readyMs: result.app.pageOpenToRegisteredMs.median,
      clickToInviteMs: result.app.clickToInviteMs.median,
      clickToAnsweredMs: result.app.clickToAnsweredMs.median,
      bareCallToConfirmedMs: result.bareJssip.callToConfirmedMs.median,
      targets,
    };
  } finally {
    await labPage.close();
    await world.stop();
  }
}
