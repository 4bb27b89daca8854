/**
 * The call store's approvals (services/call-approvals.ts): the caller ID is approved when chosen, so the
 * INVITE leaves on Call without waiting for the record; nothing is sent without an approval before the
 * record opens; a refused record hangs up; an approval is used once, never for another caller ID, and
 * not when it is about to expire. Fake softphone, scripted fetch.
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSoftphone } from '../../src/phone/adapters/fake-adapter.js';
import { APPROVAL_MARGIN_MS, CallApprovals } from '../../src/web/services/call-approvals.js';
import { useCallStore } from '../../src/web/stores/call.js';
import { usePhoneStore } from '../../src/web/stores/phone.js';
import { aNumber, aSipRegistration } from './factories.js';
import { apiError, installFakeFetch, json, type RecordedRequest } from './fake-fetch.js';

const REG = aSipRegistration();
const CALLER = aNumber('+13125550100', 'primary', { phoneNumberId: 'num-1' });
const OTHER = aNumber('+13125550101', 'secondary', { phoneNumberId: 'num-2' });

let phone: FakeSoftphone;
let requests: RecordedRequest[];
let approvalsGiven = 0;
let recordOpened: ((r: Response) => void) | null;

const invites = () => phone.actions.filter((a) => a.type === 'invite');
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
};
const approvalAnswer = (body: { connectionId: string; phoneNumberId: string; callerNumber: string }) =>
  json(201, {
    approval: `approval-${++approvalsGiven}-${body.phoneNumberId}`,
    connectionId: body.connectionId,
    phoneNumberId: body.phoneNumberId,
    callerNumber: body.callerNumber,
    expiresAt: new Date(Date.now() + 120_000).toISOString(),
  });

beforeEach(async () => {
  setActivePinia(createPinia());
  approvalsGiven = 0;
  recordOpened = null;
  ({ requests } = installFakeFetch({
    'POST /api/calls/approvals': (req) => approvalAnswer(req.body as never),
    // The record's answer is held until the test releases it.
    'POST /api/calls': () => new Promise<Response>((resolve) => (recordOpened = resolve)),
    'PATCH /api/calls/rec-1': () => json(200, {}),
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

describe('call approvals in the call store', () => {
  it('with the caller ID approved ahead, the INVITE leaves at once and the record opens alongside with the approval', async () => {
    const calls = useCallStore();
    calls.prepareCall(CALLER);
    await settle();
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/calls/approvals']);
    expect(requests[0]!.body).toEqual({
      connectionId: 'conn-1',
      phoneNumberId: 'num-1',
      callerNumber: '+13125550100',
    });

    const dialing = calls.dial('+16175550150', CALLER);
    // Sent before the record has answered; the record's request (and the panel) wait until it is out,
    // so nothing else runs in the INVITE's way.
    expect(invites()).toMatchObject([{ destination: '+16175550150', callerId: '+13125550100' }]);
    expect(requests.filter((r) => r.method === 'POST' && r.path === '/api/calls')).toEqual([]);
    await settle();
    const opened = requests.find((r) => r.method === 'POST' && r.path === '/api/calls');
    expect(opened?.body).toMatchObject({ callerNumber: '+13125550100', approval: 'approval-1-num-1' });
    recordOpened!(json(201, { id: 'rec-1' }));
    await dialing;
    expect(calls.current).toMatchObject({ state: 'dialing', recordId: 'rec-1' });
    // The next call's approval is asked for once this one is on its way: each approval places one call.
    expect(requests.filter((r) => r.path === '/api/calls/approvals')).toHaveLength(2);
  });

  it('without an approval (none yet, or for another caller ID) nothing is sent until the record opens', async () => {
    const calls = useCallStore();
    calls.prepareCall(OTHER);
    await settle();
    const dialing = calls.dial('+16175550150', CALLER);
    await settle();
    expect(invites()).toEqual([]);
    const opened = requests.find((r) => r.method === 'POST' && r.path === '/api/calls');
    expect(opened?.body).not.toHaveProperty('approval');
    recordOpened!(json(201, { id: 'rec-1' }));
    await dialing;
    expect(invites()).toHaveLength(1);
  });

  it('emergency numbers never go on an approval: the server decides them per call, before the INVITE', async () => {
    const calls = useCallStore();
    calls.prepareCall(CALLER);
    await settle();
    const dialing = calls.dial('911', CALLER, { emergency: true });
    await settle();
    expect(invites()).toEqual([]);
    recordOpened!(json(201, { id: 'rec-1' }));
    await dialing;
    expect(invites()).toHaveLength(1);
  });

  it('a record the server refuses hangs the call up and hands the page the server’s words', async () => {
    const calls = useCallStore();
    calls.prepareCall(CALLER);
    await settle();
    const dialing = calls.dial('+16175550150', CALLER);
    expect(invites()).toHaveLength(1);
    await settle(); // the record's request goes once the INVITE is out
    recordOpened!(
      apiError(422, 'CALLER_ID_NOT_ASSIGNED', '+13125550100 is no longer assigned to this connection.'),
    );
    await expect(dialing).rejects.toThrow('+13125550100 is no longer assigned to this connection.');
    expect(phone.actions.some((a) => a.type === 'cancel')).toBe(true);
    expect(calls.current?.state).toBe('ended');
    expect(calls.placing).toBe(false);
  });
});

describe('CallApprovals', () => {
  const caller = { phoneNumberId: 'num-1', number: '+13125550100' };

  it('uses an approval once, and not when it is within the margin of its expiry', async () => {
    let now = 1_000_000;
    const ask = vi.fn((body: { phoneNumberId: string }) =>
      Promise.resolve({
        approval: `a-${ask.mock.calls.length}`,
        connectionId: 'conn-1',
        phoneNumberId: body.phoneNumberId,
        callerNumber: '+13125550100',
        expiresAt: new Date(now + 120_000).toISOString(),
      }),
    );
    const approvals = new CallApprovals(ask, () => now);
    approvals.prepare('conn-1', caller);
    approvals.prepare('conn-1', caller); // already asked: not again
    expect(ask).toHaveBeenCalledTimes(1);
    await settle();
    expect(approvals.take('conn-2', caller)).toBeNull(); // another connection
    expect(approvals.take('conn-1', { ...caller, phoneNumberId: 'num-2' })).toBeNull(); // another number
    expect(approvals.take('conn-1', caller)).toBe('a-1');
    expect(approvals.take('conn-1', caller)).toBeNull(); // used
    approvals.prepare('conn-1', caller); // the call store asks for the next once the call is on its way
    await settle();
    expect(approvals.take('conn-1', caller)).toBe('a-2');
    approvals.prepare('conn-1', caller);
    await settle();
    now += 120_000 - APPROVAL_MARGIN_MS + 1; // too close to its expiry to open a record with
    expect(approvals.take('conn-1', caller)).toBeNull();
    approvals.clear();
    await settle();
    expect(approvals.take('conn-1', caller)).toBeNull();
  });
});
