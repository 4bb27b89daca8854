/**
 * Browser smoke test of the SIP lab: JsSIP (bundled from the npm package) in Debian's chromium,
 * registering over the lab's WebSocket and calling (a) a SIPp UAS through rtpengine and (b) another
 * browser user directly (WebRTC to WebRTC, SDP passed through).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { findMissingLabTools, runSippUas, skipWithoutLabTools, startSipLab, type SipLab } from './sip-lab.js';
import { sippCall } from './sipp.js';
import {
  browserAutoAnswer,
  browserIncomingStats,
  browserCall,
  browserRegister,
  browserStopUa,
  browserUaEvents,
  launchLabBrowser,
  serveLabPage,
  type LabBrowser,
  type LabPageServer,
} from './browser.js';

const USERS = [
  { username: 'alice', password: 'alice-secret' },
  { username: 'bob', password: 'bob-secret' },
  { username: 'sippuas', password: 'uas-secret' },
];

const skip = skipWithoutLabTools(findMissingLabTools());

describe.skipIf(skip)('SIP lab from the browser (JsSIP in chromium)', () => {
  let lab: SipLab;
  let browser: LabBrowser;
  let server: LabPageServer;
  let alicePage: Page;

  beforeAll(async () => {
    [lab, browser, server] = await Promise.all([
      startSipLab({ users: USERS, withRtpengine: true, aliases: { '+15551230003': 'sippuas' } }),
      launchLabBrowser(),
      serveLabPage(),
    ]);
    alicePage = await browser.newPage();
    await alicePage.goto(server.url);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await lab?.stop();
  });

  it('JsSIP registers over WebSocket; a wrong password gets registrationFailed 403', async () => {
    const ok = await browserRegister(alicePage, {
      name: 'alice',
      wsUrl: lab.wsUrl,
      domain: lab.domain,
      username: 'alice',
      password: 'alice-secret',
    });
    console.log(`[sip-lab browser] REGISTER ${ok.ms.toFixed(0)} ms`);
    expect(ok, lab.logs().slice(-3000)).toMatchObject({ ok: true });

    const bad = await browserRegister(alicePage, {
      name: 'alice-bad',
      wsUrl: lab.wsUrl,
      domain: lab.domain,
      username: 'alice',
      password: 'wrong',
    });
    expect(bad.ok).toBe(false);
    expect(bad.status).toBe(403);
    console.log(`[sip-lab browser] wrong password: ${bad.cause} ${bad.status}`);
  }, 60_000);

  it('browser -> SIPp UAS through rtpengine: confirmed, echoed audio flows, BYE ends both', async () => {
    const uas = await runSippUas({ lab, username: 'sippuas', password: 'uas-secret', timeoutMs: 30_000 });
    await uas.ready;
    const res = await browserCall(alicePage, {
      name: 'alice',
      target: `sip:+15551230003@${lab.domain}`,
      holdMs: 500,
      extraHeaders: [`P-Asserted-Identity: <sip:+15559870001@${lab.domain}>`],
    });
    console.log('[sip-lab browser] call to SIPp via rtpengine', res);
    expect(res.bytesReceived, lab.logs().slice(-4000)).toBeGreaterThan(0);
    const done = await uas.done;
    expect(done.exitCode, done.output.slice(-4000)).toBe(0);
    // the caller-ID header reached the callee; media went through rtpengine (plain RTP/AVP, no ICE)
    expect(done.output).toMatch(/P-Asserted-Identity: <sip:\+15559870001@/);
    expect(done.output).toMatch(/m=audio \d+ RTP\/AVP/);
    expect(done.output).not.toMatch(/a=candidate/);
    expect(lab.logs()).toMatch(/rtpengine\].*(offer|Received command 'offer')/);
  }, 60_000);

  it('browser -> browser (WS to WS, SDP passed through): audio flows both ways', async () => {
    const bobPage = await browser.newPage();
    await bobPage.goto(server.url);
    const reg = await browserRegister(bobPage, {
      name: 'bob',
      wsUrl: lab.wsUrl,
      domain: lab.domain,
      username: 'bob',
      password: 'bob-secret',
    });
    expect(reg.ok).toBe(true);
    await browserAutoAnswer(bobPage, 'bob');
    const offers = (): number => (lab.logs().match(/Received command 'offer'/g) ?? []).length;
    const offersBefore = offers();
    const res = await browserCall(alicePage, { name: 'alice', target: `sip:bob@${lab.domain}`, holdMs: 500 });
    console.log('[sip-lab browser] call browser to browser', res);
    expect(res.bytesReceived).toBeGreaterThan(0);
    expect(res.bytesSent).toBeGreaterThan(0);
    expect(offers()).toBe(offersBefore); // rtpengine not involved between two WebRTC clients
    await browserStopUa(bobPage, 'bob');
    await bobPage.close();
  }, 60_000);

  it('SIPp UAC -> browser through rtpengine (RTP/AVP to DTLS-SRTP/ICE): answered, audio flows', async () => {
    const bobPage = await browser.newPage();
    await bobPage.goto(server.url);
    const reg = await browserRegister(bobPage, {
      name: 'bob',
      wsUrl: lab.wsUrl,
      domain: lab.domain,
      username: 'bob',
      password: 'bob-secret',
    });
    expect(reg.ok).toBe(true);
    await browserAutoAnswer(bobPage, 'bob');
    const call = sippCall({
      lab,
      from: 'sippuas',
      password: 'uas-secret',
      to: 'bob',
      holdMs: 1500,
      rtpEcho: true, // echoes the browser's RTP back through rtpengine
    });
    let stats = await browserIncomingStats(bobPage);
    for (let i = 0; i < 50 && !(stats && stats.bytesReceived > 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      stats = await browserIncomingStats(bobPage);
    }
    console.log('[sip-lab browser] SIPp call to browser via rtpengine', stats);
    const uac = await call;
    expect(uac.exitCode, uac.output.slice(-4000)).toBe(0);
    expect(stats?.connectionState).toBe('connected');
    expect(stats?.bytesReceived).toBeGreaterThan(0);
    await browserStopUa(bobPage, 'bob');
    await bobPage.close();
  }, 60_000);

  it('after restartKamailio() JsSIP reconnects and registers again by itself', async () => {
    const before = (await browserUaEvents(alicePage, 'alice')).length;
    await lab.restartKamailio();
    // How long it takes is a figure for bench/recovery.bench.ts; here, what the UA went through.
    const since = async (): Promise<string[]> => (await browserUaEvents(alicePage, 'alice')).slice(before);
    await expect.poll(since, { timeout: 30_000 }).toContain('registered');
    const events = await since();
    expect(events.indexOf('disconnected')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('disconnected')).toBeLessThan(events.indexOf('connected'));
    expect(events.indexOf('connected')).toBeLessThan(events.lastIndexOf('registered'));
  }, 60_000);
});
