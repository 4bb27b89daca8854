/**
 * The telnyx adapter in real Chromium, with the real @telnyx/webrtc SDK, against the fake Telnyx
 * WebRTC server. The far end of each call is a plain RTCPeerConnection in a second page, so the SDP
 * answer is real and audio actually flows. Over 400 lines on purpose: one browser and one far end serve
 * every Telnyx adapter test, which only read well beside each other.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { TelnyxRegistrationDto } from '../../src/shared/api.js';
import { launchLabBrowser, type LabBrowser } from '../lab/browser.js';
import {
  startFakeTelnyxRtc,
  type FakeTelnyxRtc,
  type FakeTelnyxRtcOptions,
} from '../fakes/telnyx-rtc/server.js';
import type { HarnessWindow } from './harness/entry.js';
import { startHarnessServer, type HarnessServer } from './harness/server.js';

let browser: LabBrowser;
let harness: HarnessServer;
let fake: FakeTelnyxRtc | null = null;
let page: Page;
let far: Page;

function registration(over: Partial<TelnyxRegistrationDto> = {}): TelnyxRegistrationDto {
  return {
    provider: 'telnyx',
    connectionId: 'conn-telnyx',
    loginToken: 'good-token',
    displayName: 'Agent Smith',
    fallback: false,
    dtmfMode: 'rfc2833',
    rtcHost: fake!.url,
    ...over,
  };
}

async function startFake(opts: FakeTelnyxRtcOptions = {}): Promise<FakeTelnyxRtc> {
  fake = await startFakeTelnyxRtc({
    tokens: ['good-token'],
    credentials: [{ login: 'agent', password: 'pw' }],
    answerSdp: (offer) => far.evaluate((o) => (window as unknown as HarnessWindow).farEnd.answer(o), offer),
    ...opts,
  });
  return fake;
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

const h = <T>(fn: string, ...args: unknown[]): Promise<T> =>
  page.evaluate(
    ([f, a]) =>
      (
        (window as unknown as HarnessWindow).harness as unknown as Record<
          string,
          (...x: unknown[]) => unknown
        >
      )[f]!(...a),
    [fn, args] as const,
  ) as Promise<T>;

beforeAll(async () => {
  [browser, harness] = await Promise.all([launchLabBrowser(), startHarnessServer()]);
});

afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

afterEach(async () => {
  await page?.evaluate(() => (window as unknown as HarnessWindow).harness.destroy()).catch(() => undefined);
  await page?.close().catch(() => undefined);
  await far?.close().catch(() => undefined);
  await fake?.stop();
  fake = null;
});

async function openPages(): Promise<void> {
  page = await browser.newPage();
  far = await browser.newPage();
  await Promise.all([page.goto(harness.url), far.goto(harness.url)]);
  await Promise.all([
    page.waitForFunction(() => (window as unknown as HarnessWindow).harness),
    far.waitForFunction(() => (window as unknown as HarnessWindow).farEnd),
  ]);
  await h('create', 'telnyx');
}

describe('telnyx adapter (real SDK, fake Telnyx RTC server)', () => {
  it('logs in with the token, becomes ready, and places a call that is answered, held, and hung up', async () => {
    await startFake({
      onInvite: () => ({ action: 'answer', ringMs: 80, earlyMedia: true, answerAfterMs: 150 }),
    });
    await openPages();

    expect(await h('register', registration())).toEqual({ ok: true });
    expect(await h('registration')).toEqual({ status: 'registered' });
    const login = fake!.messages.find((m) => m.dir === 'in' && m.msg.method === 'login')!.msg;
    expect(login.params).toMatchObject({ login_token: 'good-token' });
    expect(login.params?.passwd).toBeUndefined();
    expect(fake!.clientMethods().slice(0, 2)).toEqual(['login', 'telnyx_rtc.gatewayState']);

    const id = await h<string>('call', { destination: '+13125550100', callerId: '+13125550199' });
    await until(
      () => h<{ state: string }>('callInfo'),
      (c) => c.state === 'active',
      'active',
    );
    const invite = fake!.invites[0]!;
    expect(invite).toMatchObject({ destination: '+13125550100', callerNumber: '+13125550199' });
    expect(invite.sdp).toContain('m=audio');

    // Audio both ways, as the page measures it and as the far end sees it.
    const q = await until(
      () => h<{ bytesReceived: number; bytesSent: number; mos: number | null }>('quality'),
      (x) => x.bytesReceived > 0 && x.bytesSent > 0,
      'audio bytes',
    );
    expect(q.mos).not.toBeNull();
    await until(
      () => far.evaluate(() => (window as unknown as HarnessWindow).farEnd.bytes()),
      (b: { received: number }) => b.received > 0,
      'far end receiving audio',
    );

    await h('dtmf', '7');
    const info = await fake!.waitFor('telnyx_rtc.info', (m) => m.params?.dtmf === '7');
    expect(info.params?.dialogParams?.callID).toBe(invite.callID);

    await h('hold');
    expect((await h<{ state: string }>('callInfo')).state).toBe('held');
    await h('unhold');
    expect((await h<{ state: string }>('callInfo')).state).toBe('active');
    expect(
      fake!.messages
        .filter((m) => m.dir === 'in' && m.msg.method === 'telnyx_rtc.modify')
        .map((m) => m.msg.params?.action),
    ).toEqual(['hold', 'unhold']);

    await h('hangup');
    await fake!.waitFor('telnyx_rtc.bye');
    const info2 = await h<{ state: string; cause: string }>('callInfo');
    expect(info2).toMatchObject({ state: 'ended', cause: 'normal' });
    expect(await h('states', id)).toEqual([
      'dialing',
      'ringing',
      'early_media',
      'active',
      'held',
      'active',
      'ended',
    ]);
  });

  it('rejects a wrong login token with a clear registration error', async () => {
    await startFake();
    await openPages();
    const res = await h<{ ok: boolean; code: string; message: string }>(
      'register',
      registration({ loginToken: 'expired-token' }),
    );
    expect(res).toMatchObject({ ok: false, code: 'PHONE_REGISTRATION_FAILED' });
    expect(res.message).toMatch(/Telnyx refused the login/);
    expect(await h('registration')).toMatchObject({ status: 'failed' });
    expect(await h('lineState')).toBe('idle');
    await until(
      () => Promise.resolve(fake!.connectionCount()),
      (n) => n === 0,
      'socket closed after failed login',
    );
    expect(fake!.clientMethods().filter((m) => m === 'login')).toHaveLength(1);
  });

  it('logs in with login/password when there is no token', async () => {
    await startFake();
    await openPages();
    expect(
      await h('register', registration({ loginToken: undefined, login: 'agent', password: 'pw' })),
    ).toEqual({ ok: true });
    const login = fake!.messages.find((m) => m.dir === 'in' && m.msg.method === 'login')!.msg;
    expect(login.params).toMatchObject({ login: 'agent', passwd: 'pw' });
    // Keep-alive: the server pings, the SDK pings back.
    fake!.sendPing();
    await fake!.waitFor('telnyx_rtc.ping');
    expect(await h('registration')).toEqual({ status: 'registered' });
  });

  it('ends an outbound call as busy when the far end is busy', async () => {
    await startFake({
      onInvite: () => ({ action: 'reject', cause: 'USER_BUSY', causeCode: 17, sipCode: 486, ringMs: 50 }),
    });
    await openPages();
    await h('register', registration());
    await h('call', { destination: '+13125550100', callerId: '+13125550199' });
    const c = await until(
      () => h<{ state: string; cause: string; sipCode: number }>('callInfo'),
      (x) => x.state === 'ended',
      'ended',
    );
    expect(c).toMatchObject({ cause: 'busy', sipCode: 486 });
  });

  it('rings on an inbound invite, answers with a real SDP, and ends on the network BYE', async () => {
    await startFake();
    await openPages();
    await h('register', registration());
    const offer = await far.evaluate(() => (window as unknown as HarnessWindow).farEnd.offer());
    const callID = fake!.sendInboundInvite({
      from: '+14155550123',
      fromName: 'Bob',
      to: '+13125550199',
      sdp: offer,
    });
    await until(
      () => h<string | null>('incoming'),
      (x) => x !== null,
      'incoming call',
    );
    expect(await h('lineState')).toBe('ringing');
    expect(await h('callInfo')).toMatchObject({
      direction: 'inbound',
      remoteNumber: '+14155550123',
      callerId: '+13125550199',
    });
    await h('answer');
    const answer = await fake!.waitFor('telnyx_rtc.answer', (m) => m.params?.dialogParams?.callID === callID);
    await far.evaluate(
      (sdp) => (window as unknown as HarnessWindow).farEnd.setAnswer(sdp),
      answer.params?.sdp as string,
    );
    await until(
      () => h<{ state: string }>('callInfo'),
      (c) => c.state === 'active',
      'active',
    );
    await until(
      () => h<{ bytesReceived: number }>('quality'),
      (q) => q.bytesReceived > 0,
      'inbound audio',
    );
    fake!.sendBye(callID);
    const c = await until(
      () => h<{ state: string; cause: string }>('callInfo'),
      (x) => x.state === 'ended',
      'ended',
    );
    expect(c.cause).toBe('normal');
    expect(await h('states')).toEqual(['ringing', 'active', 'ended']);
  });

  it('a second inbound call rings beside a call; answering holds the first, switching holds the other', async () => {
    await startFake();
    await openPages();
    // The second caller is another bare peer in its own page.
    const far2 = await browser.newPage();
    try {
      await far2.goto(harness.url);
      await far2.waitForFunction(() => (window as unknown as HarnessWindow).farEnd);
      await h('register', registration());
      type Line = [string, string, string, string];
      const lines = (): Promise<Line[]> => h<Line[]>('lines');
      const ring = async (peer: Page, from: string): Promise<string> => {
        const offer = await peer.evaluate(() => (window as unknown as HarnessWindow).farEnd.offer());
        return fake!.sendInboundInvite({ from, to: '+13125550199', sdp: offer });
      };
      const connect = async (peer: Page, callID: string): Promise<void> => {
        const answer = await fake!.waitFor(
          'telnyx_rtc.answer',
          (m) => m.params?.dialogParams?.callID === callID,
        );
        await peer.evaluate(
          (sdp) => (window as unknown as HarnessWindow).farEnd.setAnswer(sdp),
          answer.params?.sdp as string,
        );
      };
      const modifies = (): [unknown, unknown][] =>
        fake!.messages
          .filter((m) => m.dir === 'in' && m.msg.method === 'telnyx_rtc.modify')
          .map((m) => [m.msg.params?.action, m.msg.params?.dialogParams?.callID]);

      const first = await ring(far, '+14155550123');
      await until(lines, (l) => l[0]?.[2] === 'ringing', 'first call rings');
      await h('answer', first);
      await connect(far, first);
      await until(lines, (l) => l[0]?.[2] === 'active', 'first call active');

      const second = await ring(far2, '+14155550124');
      // Not answered busy: it rings beside the call in progress, which keeps the focus.
      expect(await until(lines, (l) => l.length === 2, 'second call rings')).toEqual([
        [first, 'inbound', 'active', '+14155550123'],
        [second, 'inbound', 'ringing', '+14155550124'],
      ]);
      expect(await h('callInfo')).toMatchObject({ id: first, state: 'active' });

      await h('answer', second);
      await connect(far2, second);
      await until(lines, (l) => l[1]?.[2] === 'active', 'second call active');
      expect((await lines()).map((l) => l[2])).toEqual(['held', 'active']);
      expect(modifies()).toEqual([['hold', first]]);

      await h('unhold', first);
      expect((await lines()).map((l) => l[2])).toEqual(['active', 'held']);
      expect(modifies()).toEqual([
        ['hold', first],
        ['hold', second],
        ['unhold', first],
      ]);

      await h('hangup', first);
      await h('hangup', second);
      await fake!.waitFor('telnyx_rtc.bye', (m) => m.params?.dialogParams?.callID === second);
      expect(await lines()).toEqual([]);
    } finally {
      await far2.close().catch(() => undefined);
    }
  });

  it('reports reconnecting when the socket drops, then registered again', async () => {
    await startFake();
    await openPages();
    await h('register', registration());
    const registrations = async (): Promise<{ status: string; attempt?: number }[]> =>
      page.evaluate(() =>
        (window as unknown as HarnessWindow).harness.log
          .filter((l) => l.kind === 'registration')
          .map((l) => l.data as { status: string; attempt?: number }),
      );
    const before = (await registrations()).length;
    fake!.dropConnections();
    // What the phone reported, in order, as it happened: a poll could miss a short "reconnecting".
    const since = async () => (await registrations()).slice(before);
    await until(since, (log) => log.some((s) => s.status === 'registered'), 're-registered', 30_000);
    const statuses = await since();
    expect(statuses[0]).toMatchObject({ status: 'reconnecting', attempt: 1 });
    expect(statuses.at(-1)).toMatchObject({ status: 'registered' });
    expect(fake!.clientMethods().filter((m) => m === 'login').length).toBe(2);
  });

  it('a call survives a socket drop: reconnecting, re-attached by the server, active again with audio, never ended', async () => {
    await startFake({
      attachOffer: () => far.evaluate(() => (window as unknown as HarnessWindow).farEnd.offer()),
      onAttachAnswer: (sdp) =>
        far.evaluate((a) => (window as unknown as HarnessWindow).farEnd.setAnswer(a), sdp),
    });
    await openPages();
    await h('register', registration());
    const id = await h<string>('call', { destination: '+13125550100', callerId: '+13125550199' });
    await until(
      () => h<{ state: string }>('callInfo'),
      (c) => c.state === 'active',
      'active',
    );
    fake!.dropConnections();
    // The SDK logs in again with its session, the server re-attaches the call, the SDK answers it.
    const relogin = await fake!.waitFor('login', (m) => m.params?.reconnection === true, 30_000);
    expect(relogin.params?.sessid).toBeTruthy();
    await fake!.waitFor('telnyx_rtc.attach', () => true, 10_000);
    expect(fake!.attached).toEqual([fake!.invites[0]!.callID]);
    await until(
      () => h<string[]>('states', id),
      (s) => s.at(-1) === 'active' && s.includes('reconnecting'),
      'back to active',
      10_000,
    );
    expect(await h('states', id)).toEqual(['dialing', 'ringing', 'active', 'reconnecting', 'active']);
    // Audio both ways on the re-attached media.
    const before = await far.evaluate(() => (window as unknown as HarnessWindow).farEnd.bytes());
    await until(
      () => far.evaluate(() => (window as unknown as HarnessWindow).farEnd.bytes()),
      (b: { received: number }) => b.received > before.received,
      'far end receiving audio again',
    );
    // The phone measures the call's new media, not the peer connection it replaced.
    const q = await h<{ bytesReceived: number }>('quality');
    await until(
      () => h<{ bytesReceived: number }>('quality'),
      (x) => x.bytesReceived > q.bytesReceived,
      'the phone measuring audio again',
    );
    expect(fake!.clientMethods()).not.toContain('telnyx_rtc.bye');
    // And the call is still ours to end: the hang-up reaches the server.
    await h('hangup');
    await fake!.waitFor('telnyx_rtc.bye');
    expect(await h('callInfo')).toMatchObject({ state: 'ended', cause: 'normal' });
  });

  it('warns the page when the login token is about to expire', async () => {
    const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${b64({ alg: 'none' })}.${b64({ exp: Math.floor(Date.now() / 1000) + 60 })}.sig`;
    await startFake({ tokens: [token] });
    await openPages();
    expect(await h('register', registration({ loginToken: token }))).toEqual({ ok: true });
    const errors = await until(
      () =>
        page.evaluate(() =>
          (window as unknown as HarnessWindow).harness.log
            .filter((l) => l.kind === 'error')
            .map((l) => l.data),
        ),
      (x) => x.length > 0,
      'token warning',
      3000,
    );
    expect(errors).toContainEqual(expect.objectContaining({ code: 'PHONE_TOKEN_EXPIRING' }));
  });

  it('destroy() disconnects: no socket, no client left', async () => {
    await startFake();
    await openPages();
    await h('register', registration());
    expect(fake!.connectionCount()).toBe(1);
    await h('destroy');
    await until(
      () => Promise.resolve(fake!.connectionCount()),
      (n) => n === 0,
      'socket closed',
    );
    expect((await h<{ telnyxClients: number }>('counts')).telnyxClients).toBe(0);
  });

  it('keeps the dialer route small: each adapter is its own lazily loaded chunk', () => {
    const sizes = harness.gzipSizes;
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    const telnyx = Object.entries(sizes).find(([f]) => f.startsWith('telnyx-adapter'))![1];
    const jssip = Object.entries(sizes).find(([f]) => f.startsWith('jssip-adapter'))![1];
    // The page pays for one SDK, never both; the phone core is a few KB.
    expect(total - telnyx - jssip).toBeLessThan(15_000);
    expect(Math.max(telnyx, jssip)).toBeLessThan(120_000);
  });
});
