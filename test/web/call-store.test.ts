/**
 * useCallStore with the fake softphone (src/phone's fake adapter) held by the phone store, and a
 * scripted fetch: what the page does with a call and what it writes to the server, in Node. The real
 * adapters and the real server are covered by test/e2e/calling.e2e.test.ts.
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSoftphone } from '../../src/phone/adapters/fake-adapter.js';
import { HEARTBEAT_MS } from '../../src/web/services/call-record-sync.js';
import { useCallStore } from '../../src/web/stores/call.js';
import { usePhoneStore } from '../../src/web/stores/phone.js';
import { aNumber, aSipRegistration } from './factories.js';
import { apiError, installFakeFetch, json, type RecordedRequest } from './fake-fetch.js';

const REG = aSipRegistration();
const CALLER = aNumber('+13125550100', 'primary', { phoneNumberId: 'num-1' });

let phone: FakeSoftphone;
let requests: RecordedRequest[];

function writes(): { method: string; path: string; body: unknown }[] {
  return requests.map((r) => ({ method: r.method, path: r.path, body: r.body }));
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}

beforeEach(async () => {
  setActivePinia(createPinia());
  ({ requests } = installFakeFetch({
    'POST /api/calls': (req) =>
      json(201, { id: (req.body as { direction: string }).direction === 'inbound' ? 'rec-in' : 'rec-1' }),
    'PATCH /api/calls/rec-1': () => json(200, {}),
    'PATCH /api/calls/rec-in': () => json(200, {}),
    'POST /api/calls/rec-1/heartbeat': () => json(200, { id: 'rec-1', lastSeenAt: new Date().toISOString() }),
  }));
  phone = new FakeSoftphone({ qualityIntervalMs: 0 });
  await phone.register(REG);
  usePhoneStore().attach(phone);
});

afterEach(async () => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  await phone.destroy();
});

describe('useCallStore', () => {
  it('opens the record before the INVITE, marks it answered, closes it with outcome and quality', async () => {
    const calls = useCallStore();
    const dialing = calls.dial('+16175550150', CALLER);
    // The panel shows the call at once, before the server has answered.
    expect(calls.current).toMatchObject({ state: 'dialing', remoteNumber: '+16175550150' });
    expect(phone.actions.filter((a) => a.type === 'invite')).toEqual([]);
    await dialing;
    expect(writes()[0]).toEqual({
      method: 'POST',
      path: '/api/calls',
      body: {
        connectionId: 'conn-1',
        direction: 'outbound',
        remoteNumber: '+16175550150',
        callerNumber: '+13125550100',
        phoneNumberId: 'num-1',
      },
    });
    expect(phone.actions.filter((a) => a.type === 'invite')).toMatchObject([
      { destination: '+16175550150', callerId: '+13125550100' },
    ]);
    expect(calls.current).toMatchObject({ state: 'dialing', recordId: 'rec-1' });
    // The INVITE leaves: its Call-ID and time go to the record (the server's default was the request time).
    await settle();
    expect(writes()[1]).toEqual({
      method: 'PATCH',
      path: '/api/calls/rec-1',
      body: { sipCallId: expect.stringMatching(/^fake-/), inviteAt: expect.any(String) },
    });

    phone.remote.ringing();
    await settle();
    expect(writes()[2]).toEqual({
      method: 'PATCH',
      path: '/api/calls/rec-1',
      body: { progressAt: expect.any(String) },
    });
    phone.remote.answer();
    await settle();
    expect(calls.current?.state).toBe('active');
    expect(writes()[3]).toMatchObject({
      method: 'PATCH',
      path: '/api/calls/rec-1',
      body: { answeredAt: expect.any(String) },
    });

    calls.sendDtmf('5');
    expect(calls.current?.dtmfSent).toBe('5');
    phone.remote.hangup();
    expect(calls.current).toMatchObject({ state: 'ended', endText: 'Call ended by the other party' });
    await vi.waitFor(() => expect(writes()).toHaveLength(5));
    expect(writes()[4]).toMatchObject({
      method: 'PATCH',
      path: '/api/calls/rec-1',
      body: {
        outcome: 'answered',
        endedAt: expect.any(String),
        endedBy: 'remote',
        hangupCause: 'Call ended by the other party',
        sipCode: 200,
        quality: { mos: expect.any(Number), jitterMs: expect.any(Number), packetLossPct: 0, rttMs: 20 },
      },
    });
    calls.dismiss();
    expect(calls.current).toBeNull();
  });

  it('transfers the call: the record closes as answered with "Transferred to …" as its cause', async () => {
    const calls = useCallStore();
    expect(calls.transferUnavailable).toBeNull();
    await calls.dial('+16175550150', CALLER);
    phone.remote.answer();
    await settle();
    const transferring = calls.transfer('+13125550177');
    expect(calls.transferring).toBe(true);
    await transferring;
    expect(calls.transferring).toBe(false);
    expect(calls.current).toMatchObject({ state: 'ended', endText: 'Transferred to +13125550177' });
    await vi.waitFor(() =>
      expect(writes().at(-1)).toMatchObject({
        method: 'PATCH',
        path: '/api/calls/rec-1',
        body: { outcome: 'answered', endedBy: 'local', hangupCause: 'Transferred to +13125550177' },
      }),
    );
  });

  it('Hold while reconnecting: the shown call says it comes back on hold, Hold again (Resume) takes it back', async () => {
    const calls = useCallStore();
    await calls.dial('+16175550150', CALLER);
    phone.remote.answer();
    await settle();
    phone.remote.pathLost();
    expect(calls.holdsWhileReconnecting).toBe(true);
    expect(calls.current).toMatchObject({ state: 'reconnecting', heldWhenBack: false });
    await calls.toggleHold();
    expect(calls.current).toMatchObject({ state: 'reconnecting', heldWhenBack: true });
    await calls.toggleHold();
    expect(calls.current).toMatchObject({ state: 'reconnecting', heldWhenBack: false });
    await calls.toggleHold();
    phone.remote.recover();
    await settle();
    expect(calls.current).toMatchObject({ state: 'held', heldWhenBack: false });
  });

  it('a refused transfer keeps the call and hands the page the reason', async () => {
    await phone.destroy();
    phone = new FakeSoftphone({
      qualityIntervalMs: 0,
      transfer: { fail: 'The other side refused the transfer (403 Forbidden); the call is still yours.' },
    });
    await phone.register(REG);
    usePhoneStore().attach(phone);
    const calls = useCallStore();
    await calls.dial('+16175550150', CALLER);
    phone.remote.answer();
    await settle();
    await expect(calls.transfer('+13125550177')).rejects.toThrow(/refused the transfer \(403 Forbidden\)/);
    expect(calls.transferring).toBe(false);
    expect(calls.current?.state).toBe('active');
  });

  it('refuses a caller ID the server does not accept: the server’s words, no INVITE', async () => {
    installFakeFetch({
      'POST /api/calls': () =>
        apiError(422, 'CALLER_ID_NOT_ASSIGNED', '+13125550100 is not assigned to this connection.'),
    });
    const calls = useCallStore();
    await expect(calls.dial('+16175550150', CALLER)).rejects.toThrow(
      '+13125550100 is not assigned to this connection.',
    );
    expect(phone.actions.filter((a) => a.type === 'invite')).toEqual([]);
    expect(calls.current).toBeNull();
  });

  it('hang-up pressed while the record is still opening: no INVITE, the record closed as cancelled', async () => {
    let created!: (r: Response) => void;
    ({ requests } = installFakeFetch({
      'POST /api/calls': () => new Promise<Response>((resolve) => (created = resolve)),
      'PATCH /api/calls/rec-1': () => json(200, {}),
    }));
    const calls = useCallStore();
    const dialing = calls.dial('+16175550150', CALLER);
    expect(calls.current?.state).toBe('dialing');
    await calls.hangup();
    created(json(201, { id: 'rec-1' }));
    await dialing;
    expect(phone.actions.filter((a) => a.type === 'invite')).toEqual([]);
    expect(calls.current).toBeNull();
    expect(calls.placing).toBe(false);
    expect(writes().at(-1)).toEqual({
      method: 'PATCH',
      path: '/api/calls/rec-1',
      body: { outcome: 'cancelled', endedAt: expect.any(String), hangupCause: 'Cancelled' },
    });
  });

  it('an INVITE that throws: the page gets the phone’s words, the record is closed as failed, Call works again', async () => {
    const calls = useCallStore();
    const call = vi.spyOn(phone, 'call').mockImplementationOnce(() => {
      throw new Error('The microphone is in use by another application.');
    });
    await expect(calls.dial('+16175550150', CALLER)).rejects.toThrow(
      'The microphone is in use by another application.',
    );
    expect(calls.current).toBeNull();
    expect(calls.placing).toBe(false);
    expect(writes().at(-1)).toEqual({
      method: 'PATCH',
      path: '/api/calls/rec-1',
      body: {
        outcome: 'failed',
        endedAt: expect.any(String),
        hangupCause: 'The microphone is in use by another application.',
      },
    });
    // Nothing is left half-placed: the next press dials.
    call.mockRestore();
    await calls.dial('+16175550150', CALLER);
    expect(phone.actions.filter((a) => a.type === 'invite')).toHaveLength(1);
  });

  it('keeps the record alive with a heartbeat every 15 s', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const calls = useCallStore();
    await calls.dial('+16175550150', CALLER);
    phone.remote.answer();
    vi.advanceTimersByTime(HEARTBEAT_MS * 2 + 100);
    await settle();
    expect(writes().filter((w) => w.path === '/api/calls/rec-1/heartbeat')).toHaveLength(2);
    await calls.hangup();
    vi.advanceTimersByTime(HEARTBEAT_MS * 2);
    await settle();
    expect(writes().filter((w) => w.path === '/api/calls/rec-1/heartbeat')).toHaveLength(2);
  });

  it('records an inbound call when it rings, and a decline as rejected', async () => {
    const calls = useCallStore();
    phone.remote.call('+13125550199', { to: '+16175550150' });
    expect(calls.incoming).toBe(true);
    await settle();
    expect(writes()[0]).toEqual({
      method: 'POST',
      path: '/api/calls',
      body: {
        connectionId: 'conn-1',
        direction: 'inbound',
        remoteNumber: '+13125550199',
        callerNumber: '+16175550150',
        sipCallId: expect.stringMatching(/^fake-/),
        inviteAt: expect.any(String),
        callerVerification: null,
      },
    });
    await calls.decline();
    expect(calls.incoming).toBe(false);
    await vi.waitFor(() => expect(writes()).toHaveLength(2));
    expect(writes()[1]).toMatchObject({
      method: 'PATCH',
      path: '/api/calls/rec-in',
      body: { outcome: 'rejected', sipCode: 603, endedBy: 'local', quality: null },
    });
  });
});
