/**
 * useFailoverStore with the fake softphone and a scripted fetch, in Node: a call the trunk refuses (503)
 * offers the next healthy connection with a caller ID; the retry goes out on that connection with its
 * own number and a record linked to the failed one; a busy callee offers nothing. The real page against
 * real SIP peers: test/e2e/failover.e2e.test.ts.
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSoftphone } from '../../src/phone/adapters/fake-adapter.js';
import type { HealthStatus } from '../../src/shared/domain.js';
import { useCallStore } from '../../src/web/stores/call.js';
import { useConnectionsStore } from '../../src/web/stores/connections.js';
import { useFailoverStore } from '../../src/web/stores/failover.js';
import { usePhoneStore } from '../../src/web/stores/phone.js';
import { aConnection, aList, aNumber, aSipRegistration } from './factories.js';
import { installFakeFetch, json, type RecordedRequest } from './fake-fetch.js';

const health = (status: HealthStatus) => ({ status, checkedAt: null, latencyMs: null, message: null });
const CHICAGO_NUMBER = aNumber('+13125550100', 'primary', { phoneNumberId: 'num-chi' });
const BACKUP_NUMBER = aNumber('+13125550188', 'primary', { phoneNumberId: 'num-bak' });
const LIST = aList([
  aConnection('conn-1', { name: 'Chicago', numbers: [CHICAGO_NUMBER] }),
  aConnection('conn-2', {
    name: 'Down one',
    health: health('down'),
    numbers: [aNumber('+13125550200', 'primary')],
  }),
  aConnection('conn-3', {
    name: 'Backup',
    numbers: [aNumber('+13125550189', 'backup'), BACKUP_NUMBER],
  }),
]);

let requests: RecordedRequest[];
const phones: FakeSoftphone[] = [];

async function fakePhoneFor(connectionId: string): Promise<FakeSoftphone> {
  const p = new FakeSoftphone({ qualityIntervalMs: 0 });
  phones.push(p);
  await p.register(aSipRegistration({ connectionId }));
  usePhoneStore().attach(p);
  return p;
}

const callRecords = () => requests.filter((r) => r.method === 'POST' && r.path === '/api/calls');

beforeEach(async () => {
  setActivePinia(createPinia());
  let n = 0;
  ({ requests } = installFakeFetch({
    'GET /api/connections': () => json(200, LIST),
    'POST /api/calls': () => json(201, { id: `rec-${++n}` }),
    'PATCH /api/calls/rec-1': () => json(200, {}),
    'PATCH /api/calls/rec-2': () => json(200, {}),
  }));
  const connections = useConnectionsStore();
  await connections.load();
  connections.selectConnection('conn-1');
});

afterEach(async () => {
  vi.unstubAllGlobals();
  for (const p of phones.splice(0)) await p.destroy();
});

describe('useFailoverStore', () => {
  it('a 503 offers the next healthy connection with a caller ID; the retry uses its own number and links the records', async () => {
    const chicago = await fakePhoneFor('conn-1');
    const failover = useFailoverStore();
    const calls = useCallStore();
    await failover.dial('+16175550150', CHICAGO_NUMBER);
    chicago.remote.reject(503);
    await vi.waitFor(() => expect(failover.offer).not.toBeNull());
    expect(failover.offer).toMatchObject({
      failedRecordId: 'rec-1',
      failedConnectionName: 'Chicago',
      reason: 'a call was refused by the trunk (503)',
      destination: '+16175550150',
    });
    // Not the down one; the backup's own numbers in assignment order (primary first).
    expect(failover.offer?.target?.connection.id).toBe('conn-3');
    expect(failover.offer?.target?.callerId.number).toBe('+13125550188');

    const retrying = failover.retry();
    expect(useConnectionsStore().selected?.id).toBe('conn-3');
    // The phone registers with the new connection (the app's lifecycle does it; here by hand).
    const backup = await fakePhoneFor('conn-3');
    await retrying;
    expect(failover.error).toBeNull();
    expect(callRecords().map((r) => r.body)).toEqual([
      expect.objectContaining({ connectionId: 'conn-1', callerNumber: '+13125550100' }),
      expect.objectContaining({
        connectionId: 'conn-3',
        callerNumber: '+13125550188',
        phoneNumberId: 'num-bak',
        remoteNumber: '+16175550150',
        retryOfCallId: 'rec-1',
      }),
    ]);
    expect(backup.actions.filter((a) => a.type === 'invite')).toMatchObject([
      { destination: '+16175550150', callerId: '+13125550188' },
    ]);
    expect(calls.current?.recordId).toBe('rec-2');
    expect(failover.offer).toBeNull();
  });

  it('a call sent on an approval that the trunk refuses before its record has answered still offers the retry, linked to that record', async () => {
    let releaseRecord: ((r: Response) => void) | null = null;
    ({ requests } = installFakeFetch({
      'POST /api/calls/approvals': () =>
        json(201, {
          approval: 'approval-1',
          connectionId: 'conn-1',
          phoneNumberId: 'num-chi',
          callerNumber: '+13125550100',
          expiresAt: new Date(Date.now() + 120_000).toISOString(),
        }),
      'POST /api/calls': () => new Promise<Response>((resolve) => (releaseRecord = resolve)),
      'PATCH /api/calls/rec-1': () => json(200, {}),
    }));
    const chicago = await fakePhoneFor('conn-1');
    const failover = useFailoverStore();
    const calls = useCallStore();
    calls.prepareCall(CHICAGO_NUMBER);
    await vi.waitFor(() => expect(requests.map((r) => r.path)).toContain('/api/calls/approvals'));
    await new Promise((r) => setTimeout(r, 0));
    const dialing = failover.dial('+16175550150', CHICAGO_NUMBER);
    await vi.waitFor(() => expect(releaseRecord).not.toBeNull());
    expect(callRecords()[0]!.body).toMatchObject({ approval: 'approval-1' });
    chicago.remote.reject(503);
    await vi.waitFor(() => expect(calls.current?.state).toBe('ended'));
    releaseRecord!(json(201, { id: 'rec-1' }));
    await dialing;
    await vi.waitFor(() => expect(failover.offer).not.toBeNull());
    expect(failover.offer).toMatchObject({ failedRecordId: 'rec-1', destination: '+16175550150' });
    expect(failover.offer?.target?.connection.id).toBe('conn-3');
  });

  it('retries by itself when automatic failover is on; a busy callee is not the trunk’s fault', async () => {
    const chicago = await fakePhoneFor('conn-1');
    const failover = useFailoverStore();
    await failover.dial('+16175550150', CHICAGO_NUMBER);
    chicago.remote.reject(486);
    await vi.waitFor(() => expect(useCallStore().current?.state).toBe('ended'));
    expect(failover.offer).toBeNull();

    useCallStore().dismiss();
    failover.setAuto(true);
    await failover.dial('+16175550150', CHICAGO_NUMBER);
    chicago.remote.reject(502);
    await vi.waitFor(() => expect(useConnectionsStore().selected?.id).toBe('conn-3'));
    expect(failover.retrying).toBe(true);
    await fakePhoneFor('conn-3');
    await vi.waitFor(() => expect(callRecords()).toHaveLength(3));
    expect(callRecords()[2]!.body).toMatchObject({ connectionId: 'conn-3', retryOfCallId: 'rec-2' });
  });
});
