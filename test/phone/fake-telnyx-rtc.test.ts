import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  startFakeTelnyxRtc,
  synthesizeAnswer,
  type FakeTelnyxRtc,
  type JsonRpc,
} from '../fakes/telnyx-rtc/server.js';

const OFFER = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 0 126',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=setup:actpass',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:126 telephone-event/8000',
  '',
].join('\r\n');

let fake: FakeTelnyxRtc | null = null;
afterEach(async () => {
  await fake?.stop();
  fake = null;
});

/** A bare JSON-RPC client, to pin the fake's protocol without the SDK. */
async function connect(
  url: string,
): Promise<{ send(m: JsonRpc): void; next(pred: (m: JsonRpc) => boolean): Promise<JsonRpc>; close(): void }> {
  const ws = new WebSocket(url);
  const inbox: JsonRpc[] = [];
  const waiters: { pred: (m: JsonRpc) => boolean; resolve: (m: JsonRpc) => void }[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse((d as Buffer).toString('utf8')) as JsonRpc;
    const w = waiters.find((x) => x.pred(m));
    if (w) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    } else inbox.push(m);
  });
  await new Promise((r) => ws.once('open', r));
  return {
    send: (m) => ws.send(JSON.stringify({ jsonrpc: '2.0', ...m })),
    next: (pred) => {
      const i = inbox.findIndex(pred);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]!);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    close: () => ws.close(),
  };
}

describe('fake Telnyx RTC server', () => {
  it('logs in with a token, sends clientReady, answers gatewayState with REGED', async () => {
    fake = await startFakeTelnyxRtc({ tokens: ['t1'] });
    const c = await connect(fake.url);
    c.send({ id: 1, method: 'login', params: { login_token: 't1' } });
    const res = await c.next((m) => m.id === 1);
    expect(res.result?.sessid).toEqual(expect.any(String));
    const ready = await c.next((m) => m.method === 'telnyx_rtc.clientReady');
    c.send({ id: ready.id, result: { method: 'telnyx_rtc.clientReady' } });
    c.send({ id: 2, method: 'telnyx_rtc.gatewayState', params: {} });
    expect((await c.next((m) => m.id === 2)).result).toMatchObject({ params: { state: 'REGED' } });
    c.close();
    expect(fake.clientMethods()).toEqual(['login', 'telnyx_rtc.gatewayState']);
  });

  it('refuses a wrong token with an error that does not make the SDK retry forever', async () => {
    fake = await startFakeTelnyxRtc({ tokens: ['t1'] });
    const c = await connect(fake.url);
    c.send({ id: 1, method: 'login', params: { login_token: 'nope' } });
    const res = await c.next((m) => m.id === 1);
    expect(res.error).toEqual({ code: -32001, message: 'Authentication Failed' });
    c.close();
  });

  it('answers an invite: result, ringing, answer with SDP; busy far end sends bye with the cause', async () => {
    let n = 0;
    fake = await startFakeTelnyxRtc({
      onInvite: () =>
        n++ === 0
          ? { action: 'answer', ringMs: 10 }
          : { action: 'reject', cause: 'USER_BUSY', causeCode: 17, sipCode: 486, ringMs: 10 },
    });
    const c = await connect(fake.url);
    c.send({ id: 1, method: 'login', params: { login_token: 'x' } });
    await c.next((m) => m.id === 1);
    c.send({
      id: 2,
      method: 'telnyx_rtc.invite',
      params: {
        sdp: OFFER,
        dialogParams: { callID: 'c1', destination_number: '+13125550100', caller_id_number: '+13125550199' },
      },
    });
    expect((await c.next((m) => m.id === 2)).result).toMatchObject({ callID: 'c1' });
    await c.next((m) => m.method === 'telnyx_rtc.ringing');
    const answer = await c.next((m) => m.method === 'telnyx_rtc.answer');
    expect(answer.params?.sdp).toContain('a=setup:active');
    c.send({ id: 3, method: 'telnyx_rtc.invite', params: { sdp: OFFER, dialogParams: { callID: 'c2' } } });
    const bye = await c.next((m) => m.method === 'telnyx_rtc.bye');
    expect(bye.params).toMatchObject({ callID: 'c2', cause: 'USER_BUSY', causeCode: 17, sipCode: 486 });
    expect(fake.invites.map((i) => i.callID)).toEqual(['c1', 'c2']);
    c.close();
  });

  it('synthesizes an answer with the first codec and telephone-event', () => {
    const sdp = synthesizeAnswer(OFFER);
    expect(sdp).toContain('m=audio 9 UDP/TLS/RTP/SAVPF 111 126');
    expect(sdp).toContain('a=rtpmap:111 opus/48000/2');
    expect(sdp).toContain('a=fmtp:111 minptime=10;useinbandfec=1');
    expect(sdp).toContain('a=rtpmap:126 telephone-event/8000');
    expect(sdp).toContain('a=mid:0');
    expect(sdp).not.toContain('PCMU');
  });
});
