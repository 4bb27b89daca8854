/**
 * useCallStore with two calls (the fake softphone, a scripted fetch): a call waiting during a call,
 * answered, switched between, both recorded; declined, the first call untouched. The real page with real
 * peers: test/e2e/calling-incoming.e2e.test.ts.
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSoftphone } from '../../src/phone/adapters/fake-adapter.js';
import { useCallStore } from '../../src/web/stores/call.js';
import { usePhoneStore } from '../../src/web/stores/phone.js';
import { aNumber, aSipRegistration } from './factories.js';
import { installFakeFetch, json, type RecordedRequest } from './fake-fetch.js';

const CALLER = aNumber('+13125550100', 'primary', { phoneNumberId: 'num-1' });

let phone: FakeSoftphone;
let requests: RecordedRequest[];

/** The final write of each record: outcome and cause by record id. */
function closed(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of requests) {
    const body = r.body as { outcome?: string; hangupCause?: string } | undefined;
    if (r.method === 'PATCH' && body?.outcome) out[r.path.split('/').pop()!] = body.outcome;
  }
  return out;
}

beforeEach(async () => {
  setActivePinia(createPinia());
  let n = 0;
  ({ requests } = installFakeFetch({
    'POST /api/calls': () => json(201, { id: `rec-${++n}` }),
    'PATCH /api/calls/rec-1': () => json(200, {}),
    'PATCH /api/calls/rec-2': () => json(200, {}),
  }));
  phone = new FakeSoftphone({ qualityIntervalMs: 0 });
  await phone.register(aSipRegistration());
  usePhoneStore().attach(phone);
});

afterEach(async () => {
  vi.unstubAllGlobals();
  await phone.destroy();
});

async function inACall(): Promise<ReturnType<typeof useCallStore>> {
  const calls = useCallStore();
  await calls.dial('+16175550150', CALLER);
  phone.remote.answer();
  expect(calls.current).toMatchObject({ state: 'active', remoteNumber: '+16175550150' });
  return calls;
}

describe('useCallStore, second line', () => {
  it('a call waiting: the dialog over the call, answered it is shown and the first held; switch back; both recorded', async () => {
    const calls = await inACall();
    const first = calls.current!.id;
    phone.remote.call('+13125550199', { name: 'Bob' });
    // The panel keeps the call in progress; the dialog shows the caller as a call waiting.
    expect(calls.current?.id).toBe(first);
    expect(calls.ringing).toMatchObject({ remoteNumber: '+13125550199', remoteName: 'Bob' });
    expect(calls.incoming).toBe(true);
    expect(calls.waiting).toBe(true);
    expect(calls.others).toEqual([]);

    await calls.answer();
    expect(calls.current).toMatchObject({ remoteNumber: '+13125550199', state: 'active' });
    expect(calls.others.map((c) => [c.remoteNumber, c.state])).toEqual([['+16175550150', 'held']]);
    expect(calls.incoming).toBe(false);

    await calls.switchTo(first);
    expect(calls.current).toMatchObject({ id: first, state: 'active' });
    expect(calls.others.map((c) => [c.remoteNumber, c.state])).toEqual([['+13125550199', 'held']]);

    // Hanging up the shown call shows the held one, still on hold until the agent resumes it.
    await calls.hangup();
    expect(calls.current).toMatchObject({ remoteNumber: '+13125550199', state: 'held' });
    expect(calls.live).toBe(true);
    await calls.toggleHold();
    expect(calls.current?.state).toBe('active');
    await calls.hangup();
    expect(calls.live).toBe(false);
    await vi.waitFor(() => expect(closed()).toEqual({ 'rec-1': 'answered', 'rec-2': 'answered' }), {
      timeout: 4000,
    });
  });

  it('declining the call waiting leaves the call in progress as it was', async () => {
    const calls = await inACall();
    const first = calls.current!.id;
    phone.remote.call('+13125550199');
    const holds = phone.actions.filter((a) => a.type === 'hold').length;
    await calls.decline();
    expect(calls.incoming).toBe(false);
    expect(calls.current).toMatchObject({ id: first, state: 'active' });
    expect(calls.others).toEqual([]);
    expect(phone.actions.filter((a) => a.type === 'hold')).toHaveLength(holds);
    await vi.waitFor(() => expect(closed()).toEqual({ 'rec-2': 'rejected' }));
  });
});

describe('useCallStore, attended transfer', () => {
  it('consult: the call is held, the consult call shown; complete: both records closed as transferred', async () => {
    const calls = await inACall();
    const first = calls.current!.id;
    await calls.consult('+13125550144', CALLER);
    expect(calls.current).toMatchObject({ remoteNumber: '+13125550144', state: 'dialing' });
    expect(calls.others.map((c) => [c.id, c.state])).toEqual([[first, 'held']]);
    expect(calls.transferPair).toBeNull(); // the consult call is not connected yet
    phone.remote.answer();
    expect(calls.transferPair).toEqual({ callId: first, consultId: calls.current!.id });
    // Switching back and forth does not change who is put through to whom.
    await calls.switchTo(first);
    expect(calls.transferPair?.callId).toBe(first);

    await calls.completeTransfer();
    expect(phone.actions.find((a) => a.type === 'transfer')).toMatchObject({
      callId: first,
      target: '+13125550144',
    });
    expect(calls.live).toBe(false);
    const causes = (): Record<string, unknown> =>
      Object.fromEntries(
        requests
          .filter((r) => r.method === 'PATCH' && (r.body as { outcome?: string }).outcome)
          .map((r) => [r.path.split('/').pop(), (r.body as { hangupCause: string }).hangupCause]),
      );
    await vi.waitFor(
      () =>
        expect(causes()).toEqual({
          'rec-1': 'Transferred to +13125550144',
          'rec-2': 'Transferred to +16175550150',
        }),
      { timeout: 4000 },
    );
  });
});
