/**
 * The guarded re-INVITE (jssip-reinvite.ts) against a stand-in for JsSIP's session: what each answer
 * from the far end does to the call. JsSIP's own re-INVITE hangs up on a timeout or a transport error;
 * this one must not, and only a 481 (the far end forgot the dialog) ends the call.
 */
import type { RTCSession } from 'jssip/lib/RTCSession.js';
import { describe, expect, it } from 'vitest';
import { sendReinvite, type ReinviteOutcome } from '../../src/phone/adapters/jssip-reinvite.js';

type Handlers = Record<string, (response?: unknown) => void>;

function fakeSession() {
  const sent: { method: string; headers?: string[]; body?: string }[] = [];
  const remote: RTCSessionDescriptionInit[] = [];
  let handlers: Handlers = {};
  let ended = false;
  let dialogErrors = 0;
  const offers: (RTCOfferOptions | null)[] = [];
  const session = {
    _contact: '<sip:me@x.invalid;transport=ws;ob>',
    _localHold: false,
    _connection: {
      setRemoteDescription: (d: RTCSessionDescriptionInit) => {
        remote.push(d);
        return Promise.resolve();
      },
    },
    _connectionPromiseQueue: Promise.resolve() as Promise<unknown>,
    _createLocalDescription: (_type: string, constraints: RTCOfferOptions | null) => {
      offers.push(constraints);
      return Promise.resolve('v=0\r\na=sendrecv\r\n');
    },
    _mangleOffer(sdp: string) {
      return this._localHold ? sdp.replace('sendrecv', 'sendonly') : sdp;
    },
    onDialogError: () => {
      dialogErrors++;
      ended = true;
    },
    emit: () => undefined,
    isEnded: () => ended,
    sendRequest: (
      method: string,
      options: { extraHeaders?: string[]; body?: string; eventHandlers?: Handlers },
    ) => {
      sent.push({ method, headers: options.extraHeaders, body: options.body });
      if (method === 'INVITE') handlers = options.eventHandlers ?? {};
    },
  };
  const response = (status: number, body?: string) => ({
    status_code: status,
    body,
    hasHeader: (n: string) => n === 'Content-Type' && body !== undefined,
    getHeader: () => 'application/sdp',
  });
  return {
    session,
    sent,
    remote,
    offers,
    get dialogErrors() {
      return dialogErrors;
    },
    /** The far end's answer to the re-INVITE, once it left. */
    async reply(kind: string, ...args: unknown[]) {
      await session._connectionPromiseQueue;
      handlers[kind]!(...args);
    },
    response,
    send: (iceRestart: boolean): Promise<ReinviteOutcome> =>
      sendReinvite(session as unknown as RTCSession, { iceRestart }),
  };
}

describe('a re-INVITE that keeps the call', () => {
  it('applies the 200’s SDP answer and ACKs it, with our contact and the offer asked for', async () => {
    const f = fakeSession();
    const outcome = f.send(true);
    await f.reply('onSuccessResponse', f.response(200, 'v=0\r\nanswer\r\n'));
    expect(await outcome).toBe('answered');
    expect(f.offers).toEqual([{ offerToReceiveAudio: true, iceRestart: true }]);
    expect(f.sent.map((m) => m.method)).toEqual(['INVITE', 'ACK']);
    expect(f.sent[0]!.headers).toEqual([
      'Contact: <sip:me@x.invalid;transport=ws;ob>',
      'Content-Type: application/sdp',
    ]);
    expect(f.remote).toEqual([{ type: 'answer', sdp: 'v=0\r\nanswer\r\n' }]);
  });

  it('carries the hold direction the session is in (a plain refresh, no ICE restart)', async () => {
    const f = fakeSession();
    f.session._localHold = true;
    const outcome = f.send(false);
    await f.reply('onSuccessResponse', f.response(200, 'v=0\r\n'));
    expect(await outcome).toBe('answered');
    expect(f.offers).toEqual([{ offerToReceiveAudio: true }]);
    expect(f.sent[0]!.body).toContain('a=sendonly');
  });

  it.each([
    ['a timeout', 'onRequestTimeout', [], 'no_answer'],
    ['a transport error', 'onTransportError', [], 'no_answer'],
    ['a 408', 'onDialogError', [{ status_code: 408 }], 'no_answer'],
    ['a refusal (488)', 'onErrorResponse', [{ status_code: 488 }], 'refused'],
  ] as const)('reports %s and leaves the call up', async (_what, kind, args, expected) => {
    const f = fakeSession();
    const outcome = f.send(false);
    await f.reply(kind, ...args);
    expect(await outcome).toBe(expected);
    expect(f.session.isEnded()).toBe(false);
    expect(f.dialogErrors).toBe(0);
  });

  it('lets a 481 end the call: the far end no longer knows it', async () => {
    const f = fakeSession();
    const outcome = f.send(false);
    await f.reply('onDialogError', { status_code: 481 });
    expect(await outcome).toBe('gone');
    expect(f.session.isEnded()).toBe(true);
  });

  it('refuses a 200 without an SDP answer, still ACKing it', async () => {
    const f = fakeSession();
    const outcome = f.send(false);
    await f.reply('onSuccessResponse', f.response(200));
    expect(await outcome).toBe('refused');
    expect(f.sent.map((m) => m.method)).toEqual(['INVITE', 'ACK']);
    expect(f.session.isEnded()).toBe(false);
  });
});
