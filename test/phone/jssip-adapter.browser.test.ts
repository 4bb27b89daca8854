/**
 * The sip (JsSIP) adapter in real Chromium against the Kamailio lab: two softphones register, call
 * each other through the proxy, exchange audio and DTMF, hold, hang up; bad passwords, a Kamailio
 * restart and switching registrations behave as a user expects; Hold pressed while a call is
 * reconnecting. Over 400 lines on purpose: one lab (Kamailio, rtpengine, Chromium) serves every JsSIP
 * adapter test, as starting it per file would cost CI time.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { SipRegistrationDto } from '../../src/shared/api.js';
import { launchLabBrowser, type LabBrowser } from '../lab/browser.js';
import {
  findMissingLabTools,
  runSippUas,
  sippCall,
  skipWithoutLabTools,
  startSipLab,
  type SipLab,
} from '../lab/sip-lab.js';
import type { HarnessWindow } from './harness/entry.js';
import { startHarnessServer, type HarnessServer } from './harness/server.js';

const skip = skipWithoutLabTools(findMissingLabTools());

const USERS = [
  { username: 'alice', password: 'alice-pw' },
  { username: 'bob', password: 'bob-pw' },
  { username: 'sippuas', password: 'uas-pw' },
];
const ALICE_NUMBER = '+15551230001';
const BOB_NUMBER = '+15551230002';
/** A SIPp UAS standing in for a plain-RTP trunk; rtpengine bridges WebRTC to it. */
const TRUNK_NUMBER = '+15551230003';

let lab: SipLab;
let browser: LabBrowser;
let harness: HarnessServer;
const pages: Page[] = [];

function registration(user: 'alice' | 'bob', over: Partial<SipRegistrationDto> = {}): SipRegistrationDto {
  const u = USERS.find((x) => x.username === user)!;
  return {
    provider: 'sip',
    connectionId: `conn-${user}`,
    wsServer: lab.wsUrl,
    sipUri: `sip:${user}@${lab.domain}`,
    authorizationUser: user,
    password: u.password,
    displayName: user === 'alice' ? 'Alice' : 'Bob',
    fallback: false,
    dtmfMode: 'rfc2833',
    sendPAssertedIdentity: true,
    iceServers: [],
    ...over,
  };
}

async function phonePage(): Promise<Page> {
  const page = await browser.newPage();
  pages.push(page);
  await page.goto(harness.url);
  await page.waitForFunction(() => (window as unknown as HarnessWindow).harness);
  await call(page, 'create', 'sip');
  return page;
}

function call<T = unknown>(page: Page, fn: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([f, a]) =>
      (
        (window as unknown as HarnessWindow).harness as unknown as Record<
          string,
          (...x: unknown[]) => unknown
        >
      )[f]!(...a),
    [fn, args] as const,
  ) as Promise<T>;
}

async function until<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
  timeoutMs = 8000,
): Promise<T> {
  const start = Date.now();
  let last: T = await fn();
  while (!ok(last)) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await fn();
  }
  return last;
}

/** Every registration state the page's phone emitted, oldest first (recorded in the page as it happened). */
function registrations(page: Page): Promise<{ status: string; attempt?: number }[]> {
  return page.evaluate(() =>
    (window as unknown as HarnessWindow).harness.log
      .filter((l) => l.kind === 'registration')
      .map((l) => l.data as { status: string; attempt?: number }),
  );
}

type Info = {
  state: string;
  cause: string | null;
  sipCode: number | null;
  remoteNumber: string;
  direction: string;
  endedBy: string | null;
  sipCallId: string | null;
  inviteAt: number | null;
  progressAt: number | null;
  callerVerification: string | null;
} | null;

/** Alice calls Bob's number, Bob answers; returns [alice, bob] with an active call and media up. */
async function connectedPair(aliceOver: Partial<SipRegistrationDto> = {}): Promise<[Page, Page]> {
  const [a, b] = await Promise.all([phonePage(), phonePage()]);
  expect(await call(a, 'register', registration('alice', aliceOver))).toEqual({ ok: true });
  expect(await call(b, 'register', registration('bob'))).toEqual({ ok: true });
  await call(a, 'call', { destination: BOB_NUMBER, callerId: ALICE_NUMBER });
  await until(
    () => call<string | null>(b, 'incoming'),
    (x) => x !== null,
    'incoming call on B',
  );
  expect(await call(b, 'callInfo')).toMatchObject({ direction: 'inbound', state: 'ringing' });
  await call(b, 'answer');
  await until(
    () => call<Info>(a, 'callInfo'),
    (c) => c?.state === 'active',
    'A active',
  );
  await until(
    () => call<Info>(b, 'callInfo'),
    (c) => c?.state === 'active',
    'B active',
  );
  return [a, b];
}

beforeAll(async () => {
  if (skip) return;
  [lab, browser, harness] = await Promise.all([
    startSipLab({
      users: USERS,
      withRtpengine: true,
      aliases: { [ALICE_NUMBER]: 'alice', [BOB_NUMBER]: 'bob', [TRUNK_NUMBER]: 'sippuas' },
    }),
    launchLabBrowser(),
    startHarnessServer(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await harness?.close();
  await lab?.stop();
});

afterEach(async () => {
  for (const p of pages.splice(0)) {
    await p.evaluate(() => (window as unknown as HarnessWindow).harness.destroy()).catch(() => undefined);
    await p.close().catch(() => undefined);
  }
});

describe.skipIf(skip)('sip adapter (JsSIP) against Kamailio', () => {
  it('A calls B through the proxy: audio both ways, caller ID, hold/unhold, hangup', async () => {
    const [a, b] = await connectedPair();
    expect(await call(b, 'callInfo')).toMatchObject({ remoteNumber: ALICE_NUMBER });
    // The chosen caller ID travels as P-Asserted-Identity and as the From display name.
    expect(await call(b, 'inviteHeader', 'P-Asserted-Identity')).toBe(`<sip:${ALICE_NUMBER}@${lab.domain}>`);
    expect(await call(b, 'inviteHeader', 'From')).toMatch(
      new RegExp(`^"\\${ALICE_NUMBER}" <sip:alice@${lab.domain}>`),
    );

    for (const p of [a, b]) {
      await until(
        () => call<{ bytesReceived: number; bytesSent: number }>(p, 'quality'),
        (q) => q.bytesReceived > 1000 && q.bytesSent > 1000,
        'audio both ways',
      );
    }
    const q = await call<{ mos: number; jitterMs: number; rttMs: number | null }>(a, 'quality');
    expect(q.mos).toBeGreaterThan(3.5);
    expect(await a.evaluate(() => document.querySelector('audio')?.srcObject instanceof MediaStream)).toBe(
      true,
    );

    await call(a, 'mute');
    expect(await call(a, 'callInfo')).toMatchObject({ muted: true });
    expect(await call(a, 'micEnabled')).toBe(false);
    await call(a, 'unmute');
    expect(await call(a, 'micEnabled')).toBe(true);

    await call(a, 'hold');
    expect(await call(a, 'callInfo')).toMatchObject({ state: 'held' });
    await call(a, 'unhold');
    expect(await call(a, 'callInfo')).toMatchObject({ state: 'active' });

    await call(a, 'hangup');
    const bEnd = await until(
      () => call<Info>(b, 'callInfo'),
      (c) => c?.state === 'ended',
      'B ended',
    );
    expect(bEnd).toMatchObject({ cause: 'normal' });
    expect(await call(a, 'states')).toEqual(['dialing', 'ringing', 'active', 'held', 'active', 'ended']);
    // Both ends keep a final quality sample for the call record, even after the peer connection closed.
    for (const p of [a, b]) {
      const last = await until(
        () =>
          p.evaluate(() => {
            const log = (window as unknown as HarnessWindow).harness.log;
            const endedAt = log.findIndex(
              (l) => l.kind === 'callState' && (l.data as { state: string }).state === 'ended',
            );
            return log
              .slice(endedAt)
              .filter((l) => l.kind === 'quality')
              .map((l) => l.data as { bytesReceived: number; mos: number | null });
          }),
        (x) => x.length > 0,
        'final quality sample',
        3000,
      );
      expect(last[0]!.bytesReceived).toBeGreaterThan(1000);
      expect(last[0]!.mos).toBeGreaterThan(3.5);
      expect(await p.evaluate(() => (window as unknown as HarnessWindow).harness.quality())).toMatchObject({
        bytesReceived: expect.any(Number),
      });
    }
    expect(await call(b, 'states')).toEqual(['ringing', 'active', 'ended']);
  });

  it('DTMF: SIP INFO from A arrives as newDTMF on B; RFC 4733 goes out in RTP', async () => {
    const [a, b] = await connectedPair({ dtmfMode: 'info' });
    await call(b, 'watchSipDtmf');
    await call(a, 'dtmf', '5');
    await call(a, 'dtmf', '#');
    const seen = await until(
      () =>
        b.evaluate(() =>
          (window as unknown as HarnessWindow).harness.log
            .filter((l: { kind: string; data: unknown }) => l.kind === 'dtmf')
            .map((l: { kind: string; data: unknown }) => l.data),
        ),
      (x: unknown[]) => x.length >= 2,
      'DTMF on B',
    );
    expect(seen).toEqual([
      { originator: 'remote', tone: '5' },
      { originator: 'remote', tone: '#' },
    ]);
    await call(a, 'hangup');

    // RFC 4733: the tone is sent by the RTCDTMFSender in RTP, not as SIP, so B's JsSIP sees no INFO.
    for (const p of pages.splice(0)) {
      await p.evaluate(() => (window as unknown as HarnessWindow).harness.destroy());
      await p.close();
    }
    const [a2, b2] = await connectedPair({ dtmfMode: 'rfc2833' });
    await call(b2, 'watchSipDtmf');
    expect(await call(a2, 'watchRtpDtmf')).toBe(true); // telephone-event negotiated
    await call(a2, 'dtmf', '9');
    const local = await until(
      () =>
        a2.evaluate(() =>
          (window as unknown as HarnessWindow).harness.log
            .filter((l: { kind: string; data: unknown }) => l.kind === 'rtpDtmf')
            .map((l: { kind: string; data: unknown }) => l.data),
        ),
      (x: unknown[]) => x.length >= 1,
      'DTMF sent in RTP by A',
    );
    expect(local).toEqual(['9']);
    await new Promise((r) => setTimeout(r, 300));
    expect(
      await b2.evaluate(() =>
        (window as unknown as HarnessWindow).harness.log.filter(
          (l: { kind: string; data: unknown }) => l.kind === 'dtmf' || l.kind === 'info',
        ),
      ),
    ).toEqual([]);
  });

  it('calls a plain-RTP SIP peer (SIPp) through rtpengine: answered, echoed audio, BYE', async () => {
    const uas = await runSippUas({ lab, username: 'sippuas', password: 'uas-pw', timeoutMs: 30_000 });
    await uas.ready;
    const a = await phonePage();
    expect(await call(a, 'register', registration('alice'))).toEqual({ ok: true });
    await call(a, 'call', { destination: TRUNK_NUMBER, callerId: ALICE_NUMBER });
    await until(
      () => call<Info>(a, 'callInfo'),
      (c) => c?.state === 'active',
      'active',
    );
    await until(
      () => call<{ bytesReceived: number }>(a, 'quality'),
      (q) => q.bytesReceived > 1000,
      'echoed audio',
      5000,
    );
    await call(a, 'hangup');
    const done = await uas.done;
    expect(done.exitCode, done.output.slice(-3000)).toBe(0);
    expect(done.output).toMatch(new RegExp(`P-Asserted-Identity: <sip:\\${ALICE_NUMBER}@${lab.domain}>`));
    expect(done.output).toMatch(/m=audio \d+ RTP\/AVP/); // rtpengine turned DTLS-SRTP/ICE into plain RTP
    expect(await call(a, 'states')).toEqual(['dialing', 'ringing', 'active', 'ended']);
    // What the call record gets: the dialog's Call-ID as the peer saw it, INVITE and first-18x times
    // (post-dial delay), the final code and who hung up.
    const info = (await call<Info>(a, 'callInfo'))!;
    expect(info.sipCallId).toMatch(/\S{8,}/);
    expect(done.output).toContain(`Call-ID: ${info.sipCallId}`);
    expect(info.progressAt).toBeGreaterThanOrEqual(info.inviteAt!);
    expect(info).toMatchObject({ cause: 'normal', sipCode: 200, endedBy: 'local' });
  });

  it('an inbound call knows its Call-ID, INVITE time and the carrier’s STIR/SHAKEN verdict', async () => {
    const a = await phonePage();
    expect(await call(a, 'register', registration('alice'))).toEqual({ ok: true });
    const carrier = sippCall({
      lab,
      from: 'sippuas',
      password: 'uas-pw',
      to: 'alice',
      holdMs: 300,
      rtpEcho: true,
      extraHeaders: [
        'P-Asserted-Identity: <sip:+13125550100@carrier.test;user=phone;verstat=TN-Validation-Passed>',
      ],
    });
    const ringing = await until(
      () => call<Info>(a, 'callInfo'),
      (c) => c?.state === 'ringing',
      'A rings',
    );
    expect(ringing).toMatchObject({
      direction: 'inbound',
      remoteNumber: '+13125550100',
      callerVerification: 'verified',
      sipCallId: expect.stringMatching(/\S{8,}/),
      inviteAt: expect.any(Number),
    });
    await call(a, 'answer');
    const result = await carrier;
    expect(result.exitCode, result.output.slice(-3000)).toBe(0);
    expect(result.output).toContain(`Call-ID: ${ringing!.sipCallId}`);
    const ended = await until(
      () => call<Info>(a, 'callInfo'),
      (c) => c?.state === 'ended',
      'A ended by the carrier’s BYE',
    );
    expect(ended).toMatchObject({ cause: 'normal', sipCode: 200, endedBy: 'remote' });
  });

  it('a wrong password gives a clear registration error', async () => {
    const a = await phonePage();
    const res = await call<{ ok: boolean; code: string; message: string }>(
      a,
      'register',
      registration('alice', { password: 'nope' }),
    );
    expect(res.ok).toBe(false);
    expect(res.code).toBe('PHONE_REGISTRATION_FAILED');
    expect(res.message).toBe('Wrong SIP user name or password.');
    expect(await call(a, 'registration')).toMatchObject({ status: 'failed', sipCode: expect.any(Number) });
    expect(await call(a, 'lineState')).toBe('idle');
    expect(await call(a, 'counts')).toMatchObject({ jssipUas: 0, jssipSockets: 0 });
  });

  it('an unreachable server fails registration instead of spinning forever', async () => {
    const a = await phonePage();
    const res = await call<{ ok: boolean; message: string }>(
      a,
      'register',
      registration('alice', { wsServer: 'ws://127.0.0.1:9' }),
    );
    expect(res).toMatchObject({ ok: false, message: 'Cannot reach the phone server.' });
    // The address and the WebSocket close code are the operator's detail, kept beside the plain words.
    expect(await call(a, 'registration')).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:9(, WebSocket close code \d+)?$/),
    });
  });

  it('re-registers by itself after Kamailio restarts, keeping the call up', async () => {
    const [a, b] = await connectedPair();
    const seenBefore = await Promise.all([a, b].map(async (p) => (await registrations(p)).length));
    await lab.restartKamailio();
    // How long this takes is a figure for bench/recovery.bench.ts. Here: what the phone reported, in order.
    const since = (page: Page, i: number) => async () => (await registrations(page)).slice(seenBefore[i]);
    for (const [i, page] of [a, b].entries()) {
      await until(
        since(page, i),
        (log) => log.some((s) => s.status === 'registered'),
        're-registered',
        30_000,
      );
    }
    const statuses = await since(a, 0)();
    expect(statuses[0]).toMatchObject({ status: 'reconnecting', attempt: 1 });
    expect(statuses.at(-1)).toMatchObject({ status: 'registered' });
    expect(statuses.map((s) => s.status)).not.toContain('failed');
    // Media is peer to peer here, so the call survives the signalling blip.
    expect(await call(a, 'callInfo')).toMatchObject({ state: 'active' });
    const before = (await call<{ bytesReceived: number }>(a, 'quality')).bytesReceived;
    await until(
      () => call<{ bytesReceived: number }>(a, 'quality'),
      (q) => q.bytesReceived > before,
      'audio still flowing',
    );
    // And a new call works on the new registration.
    await call(a, 'hangup');
    await call(b, 'hangup');
    await call(a, 'call', { destination: BOB_NUMBER, callerId: ALICE_NUMBER });
    await until(
      () => call<Info>(b, 'callInfo'),
      (c) => c?.state === 'ringing' && c.direction === 'inbound',
      'B rings again',
    );
    await call(b, 'decline');
    const aEnd = await until(
      () => call<Info>(a, 'callInfo'),
      (c) => c?.state === 'ended',
      'A sees the decline',
    );
    expect(aEnd).toMatchObject({ cause: 'rejected', sipCode: 603 });
  });

  it('Hold pressed while the call is reconnecting: it comes back on hold, and the far end is told so', async () => {
    const [a, b] = await connectedPair();
    await until(
      () => call<{ bytesReceived: number }>(a, 'quality'),
      (q) => q.bytesReceived > 1000,
      'audio from B',
    );
    // B's audio stops reaching A: A notices the path broke and recovers the call (ICE restart re-INVITE).
    await call(b, 'silence', true);
    await until(
      () => call<Info>(a, 'callInfo'),
      (c) => c?.state === 'reconnecting',
      'A reconnecting',
    );
    await call(a, 'hold');
    expect(await call(a, 'callInfo')).toMatchObject({ state: 'reconnecting', heldWhenBack: true });
    await until(
      () => call<Info>(a, 'callInfo'),
      (c) => c?.state === 'held',
      'A back, on hold',
    );
    // The far end was told in a re-INVITE (sendonly); our microphone is off meanwhile.
    await until(
      () => call<boolean | null>(b, 'heldByRemote'),
      (x) => x === true,
      'B held by A',
    );
    expect(await call(a, 'micEnabled')).toBe(false);
    // Resume as usual once back.
    await call(b, 'silence', false);
    await call(a, 'unhold');
    await until(
      () => call<boolean | null>(b, 'heldByRemote'),
      (x) => x === false,
      'B resumed',
    );
    expect(await call(a, 'micEnabled')).toBe(true);
    expect(await call(a, 'states')).toEqual([
      'dialing',
      'ringing',
      'active',
      'reconnecting',
      'held',
      'active',
    ]);
    expect(await call(b, 'callInfo')).toMatchObject({ state: 'active' });
    await call(a, 'hangup');
  });

  it('switching registration leaves exactly one UA and one socket', async () => {
    const a = await phonePage();
    await call(a, 'register', registration('alice'));
    await call(a, 'register', registration('bob')); // same phone, other connection
    expect(await call(a, 'counts')).toMatchObject({ jssipUas: 1, jssipSockets: 1 });
    await call(a, 'destroy');
    await call(a, 'create', 'sip');
    expect(await call(a, 'register', registration('alice'))).toEqual({ ok: true });
    expect(await call(a, 'counts')).toMatchObject({ jssipUas: 1, jssipSockets: 1 });
    expect(await a.evaluate(() => document.querySelectorAll('audio').length)).toBeLessThanOrEqual(1);
    await call(a, 'destroy');
    expect(await call(a, 'counts')).toMatchObject({ jssipUas: 0, jssipSockets: 0 });
  });

  it('call waiting: a second call rings softly beside a call; answering holds the first, switching holds the other', async () => {
    const [a, b, c] = await Promise.all([phonePage(), phonePage(), phonePage()]);
    await call(b, 'watchTones');
    // Alice on two pages: A and C are the two callers.
    for (const [p, user] of [
      [a, 'alice'],
      [b, 'bob'],
      [c, 'alice'],
    ] as const)
      expect(await call(p, 'register', registration(user))).toEqual({ ok: true });
    type Line = [string, string, string, string];
    const lines = (): Promise<Line[]> => call<Line[]>(b, 'lines');

    await call(a, 'call', { destination: BOB_NUMBER, callerId: ALICE_NUMBER });
    const first = (await until(lines, (l) => l[0]?.[2] === 'ringing', 'B rings'))[0]![0];
    await until(
      () => call<{ volume: number; ms: number }[]>(b, 'tones'),
      (t) => t.length > 0,
      'the ringtone',
    );
    await call(b, 'answer', first);
    await until(lines, (l) => l[0]?.[2] === 'active', 'B answered A');
    const ringTones = (await call<{ volume: number; ms: number }[]>(b, 'tones')).length;

    await call(c, 'call', { destination: BOB_NUMBER, callerId: ALICE_NUMBER });
    const ringingTwo = await until(lines, (l) => l[1]?.[2] === 'ringing', 'B rings a second time');
    const second = ringingTwo[1]![0];
    expect(ringingTwo[0]).toEqual([first, 'inbound', 'active', ALICE_NUMBER]);
    // The call in progress keeps the focus while the second one waits.
    expect(await call(b, 'callInfo')).toMatchObject({ id: first, state: 'active' });
    // Softly: the call-waiting tone is quieter and much shorter than the ringtone the first call got.
    const tones = await until(
      () => call<{ volume: number; ms: number }[]>(b, 'tones'),
      (t) => t.length > ringTones,
      'the call-waiting tone',
    );
    const ring = tones[0]!;
    const waitingTone = tones[ringTones]!;
    expect(ring).toMatchObject({ ms: 2000 });
    expect(waitingTone.ms).toBeLessThanOrEqual(ring.ms / 4);
    expect(waitingTone.volume).toBeLessThan(ring.volume / 2);

    // Answering the second call holds the first: A is told so by a re-INVITE (sendonly), C is connected.
    await call(b, 'answer', second);
    await until(lines, (l) => l[0]?.[2] === 'held' && l[1]?.[2] === 'active', 'first held, second active');
    expect(await call(a, 'heldByRemote')).toBe(true);
    await until(
      () => call<Info>(c, 'callInfo'),
      (x) => x?.state === 'active',
      'C connected',
    );
    expect(await call(c, 'heldByRemote')).toBe(false);
    await until(
      () => call<string | null>(b, 'playing'),
      (x) => x === second,
      'B hears C',
    );

    // Switching back: C is put on hold first, A resumed, and B's speaker plays A again.
    await call(b, 'unhold', first);
    expect(await lines()).toEqual([
      [first, 'inbound', 'active', ALICE_NUMBER],
      [second, 'inbound', 'held', ALICE_NUMBER],
    ]);
    await until(
      () => call<boolean | null>(c, 'heldByRemote'),
      (x) => x === true,
      'C held',
    );
    await until(
      () => call<boolean | null>(a, 'heldByRemote'),
      (x) => x === false,
      'A resumed',
    );
    await until(
      () => call<string | null>(b, 'playing'),
      (x) => x === first,
      'B hears A again',
    );

    await call(b, 'hangup', first);
    await call(b, 'hangup', second);
    for (const p of [a, c]) {
      expect(
        await until(
          () => call<Info>(p, 'callInfo'),
          (x) => x?.state === 'ended',
          'caller ended',
        ),
      ).toMatchObject({ cause: 'normal', endedBy: 'remote' });
    }
    expect(await call(b, 'states', first)).toEqual(['ringing', 'active', 'held', 'active', 'ended']);
    expect(await call(b, 'states', second)).toEqual(['ringing', 'active', 'held', 'ended']);
  });

  it('both lines taken: a third caller gets busy (486); declining a call waiting leaves the call alone', async () => {
    const [a, b] = await connectedPair();
    const c = await phonePage();
    await call(c, 'register', registration('alice'));
    await call(c, 'call', { destination: BOB_NUMBER, callerId: ALICE_NUMBER });
    await until(
      () => call<unknown[]>(b, 'lines'),
      (l) => l.length === 2,
      'B rings beside the call',
    );
    const d = await phonePage();
    await call(d, 'register', registration('alice'));
    await call(d, 'call', { destination: BOB_NUMBER, callerId: ALICE_NUMBER });
    const end = await until(
      () => call<Info>(d, 'callInfo'),
      (x) => x?.state === 'ended',
      'busy',
    );
    expect(end).toMatchObject({ cause: 'busy', sipCode: 486 });

    const waitingId = (await call<[string, string][]>(b, 'lines'))[1]![0];
    await call(b, 'decline', waitingId);
    expect(
      await until(
        () => call<Info>(c, 'callInfo'),
        (x) => x?.state === 'ended',
        'C declined',
      ),
    ).toMatchObject({
      cause: 'rejected',
      sipCode: 603,
    });
    expect(await call(b, 'lines')).toEqual([[expect.any(String), 'inbound', 'active', ALICE_NUMBER]]);
    expect(await call(a, 'heldByRemote')).toBe(false);
    expect(await call(a, 'callInfo')).toMatchObject({ state: 'active' });
  });
});
