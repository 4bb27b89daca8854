/**
 * usePhoneStore and the call store with the fake softphone behind createSoftphone(): registration,
 * switching connections, the Telnyx token refresh, and the call store following each new softphone.
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSoftphone } from '../../src/phone/adapters/fake-adapter.js';
import { PhoneErrorCode } from '../../src/phone/index.js';
import type * as PhoneModule from '../../src/phone/index.js';
import { ApiClient } from '../../src/web/api/client.js';
import { startEarlyRequests } from '../../src/web/api/early-requests.js';
import { useCallStore } from '../../src/web/stores/call.js';
import { usePhoneStore } from '../../src/web/stores/phone.js';
import { aConnection, aList, aSession, aSipRegistration } from './factories.js';
import { installFakeFetch, json, type RecordedRequest } from './fake-fetch.js';

/** The fake provider, plus the Telnyx SDK's "token expiring soon" warning. */
class TokenPhone extends FakeSoftphone {
  tokenExpiring(): void {
    this.reportError(PhoneErrorCode.TokenExpiring, 'The Telnyx login token expires soon.');
  }
}

const created: TokenPhone[] = [];
vi.mock('../../src/phone/index.js', async (importOriginal) => ({
  ...(await importOriginal<typeof PhoneModule>()),
  createSoftphone: () => {
    const phone = new TokenPhone({ qualityIntervalMs: 0 });
    created.push(phone);
    return Promise.resolve(phone);
  },
}));

const chicago = aConnection('chicago');
const newYork = aConnection('new-york');

const registration = (connectionId: string) => aSipRegistration({ connectionId });

let requests: RecordedRequest[];

beforeEach(() => {
  setActivePinia(createPinia());
  created.length = 0;
  ({ requests } = installFakeFetch({
    'POST /api/connections/chicago/registration': () => json(200, registration('chicago')),
    'POST /api/connections/new-york/registration': () => json(200, registration('new-york')),
    'POST /api/calls': () => json(201, { id: 'rec-in' }),
  }));
});
afterEach(async () => {
  await usePhoneStore().disconnect();
  vi.unstubAllGlobals();
  expect(FakeSoftphone.activeCount()).toBe(0);
});

const registrations = () => requests.filter((r) => r.path.endsWith('/registration')).map((r) => r.path);

describe('usePhoneStore', () => {
  it('registers with the connection and follows the line', async () => {
    const phone = usePhoneStore();
    await phone.connect(chicago, 'user-1');
    expect(phone.registration).toEqual({ status: 'registered' });
    expect(phone.lineState).toBe('ready');
    expect(phone.problem).toBeNull();
    expect(phone.softphone?.connectionId).toBe('chicago');
  });

  it('takes the phone the entry started: registered before the app asked, one registration, reported once', async () => {
    ({ requests } = installFakeFetch({
      'GET /api/auth/me': () => json(200, aSession()),
      'GET /api/connections': () => json(200, aList([chicago])),
      'POST /api/connections/chicago/registration': () => json(200, registration('chicago')),
      'POST /api/connections/chicago/registration-report': () => json(200, {}),
    }));
    startEarlyRequests('/', new ApiClient());
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    const early = created.at(-1)!;
    expect(early.registrationState).toEqual({ status: 'registered' });

    const phone = usePhoneStore();
    const connecting = phone.connect(chicago, aSession().user.id);
    // At once, without a turn of the event loop: the page shows it in the render that mounts it.
    expect(phone.registration).toEqual({ status: 'registered' });
    await connecting;
    expect(phone.softphone).toBe(early);
    expect(phone.registration).toEqual({ status: 'registered' });
    expect(registrations()).toEqual(['/api/connections/chicago/registration']);
    expect(requests.filter((r) => r.path.endsWith('/registration-report')).map((r) => r.body)).toEqual([
      { ok: true },
    ]);
  });

  it('switching quickly leaves only the last connection registered', async () => {
    const phone = usePhoneStore();
    const first = phone.connect(chicago, 'user-1');
    await phone.connect(newYork, 'user-1');
    await first;
    expect(FakeSoftphone.activeCount()).toBe(1);
    expect(phone.softphone?.connectionId).toBe('new-york');
  });

  it('re-registers for a fresh Telnyx token only once no call is up', async () => {
    const phone = usePhoneStore();
    await phone.connect(chicago, 'user-1');
    const fake = created.at(-1)!;
    fake.call({ destination: '+16175550150', callerId: '+13125550100' });
    fake.remote.answer();
    expect(phone.lineState).toBe('active');
    fake.tokenExpiring();
    await new Promise((r) => setTimeout(r, 10));
    expect(registrations()).toEqual(['/api/connections/chicago/registration']);

    fake.remote.hangup();
    await vi.waitFor(() => expect(registrations()).toHaveLength(2));
    await vi.waitFor(() => expect(phone.registration).toEqual({ status: 'registered' }));
    expect(phone.softphone).not.toBe(fake);
    expect(FakeSoftphone.activeCount()).toBe(1);
  });
});

describe('useCallStore follows the phone store', () => {
  it('rings for a call on the new softphone after a switch, not on the old one', async () => {
    const phone = usePhoneStore();
    const calls = useCallStore();
    await phone.connect(chicago, 'user-1');
    await phone.connect(newYork, 'user-1');
    const current = created.at(-1)!;

    current.remote.call('+13125550199', { to: '+16175550150' });
    expect(calls.incoming).toBe(true);
    await vi.waitFor(() =>
      expect(requests.find((r) => r.path === '/api/calls')?.body).toMatchObject({ connectionId: 'new-york' }),
    );
    await calls.decline();
  });
});
