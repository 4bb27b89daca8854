import { afterEach, describe, expect, it } from 'vitest';
import type { SipRegistrationDto } from '../../src/shared/api.js';
import { FakeSoftphone, type FakeSoftphoneOptions } from '../../src/phone/adapters/fake-adapter.js';
import { createSoftphone } from '../../src/phone/create-softphone.js';
import { describeEnd } from '../../src/phone/call-state.js';
import { estimateMos, qualityFromStats } from '../../src/phone/quality.js';
import type { CallState, PhoneLogger, RegistrationState } from '../../src/phone/softphone.js';

function sipRegistration(over: Partial<SipRegistrationDto> = {}): SipRegistrationDto {
  return {
    provider: 'sip',
    connectionId: 'conn-1',
    wsServer: 'wss://sip.example.test',
    sipUri: 'sip:alice@example.test',
    authorizationUser: 'alice',
    password: 'secret',
    displayName: 'Alice',
    fallback: false,
    dtmfMode: 'rfc2833',
    sendPAssertedIdentity: true,
    iceServers: [],
    ...over,
  };
}

const phones: FakeSoftphone[] = [];
function makePhone(opts: FakeSoftphoneOptions = {}): FakeSoftphone {
  const p = new FakeSoftphone({ qualityIntervalMs: 0, ...opts });
  phones.push(p);
  return p;
}

async function registeredPhone(opts: FakeSoftphoneOptions = {}): Promise<FakeSoftphone> {
  const p = makePhone(opts);
  await p.register(sipRegistration());
  return p;
}

function recordingLogger(): PhoneLogger & {
  entries: { level: string; message: string; details?: Record<string, unknown> }[];
} {
  const entries: { level: string; message: string; details?: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (message: string, details?: Record<string, unknown>): void => {
      entries.push({ level, message, details });
    };
  return { entries, debug: at('debug'), warn: at('warn'), error: at('error') };
}

function recordStates(p: FakeSoftphone): CallState[] {
  const seen: CallState[] = [];
  p.on('callState', (e) => {
    if (e.state !== e.previous) seen.push(e.state);
  });
  return seen;
}

afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.destroy()));
  expect(FakeSoftphone.activeCount()).toBe(0);
});

describe('FakeSoftphone registration', () => {
  it('goes unregistered -> registering -> registered and the line becomes ready', async () => {
    const p = makePhone();
    const states: RegistrationState['status'][] = [];
    p.on('registrationState', (s) => states.push(s.status));
    expect(p.lineState).toBe('idle');
    await p.register(sipRegistration());
    expect(states).toEqual(['registering', 'registered']);
    expect(p.lineState).toBe('ready');
  });

  it('rejects with a clear reason when registration fails', async () => {
    const p = makePhone({ registration: { fail: 'Wrong user name or password (401)', sipCode: 401 } });
    await expect(p.register(sipRegistration())).rejects.toMatchObject({
      code: 'PHONE_REGISTRATION_FAILED',
      message: 'Wrong user name or password (401)',
    });
    expect(p.registrationState).toEqual({
      status: 'failed',
      reason: 'Wrong user name or password (401)',
      sipCode: 401,
    });
    expect(p.lineState).toBe('idle');
  });

  it('re-registering ends the previous registration first (one UA at a time)', async () => {
    const p = await registeredPhone();
    await p.register(sipRegistration({ connectionId: 'conn-2' }));
    expect(FakeSoftphone.activeCount()).toBe(1);
    expect(p.actions.map((a) => a.type)).toEqual(['register', 'unregister', 'register']);
  });

  it('reports reconnecting with attempt numbers, then registered again, keeping the call', async () => {
    const p = await registeredPhone();
    const call = p.call({ destination: '+13125550100', callerId: '+13125550199' });
    p.remote.answer();
    const states: RegistrationState[] = [];
    p.on('registrationState', (s) => states.push(s));
    p.remote.dropConnection(2, 5);
    await new Promise((r) => setTimeout(r, 30));
    expect(states).toEqual([
      { status: 'reconnecting', attempt: 1, nextRetryInMs: 5 },
      { status: 'reconnecting', attempt: 2, nextRetryInMs: 5 },
      { status: 'registered' },
    ]);
    expect(call.state).toBe('active');
  });

  it('destroy() unregisters, hangs up and removes listeners; the phone refuses further use', async () => {
    const p = await registeredPhone();
    const call = p.call({ destination: '+13125550100', callerId: '+13125550199' });
    let events = 0;
    p.on('callState', () => events++);
    await p.destroy();
    expect(call.state).toBe('ended');
    expect(FakeSoftphone.activeCount()).toBe(0);
    expect(p.listenerCount('callState')).toBe(0);
    expect(() => p.call({ destination: '+13125550100', callerId: '+13125550199' })).toThrow(/shut down/);
    expect(events).toBeGreaterThan(0);
  });
});

describe('FakeSoftphone registration guard', () => {
  /** A provider whose stopped user agent still reports (the adapters' `this.ua !== ua` checks fail). */
  class StaleProvider extends FakeSoftphone {
    lateEvent(state: RegistrationState): void {
      this.setRegistrationState(state);
    }
  }

  it('logs and ignores a registration change the diagram does not have', () => {
    const logger = recordingLogger();
    const p = new StaleProvider({ qualityIntervalMs: 0, logger });
    phones.push(p);
    const seen: RegistrationState[] = [];
    p.on('registrationState', (s) => seen.push(s));
    p.lateEvent({ status: 'registered' });
    expect(p.registrationState).toEqual({ status: 'unregistered' });
    expect(p.lineState).toBe('idle');
    expect(seen).toEqual([]);
    expect(logger.entries).toEqual([
      {
        level: 'warn',
        message: 'impossible registration change ignored',
        details: { from: 'unregistered', to: 'registered' },
      },
    ]);
  });
});

describe('FakeSoftphone outbound calls', () => {
  it('dialing -> ringing -> early_media -> active -> ended(normal, local)', async () => {
    const p = await registeredPhone();
    const states = recordStates(p);
    const call = p.call({ destination: '+13125550100', callerId: '+13125550199' });
    expect(call.direction).toBe('outbound');
    expect(call.remoteNumber).toBe('+13125550100');
    expect(call.callerId).toBe('+13125550199');
    p.remote.ringing();
    p.remote.earlyMedia();
    p.remote.answer();
    expect(p.lineState).toBe('active');
    expect(call.answeredAt).toBeInstanceOf(Date);
    call.hangup();
    expect(states).toEqual(['dialing', 'ringing', 'early_media', 'active', 'ended']);
    // The INVITE's final answer was 200; the record says who ended the call.
    expect(call.end).toEqual({ cause: 'normal', sipCode: 200, by: 'local', reason: 'Hung up' });
    expect(call.progressAt).toBeInstanceOf(Date); // the first 18x (post-dial delay)
    expect(p.lineState).toBe('ready');
    expect(p.actions.at(-1)).toEqual({ type: 'bye', callId: call.id });
  });

  it.each([
    [486, 'busy'],
    [480, 'no_answer'],
    [603, 'rejected'],
  ] as const)('a %i answer ends the call as %s with the SIP code', async (code, cause) => {
    const p = await registeredPhone();
    const call = p.call({ destination: '+13125550100', callerId: '+13125550199' });
    p.remote.ringing();
    p.remote.reject(code);
    expect(call.state).toBe('ended');
    expect(call.cause).toBe(cause);
    expect(call.sipCode).toBe(code);
    expect(call.answeredAt).toBeNull();
  });

  it('hanging up before the answer cancels', async () => {
    const p = await registeredPhone();
    const call = p.call({ destination: '+13125550100', callerId: '+13125550199' });
    p.remote.ringing();
    p.hangup();
    expect(call.cause).toBe('cancelled');
    expect(p.actions.at(-1)?.type).toBe('cancel');
  });

  it('validates before sending anything', async () => {
    const p = makePhone();
    expect(() => p.call({ destination: '+13125550100', callerId: '+13125550199' })).toThrow(
      expect.objectContaining({ code: 'PHONE_NOT_REGISTERED' }),
    );
    await p.register(sipRegistration());
    expect(() => p.call({ destination: '3125550100', callerId: '+13125550199' })).toThrow(
      expect.objectContaining({ code: 'PHONE_INVALID_NUMBER' }),
    );
    expect(() => p.call({ destination: '+13125550100', callerId: '' })).toThrow(/caller ID/);
    p.call({ destination: '+13125550100', callerId: '+13125550199' });
    expect(() => p.call({ destination: '+13125550101', callerId: '+13125550199' })).toThrow(
      expect.objectContaining({ code: 'PHONE_BUSY_LINE' }),
    );
    expect(p.actions.filter((a) => a.type === 'invite')).toHaveLength(1);
  });

  it('mute, hold/unhold and DTMF go to the provider; impossible hold is ignored', async () => {
    const p = await registeredPhone({ autoAnswerMs: 0 });
    const call = p.call({ destination: '+13125550100', callerId: '+13125550199' });
    await p.hold(); // still dialing: nothing happens
    expect(call.state).toBe('dialing');
    await new Promise((r) => setTimeout(r, 5));
    expect(call.state).toBe('active');
    call.mute();
    expect(call.muted).toBe(true);
    await call.hold();
    expect(call.state).toBe('held');
    expect(p.lineState).toBe('held');
    await call.unhold();
    expect(call.state).toBe('active');
    call.sendDtmf('5');
    call.sendDtmf('#');
    expect(() => call.sendDtmf('x')).toThrow(/keypad/);
    call.unmute();
    expect(p.actions.filter((a) => a.type !== 'register' && a.type !== 'invite')).toEqual([
      { type: 'mute', callId: call.id, muted: true },
      { type: 'hold', callId: call.id, hold: true },
      { type: 'hold', callId: call.id, hold: false },
      { type: 'dtmf', callId: call.id, digit: '5', mode: 'rfc2833' },
      { type: 'dtmf', callId: call.id, digit: '#', mode: 'rfc2833' },
      { type: 'mute', callId: call.id, muted: false },
    ]);
  });

  it('a lost network path: reconnecting (never ended), then back to active, and how long it took', async () => {
    const p = await registeredPhone({ autoAnswerMs: 0 });
    const states = recordStates(p);
    const call = p.call({ destination: '+13125550100', callerId: '+13125550199' });
    await new Promise((r) => setTimeout(r, 5));
    expect(call.state).toBe('active');
    p.remote.pathLost({ recoverAfterMs: 30 });
    expect(call.state).toBe('reconnecting');
    expect(p.lineState).toBe('reconnecting');
    expect(call.interruptions).toBe(1);
    expect(call.interruptedAt).toBeInstanceOf(Date);
    expect(call.recoveredAfterMs).toBeNull();
    // While reconnecting: no tones, no transfer; mute is local and still works (Hold: the next test).
    call.sendDtmf('5');
    await expect(call.transfer('+13125550111')).rejects.toThrow(/reconnecting/);
    call.mute();
    expect(call.muted).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    expect(call.state).toBe('active');
    expect(call.recoveredAfterMs!).toBeGreaterThanOrEqual(25);
    expect(states.slice(-3)).toEqual(['active', 'reconnecting', 'active']);
    expect(p.actions.some((a) => a.type === 'bye' || a.type === 'hold' || a.type === 'dtmf')).toBe(false);
    // Hanging up while reconnecting ends an answered call normally (BYE), not as cancelled.
    p.remote.pathLost();
    call.hangup();
    expect(call.end).toMatchObject({ cause: 'normal', sipCode: 200, by: 'local' });
    expect(p.actions.at(-1)).toEqual({ type: 'bye', callId: call.id });
    expect(call.interruptions).toBe(2);
  });

  it('a call on hold when its path broke comes back on hold', async () => {
    const p = await registeredPhone({ autoAnswerMs: 0 });
    const call = p.call({ destination: '+13125550100', callerId: '+13125550199' });
    await new Promise((r) => setTimeout(r, 5));
    await call.hold();
    p.remote.pathLost();
    expect(call.state).toBe('reconnecting');
    expect(call.heldWhenBack).toBe(true);
    p.remote.recover();
    expect(call.state).toBe('held');
    await call.unhold();
    expect(call.state).toBe('active');
  });

  it('Hold pressed while reconnecting: the call comes back on hold; Resume pressed meanwhile undoes it', async () => {
    const p = await registeredPhone({ autoAnswerMs: 0 });
    const states = recordStates(p);
    const call = p.call({ destination: '+13125550100', callerId: '+13125550199' });
    await new Promise((r) => setTimeout(r, 5));
    p.remote.pathLost();
    expect(call.heldWhenBack).toBe(false);
    const seen: boolean[] = [];
    p.on('callState', ({ call: c }) => seen.push(c.heldWhenBack));
    await call.hold();
    // Still reconnecting, and the page is told the call will be on hold.
    expect(call.state).toBe('reconnecting');
    expect(call.heldWhenBack).toBe(true);
    expect(seen).toEqual([true]);
    await call.hold(); // pressed twice: nothing more
    expect(p.actions.filter((a) => a.type === 'hold')).toEqual([
      { type: 'hold', callId: call.id, hold: true, whenBack: true },
    ]);
    p.remote.recover();
    expect(call.state).toBe('held');
    expect(call.heldWhenBack).toBe(false);
    expect(states.slice(-3)).toEqual(['active', 'reconnecting', 'held']);

    // Broken again while on hold, and Resume pressed before it is back: it comes back talking.
    p.remote.pathLost();
    expect(call.heldWhenBack).toBe(true);
    await call.unhold();
    expect(call.heldWhenBack).toBe(false);
    p.remote.recover();
    expect(call.state).toBe('active');
    expect(states.slice(-3)).toEqual(['held', 'reconnecting', 'active']);
  });

  it('transfers a connected call: the far end is asked, then our leg hangs up as transferred', async () => {
    const p = await registeredPhone({ autoAnswerMs: 0 });
    const call = p.call({ destination: '+13125550100', callerId: '+13125550199' });
    // Not connected yet: refused, nothing sent.
    await expect(call.transfer('+13125550111')).rejects.toMatchObject({
      code: 'PHONE_TRANSFER_FAILED',
      message: 'Only a connected call can be transferred.',
    });
    await new Promise((r) => setTimeout(r, 5));
    await expect(call.transfer('3125550111')).rejects.toMatchObject({
      code: 'PHONE_INVALID_NUMBER',
      message: expect.stringMatching(/3125550111 is not a full number.*country code/),
    });
    await expect(call.transfer('')).rejects.toMatchObject({ code: 'PHONE_INVALID_NUMBER' });
    expect(call.state).toBe('active');
    await call.hold(); // a held call may be transferred too
    await call.transfer('+13125550111');
    expect(call.state).toBe('ended');
    expect(call.end).toEqual({
      cause: 'normal',
      sipCode: 200,
      by: 'local',
      reason: 'Transferred to +13125550111',
      transferredTo: '+13125550111',
    });
    expect(describeEnd(call.end!)).toBe('Transferred to +13125550111');
    expect(p.actions.filter((a) => a.type === 'transfer' || a.type === 'bye')).toEqual([
      { type: 'transfer', callId: call.id, target: '+13125550111' },
      { type: 'bye', callId: call.id },
    ]);
    expect(p.transferUnavailableReason).toBeNull();
  });

  it('keeps the call when the far end refuses the transfer, and says why', async () => {
    const p = await registeredPhone({
      autoAnswerMs: 0,
      transfer: { fail: 'The other side refused the transfer (405 Method Not Allowed).' },
    });
    const call = p.call({ destination: '+13125550100', callerId: '+13125550199' });
    await new Promise((r) => setTimeout(r, 5));
    await expect(call.transfer('+13125550111')).rejects.toMatchObject({
      code: 'PHONE_TRANSFER_FAILED',
      message: 'The other side refused the transfer (405 Method Not Allowed).',
      callId: call.id,
    });
    expect(call.state).toBe('active');
    expect(p.actions.some((a) => a.type === 'bye')).toBe(false);
  });

  it('ignores provider events that arrive late or twice', async () => {
    const logger = recordingLogger();
    const p = await registeredPhone({ logger });
    const call = p.call({ destination: '+13125550100', callerId: '+13125550199' });
    p.remote.earlyMedia();
    p.remote.ringing(); // a 180 after the 183
    p.remote.answer();
    p.remote.answer();
    p.remote.hangup();
    p.remote.hangup();
    expect((call as unknown as { history: CallState[] }).history).toEqual([
      'dialing',
      'early_media',
      'active',
      'ended',
    ]);
    expect(call.end?.by).toBe('remote');
    // Nothing is dropped silently: the out-of-order 180 is a warning, the repeats are debug notes.
    expect(logger.entries).toEqual([
      {
        level: 'warn',
        message: 'impossible call transition ignored',
        details: { callId: call.id, from: 'early_media', event: 'ringing' },
      },
      {
        level: 'debug',
        message: 'repeated call event ignored',
        details: { callId: call.id, from: 'active', event: 'answered' },
      },
      {
        level: 'debug',
        message: 'repeated call event ignored',
        details: { callId: call.id, from: 'ended', event: 'end' },
      },
    ]);
  });

  it('reports quality from getStats once answered', async () => {
    const p = await registeredPhone();
    const call = p.call({ destination: '+13125550100', callerId: '+13125550199' });
    expect((await call.getQuality()).mos).toBeNull();
    p.remote.answer();
    const q = await call.getQuality();
    expect(q.mos).toBeGreaterThan(4.3);
    expect(q.rttMs).toBe(20);
    expect(q.packetLossPct).toBe(0);
    expect(q.bytesReceived).toBeGreaterThan(0);
  });
});

describe('FakeSoftphone inbound calls', () => {
  it('rings, emits incomingCall, and answer makes it active', async () => {
    const p = await registeredPhone();
    const incoming: string[] = [];
    p.on('incomingCall', (c) => incoming.push(c.remoteNumber));
    const id = p.remote.call('+14155550123', { name: 'Bob' }) ?? undefined;
    expect(incoming).toEqual(['+14155550123']);
    expect(p.lineState).toBe('ringing');
    expect(p.currentCall?.direction).toBe('inbound');
    expect(p.currentCall?.remoteName).toBe('Bob');
    await p.answer(id);
    expect(p.currentCall?.state).toBe('active');
  });

  it('decline ends it as rejected (603) and hangup while ringing declines', async () => {
    const p = await registeredPhone();
    p.remote.call('+14155550123');
    p.decline();
    expect(p.currentCall?.end).toMatchObject({ cause: 'rejected', sipCode: 603, by: 'local' });
    p.remote.call('+14155550124');
    p.hangup();
    expect(p.currentCall?.cause).toBe('rejected');
    expect(p.actions.filter((a) => a.type === 'decline')).toHaveLength(2);
  });

  it('caller hanging up before the answer ends it as cancelled by remote', async () => {
    const p = await registeredPhone();
    p.remote.call('+14155550123');
    p.remote.hangup();
    expect(p.currentCall?.end).toMatchObject({ cause: 'cancelled', by: 'remote' });
  });
});

describe('createSoftphone', () => {
  it('returns the fake adapter without loading a SIP library', async () => {
    const p = await createSoftphone('fake');
    expect(p.provider).toBe('fake');
    await p.destroy();
  });
});

describe('quality', () => {
  it('E-model gives ~4.4 for a clean line and drops with loss and delay', () => {
    expect(estimateMos(20, 2, 0)).toBeGreaterThan(4.3);
    expect(estimateMos(20, 2, 5)).toBeLessThan(estimateMos(20, 2, 0));
    expect(estimateMos(600, 30, 0)).toBeLessThan(3.6);
    expect(estimateMos(2000, 200, 50)).toBe(1);
  });

  it('reads jitter, loss, rtt and bytes from a stats report', () => {
    const report = new Map<string, Record<string, unknown> & { type: string; id: string }>([
      [
        'a',
        {
          id: 'a',
          type: 'inbound-rtp',
          kind: 'audio',
          jitter: 0.015,
          packetsLost: 5,
          packetsReceived: 95,
          bytesReceived: 16000,
        },
      ],
      ['b', { id: 'b', type: 'outbound-rtp', kind: 'audio', bytesSent: 17000 }],
      [
        'c',
        { id: 'c', type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.05 },
      ],
      ['v', { id: 'v', type: 'inbound-rtp', kind: 'video', bytesReceived: 999999 }],
    ]);
    const q = qualityFromStats(report);
    expect(q).toMatchObject({
      jitterMs: 15,
      packetLossPct: 5,
      rttMs: 50,
      bytesSent: 17000,
      bytesReceived: 16000,
    });
    expect(q.mos).toBeGreaterThan(3.5);
    expect(q.mos).toBeLessThan(4.4);
  });
});
