/**
 * Two lines on the fake softphone (no network): a call waiting during a call, answering it holds the
 * first, switching lines holds the other, declining it leaves the first alone, a third caller is busy;
 * and the cross-call rules of lines.ts on their own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SipRegistrationDto } from '../../src/shared/api.js';
import { FakeSoftphone, type FakeAction } from '../../src/phone/adapters/fake-adapter.js';
import { nextFocus, outboundBlocked, ringKind } from '../../src/phone/lines.js';

const reg: SipRegistrationDto = {
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
};

const phones: FakeSoftphone[] = [];
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.destroy()));
});

/** A registered fake phone in a connected outbound call to +13125550100. */
async function inACall(): Promise<{ p: FakeSoftphone; first: string }> {
  const p = new FakeSoftphone({ qualityIntervalMs: 0 });
  phones.push(p);
  await p.register(reg);
  const first = p.call({ destination: '+13125550100', callerId: '+13125550199' }).id;
  p.remote.answer(first);
  return { p, first };
}

const after = (p: FakeSoftphone, n: number): FakeAction[] => p.actions.slice(n);
const stateOf = (p: FakeSoftphone, id: string): string | undefined => p.calls.find((c) => c.id === id)?.state;

describe('second line (fake softphone)', () => {
  it('a call waiting rings beside the call; answering it holds the first, then switching holds the other', async () => {
    const { p, first } = await inACall();
    const incoming: string[] = [];
    p.on('incomingCall', (c) => incoming.push(c.remoteNumber));
    const second = p.remote.call('+14155550123', { name: 'Bob' })!;
    expect(incoming).toEqual(['+14155550123']);
    // The agent is still talking to the first caller: the focus and the line stay on that call.
    expect(p.currentCall?.id).toBe(first);
    expect(p.lineState).toBe('active');
    expect(p.calls.map((c) => [c.id, c.state])).toEqual([
      [first, 'active'],
      [second, 'ringing'],
    ]);

    const n = p.actions.length;
    await p.answer(second);
    // Hold went out before the answer: the agent never talks to both at once.
    expect(after(p, n)).toEqual([
      { type: 'hold', callId: first, hold: true },
      { type: 'answer', callId: second },
    ]);
    expect(stateOf(p, first)).toBe('held');
    expect(stateOf(p, second)).toBe('active');
    expect(p.currentCall?.id).toBe(second);

    const m = p.actions.length;
    await p.unhold(first);
    expect(after(p, m)).toEqual([
      { type: 'hold', callId: second, hold: true },
      { type: 'hold', callId: first, hold: false },
    ]);
    expect(stateOf(p, first)).toBe('active');
    expect(stateOf(p, second)).toBe('held');
    expect(p.currentCall?.id).toBe(first);

    // The first call ends: the held one is the call in focus (still on hold until the agent resumes it).
    p.hangup(first);
    expect(p.currentCall?.id).toBe(second);
    expect(p.lineState).toBe('held');
    p.hangup(second);
    expect(p.calls).toEqual([]);
    expect(p.lineState).toBe('ready');
  });

  it('declining the waiting call leaves the first call untouched', async () => {
    const { p, first } = await inACall();
    const n = p.actions.length;
    const second = p.remote.call('+14155550123')!;
    p.decline(second);
    expect(after(p, n)).toEqual([{ type: 'decline', callId: second }]);
    expect(p.calls.map((c) => [c.id, c.state])).toEqual([[first, 'active']]);
    expect(p.currentCall?.id).toBe(first);
  });

  it('a third caller finds both lines busy; a new call needs the others on hold', async () => {
    const { p, first } = await inACall();
    expect(() => p.call({ destination: '+13125550101', callerId: '+13125550199' })).toThrow(
      expect.objectContaining({ code: 'PHONE_BUSY_LINE', message: expect.stringMatching(/on hold/) }),
    );
    await p.hold(first);
    const consult = p.call({ destination: '+13125550101', callerId: '+13125550199' });
    expect(consult.state).toBe('dialing');
    expect(p.currentCall?.id).toBe(consult.id);
    expect(p.remote.call('+14155550123')).toBeNull();
    expect(p.actions.at(-1)).toEqual({ type: 'busy', from: '+14155550123' });
    expect(() => p.call({ destination: '+13125550102', callerId: '+13125550199' })).toThrow(
      /Two calls are already up/,
    );
  });
});

describe('attended transfer (fake softphone)', () => {
  it('consult beside the held call, then complete: REFER with Replaces, both legs end transferred to each other', async () => {
    const { p, first } = await inACall();
    await p.hold(first);
    const consult = p.call({ destination: '+13125550144', callerId: '+13125550199' });
    p.remote.answer(consult.id);
    const firstCall = p.calls.find((c) => c.id === first)!;
    const n = p.actions.length;
    await p.completeTransfer(first, consult.id);
    expect(after(p, n)).toEqual([
      { type: 'transfer', callId: first, target: '+13125550144', replaces: consult.id },
      { type: 'bye', callId: first },
      { type: 'bye', callId: consult.id },
    ]);
    expect(p.calls).toEqual([]);
    expect(consult.end).toMatchObject({ transferredTo: '+13125550100', by: 'local', cause: 'normal' });
    expect(firstCall.end).toMatchObject({ transferredTo: '+13125550144', by: 'local', cause: 'normal' });
  });

  it('a refusal keeps both calls as they were; a call not yet connected cannot be joined', async () => {
    const p = new FakeSoftphone({
      qualityIntervalMs: 0,
      transfer: { fail: 'The other side refused the transfer (403 Forbidden).' },
    });
    phones.push(p);
    await p.register(reg);
    const first = p.call({ destination: '+13125550100', callerId: '+13125550199' }).id;
    p.remote.answer(first);
    await p.hold(first);
    const consult = p.call({ destination: '+13125550144', callerId: '+13125550199' });
    await expect(p.completeTransfer(first, consult.id)).rejects.toMatchObject({
      code: 'PHONE_TRANSFER_FAILED',
      message: 'Both calls must be connected to put one through to the other.',
    });
    p.remote.answer(consult.id);
    await expect(p.completeTransfer(first, consult.id)).rejects.toMatchObject({
      code: 'PHONE_TRANSFER_FAILED',
      message: 'The other side refused the transfer (403 Forbidden).',
    });
    expect(p.calls.map((c) => c.state)).toEqual(['held', 'active']);
  });
});

describe('lines.ts', () => {
  const c = (
    id: string,
    direction: 'inbound' | 'outbound',
    state: 'ringing' | 'active' | 'held' | 'dialing',
  ) => ({
    id,
    direction,
    state,
  });
  it('rings in full when idle, the waiting tone during a call, nothing for outbound ringing', () => {
    expect(ringKind([c('a', 'inbound', 'ringing')])).toBe('ring');
    expect(ringKind([c('a', 'outbound', 'active'), c('b', 'inbound', 'ringing')])).toBe('waiting');
    expect(ringKind([c('a', 'outbound', 'held'), c('b', 'inbound', 'ringing')])).toBe('waiting');
    expect(ringKind([c('a', 'outbound', 'ringing')])).toBeNull();
    expect(ringKind([])).toBeNull();
  });
  it('focus goes to the connected call, else a held one, else what is left', () => {
    expect(nextFocus([c('a', 'inbound', 'ringing'), c('b', 'outbound', 'held')])?.id).toBe('b');
    expect(nextFocus([c('a', 'outbound', 'held'), c('b', 'outbound', 'active')])?.id).toBe('b');
    expect(nextFocus([c('a', 'inbound', 'ringing')])?.id).toBe('a');
    expect(nextFocus([])).toBeNull();
  });
  it('an outbound call may start only beside held calls, and not as a third', () => {
    expect(outboundBlocked([])).toBeNull();
    expect(outboundBlocked([c('a', 'outbound', 'held')])).toBeNull();
    expect(outboundBlocked([c('a', 'outbound', 'dialing')])).toMatch(/hold/);
    expect(outboundBlocked([c('a', 'outbound', 'held'), c('b', 'inbound', 'held')])).toMatch(/Two calls/);
  });
});
