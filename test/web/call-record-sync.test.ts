/**
 * CallRecordSync with calls of the fake softphone and a scripted fetch: what reaches the server, in
 * which order, and what the call store is told. The store's own view of it is in call-store.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSoftphone } from '../../src/phone/adapters/fake-adapter.js';
import {
  CallRecordSync,
  FINAL_QUALITY_WAIT_MS,
  type CallRecordSyncEvents,
} from '../../src/web/services/call-record-sync.js';
import { aSipRegistration } from './factories.js';
import { apiError, installFakeFetch, json, type RecordedRequest } from './fake-fetch.js';

const REG = aSipRegistration();
const QUALITY = {
  mos: 4.1,
  jitterMs: 3,
  packetLossPct: 0.5,
  rttMs: 40,
  bytesSent: 9000,
  bytesReceived: 9000,
};

let phone: FakeSoftphone;
let requests: RecordedRequest[];
let told: {
  opened: [string, string | null][];
  failed: [string, string][];
  /** Each closed call with the number of PATCHes sent by then. */
  closed: [string, number][];
};
let sync: CallRecordSync;

function patches(): unknown[] {
  return requests.filter((r) => r.method === 'PATCH').map((r) => r.body);
}

beforeEach(async () => {
  ({ requests } = installFakeFetch({
    'POST /api/calls': () => json(201, { id: 'rec-in' }),
    'PATCH /api/calls/rec-1': () => json(200, {}),
    'PATCH /api/calls/rec-in': () => json(200, {}),
  }));
  told = { opened: [], failed: [], closed: [] };
  const events: CallRecordSyncEvents = {
    recordOpened: (callId, id) => told.opened.push([callId, id]),
    recordFailed: (callId, message) => told.failed.push([callId, message]),
    recordClosed: (callId) => told.closed.push([callId, patches().length]),
  };
  sync = new CallRecordSync(events);
  phone = new FakeSoftphone({ qualityIntervalMs: 0 });
  await phone.register(REG);
});

afterEach(async () => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  await phone.destroy();
});

describe('CallRecordSync', () => {
  it('holds a write until the record exists, then sends the writes in order', async () => {
    const call = phone.call({ destination: '+16175550150', callerId: '+13125550100' });
    phone.remote.answer();
    sync.stateChanged(call); // answered before the record id is known
    await new Promise((r) => setTimeout(r, 0));
    expect(patches()).toEqual([]);

    sync.follow(call, 'rec-1');
    expect(told.opened).toEqual([[call.id, 'rec-1']]);
    phone.remote.hangup();
    sync.stateChanged(call);
    sync.quality(call.id, QUALITY);
    await vi.waitFor(() => expect(patches()).toHaveLength(2));
    expect(patches()[0]).toEqual({ answeredAt: call.answeredAt?.toISOString() });
    expect(patches()[1]).toMatchObject({
      outcome: 'answered',
      hangupCause: 'Call ended by the other party',
      quality: { mos: 4.1, jitterMs: 3, packetLossPct: 0.5, rttMs: 40 },
    });
    // Told once, after the final write has gone (an open History page reloads on it).
    await vi.waitFor(() => expect(told.closed).toEqual([[call.id, 2]]));
  });

  it('notes each network interruption: when it began, then how long the call took to recover', async () => {
    const call = phone.call({ destination: '+16175550150', callerId: '+13125550100' });
    sync.follow(call, 'rec-1');
    phone.remote.answer();
    sync.stateChanged(call);
    phone.remote.pathLost();
    sync.stateChanged(call);
    await new Promise((r) => setTimeout(r, 20));
    phone.remote.recover();
    sync.stateChanged(call);
    sync.stateChanged(call); // a repeat sends nothing new
    await vi.waitFor(() => expect(patches()).toHaveLength(3));
    expect(patches()[1]).toMatchObject({
      interruptions: 1,
      interruptedAt: call.interruptedAt!.toISOString(),
      recoveredAfterMs: null,
    });
    expect(patches()[2]).toMatchObject({ recoveredAfterMs: call.recoveredAfterMs });
    expect(patches()[2]).not.toHaveProperty('interruptions');
    expect(call.recoveredAfterMs!).toBeGreaterThanOrEqual(15);
    // Lost again and never back before the hang-up: the final write says so (no recovery time).
    phone.remote.pathLost();
    phone.hangup();
    sync.stateChanged(call);
    sync.quality(call.id, QUALITY);
    await vi.waitFor(() => expect(patches()).toHaveLength(4));
    expect(patches()[3]).toMatchObject({
      outcome: 'answered',
      interruptions: 2,
      interruptedAt: call.interruptedAt!.toISOString(),
      recoveredAfterMs: null,
    });
  });

  it('uses the latest sample when the last one does not come in time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const call = phone.call({ destination: '+16175550150', callerId: '+13125550100' });
    sync.follow(call, 'rec-1');
    phone.remote.answer();
    sync.stateChanged(call);
    sync.quality(call.id, { ...QUALITY, mos: 3.2 });
    phone.remote.hangup();
    sync.stateChanged(call);
    await vi.advanceTimersByTimeAsync(FINAL_QUALITY_WAIT_MS - 10);
    expect(patches()).toHaveLength(1); // only answeredAt so far
    await vi.advanceTimersByTimeAsync(20);
    expect(patches()[1]).toMatchObject({ outcome: 'answered', quality: { mos: 3.2 } });
  });

  it('opens an inbound record with our called number only when it is E.164', async () => {
    phone.remote.call('+13125550199', { to: 'alice' });
    sync.followInbound(phone.currentCall!, 'conn-1');
    await vi.waitFor(() => expect(told.opened).toEqual([[phone.currentCall!.id, 'rec-in']]));
    expect(requests[0]?.body).toEqual({
      connectionId: 'conn-1',
      direction: 'inbound',
      remoteNumber: '+13125550199',
      callerNumber: null,
      sipCallId: phone.currentCall!.sipCallId,
      inviteAt: phone.currentCall!.inviteAt!.toISOString(),
      callerVerification: null,
    });
  });

  it('opens an inbound record with the Call-ID, INVITE time and STIR/SHAKEN verdict', async () => {
    phone.remote.call('+13125550199', { to: '+16175550150', verification: 'failed' });
    const call = phone.currentCall!;
    sync.followInbound(call, 'conn-1');
    await vi.waitFor(() => expect(told.opened).toEqual([[call.id, 'rec-in']]));
    expect(requests[0]?.body).toMatchObject({
      sipCallId: expect.stringMatching(/^fake-/),
      inviteAt: expect.any(String),
      callerVerification: 'failed',
    });
  });

  it('skips the writes of a record that could not be created, and says why once', async () => {
    installFakeFetch({ 'POST /api/calls': () => apiError(503, 'INTERNAL', 'Database unavailable') });
    phone.remote.call('+13125550199');
    const call = phone.currentCall!;
    sync.followInbound(call, 'conn-1');
    await vi.waitFor(() => expect(told.failed).toEqual([[call.id, 'Database unavailable']]));
    expect(told.opened).toEqual([[call.id, null]]);
    phone.decline();
    sync.stateChanged(call);
    await new Promise((r) => setTimeout(r, 10));
    expect(patches()).toEqual([]);
  });

  it('writes nothing for an inbound call on a phone that has no connection', async () => {
    phone.remote.call('+13125550199');
    sync.followInbound(phone.currentCall!, null);
    phone.decline();
    sync.stateChanged(phone.currentCall!);
    await new Promise((r) => setTimeout(r, 10));
    expect(requests).toEqual([]);
  });

  it('closes a record whose INVITE never went out, with a short cause', async () => {
    await sync.closeUnplaced('rec-1', 'failed', `The caller ID is wrong: ${'x'.repeat(300)}`);
    expect(patches()).toEqual([
      { outcome: 'failed', endedAt: expect.any(String), hangupCause: expect.stringMatching(/^.{200}$/) },
    ]);
  });
});
