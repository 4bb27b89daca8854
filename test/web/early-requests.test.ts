/**
 * The requests the entry starts before the app has loaded (src/web/api/early-requests.ts): the session,
 * the connection list and the selected connection's registration go out side by side, its phone registers
 * before the app takes it, each is taken once, a phone nobody wants is ended, and a refused early answer
 * (nobody signed in yet) never stands in for a real one.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as PhoneModule from '../../src/phone/index.js';
import { FakeSoftphone } from '../../src/phone/adapters/fake-adapter.js';
import { ApiClient } from '../../src/web/api/client.js';
import {
  startEarlyRequests,
  takeEarlyConnections,
  takeEarlyPhone,
  takeEarlySession,
} from '../../src/web/api/early-requests.js';
import { aConnection, aList, aSession, aSipRegistration } from './factories.js';
import { apiError, installFakeFetch, json, type RecordedRequest } from './fake-fetch.js';

const preloaded: string[] = [];
vi.mock('../../src/phone/index.js', async (importOriginal) => ({
  ...(await importOriginal<typeof PhoneModule>()),
  preloadSoftphone: (provider: string) => preloaded.push(provider),
  createSoftphone: () => Promise.resolve(new FakeSoftphone({ qualityIntervalMs: 0 })),
}));

const chicago = aConnection('chicago');
const USER = aSession().user.id;
let requests: RecordedRequest[];

beforeEach(() => {
  preloaded.length = 0;
});

afterEach(async () => {
  // Nothing left for the next test.
  for (const left of [takeEarlySession(), takeEarlyConnections()]) void left?.catch(() => undefined);
  await Promise.resolve(takeEarlyPhone('chicago', null))
    .then((p) => p?.softphone.destroy())
    .catch(() => undefined);
  expect(FakeSoftphone.activeCount()).toBe(0);
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('early requests', () => {
  it('asks for the session and the list at once, then the first connection’s registration, with the session’s CSRF token', async () => {
    ({ requests } = installFakeFetch({
      'GET /api/auth/me': () => json(200, aSession({ csrfToken: 'csrf-early' })),
      'GET /api/connections': () => json(200, aList([chicago])),
      'POST /api/connections/chicago/registration': () =>
        json(201, aSipRegistration({ connectionId: 'chicago' })),
    }));
    startEarlyRequests('/', new ApiClient());
    // Both leave before either has answered.
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/auth/me',
      'GET /api/connections',
    ]);
    await settle();
    expect(requests[2]).toMatchObject({
      method: 'POST',
      path: '/api/connections/chicago/registration',
      headers: { 'x-csrf-token': 'csrf-early' },
    });
    expect(preloaded).toEqual(['sip']);

    await expect(takeEarlySession()).resolves.toMatchObject({ csrfToken: 'csrf-early' });
    await expect(takeEarlyConnections()).resolves.toMatchObject({ count: 1 });
    // The phone registers with that answer before the app has taken it.
    const early = await takeEarlyPhone('chicago', USER);
    await early!.registered;
    expect(early!.registration.connectionId).toBe('chicago');
    expect(early!.softphone.registrationState).toEqual({ status: 'registered' });
    // Each answer once: a second user, a reload, another connection ask the server themselves.
    expect(takeEarlySession()).toBeNull();
    expect(takeEarlyConnections()).toBeNull();
    expect(takeEarlyPhone('chicago', USER)).toBeNull();
    await early!.softphone.destroy();
  });

  it('a phone started for a connection the page does not select (or another user) is ended, not handed over', async () => {
    installFakeFetch({
      'GET /api/auth/me': () => json(200, aSession()),
      'GET /api/connections': () => json(200, aList([chicago])),
      'POST /api/connections/chicago/registration': () =>
        json(201, aSipRegistration({ connectionId: 'chicago' })),
    });
    startEarlyRequests('/', new ApiClient());
    await settle();
    expect(takeEarlyPhone('new-york', USER)).toBeNull();
    await settle();
    expect(FakeSoftphone.activeCount()).toBe(0);

    startEarlyRequests('/', new ApiClient());
    await settle();
    expect(takeEarlyPhone('chicago', 'someone-else')).toBeNull();
    await settle();
    expect(FakeSoftphone.activeCount()).toBe(0);
  });

  it('a refused registration starts no phone: the store asks again', async () => {
    installFakeFetch({
      'GET /api/auth/me': () => json(200, aSession()),
      'GET /api/connections': () => json(200, aList([chicago])),
      'POST /api/connections/chicago/registration': () =>
        apiError(409, 'NO_CREDENTIALS', 'This connection has no SIP credentials.'),
    });
    startEarlyRequests('/', new ApiClient());
    await settle();
    await expect(Promise.resolve(takeEarlyPhone('chicago', USER))).rejects.toMatchObject({ status: 409 });
    await settle();
    expect(FakeSoftphone.activeCount()).toBe(0);
  });

  it('starts loading the SIP stack this browser used last time before the list answers, and remembers the one it loads', async () => {
    const saved = new Map<string, string>();
    vi.stubGlobal('localStorage', {
      getItem: (k: string) => saved.get(k) ?? null,
      setItem: (k: string, v: string) => saved.set(k, v),
    });
    installFakeFetch({
      'GET /api/auth/me': () => json(200, aSession()),
      'GET /api/connections': () => json(200, aList([aConnection('tx', { provider: 'telnyx' })])),
      'POST /api/connections/tx/registration': () => apiError(503, 'TELNYX_UNAVAILABLE', 'Telnyx is down.'),
    });
    startEarlyRequests('/', new ApiClient());
    expect(preloaded).toEqual([]); // nothing remembered yet: the list says which
    await settle();
    expect(preloaded).toEqual(['telnyx']);

    startEarlyRequests('/', new ApiClient());
    expect(preloaded).toEqual(['telnyx', 'telnyx']); // at once, before any answer
    await settle();
    await Promise.resolve(takeEarlyPhone('tx', null)).catch(() => undefined);
  });

  it('on the login page asks only for the session, and a refused session fetches nothing more', async () => {
    ({ requests } = installFakeFetch({
      'GET /api/auth/me': () => apiError(401, 'UNAUTHENTICATED', 'Log in first.'),
      'GET /api/connections': () => apiError(401, 'UNAUTHENTICATED', 'Log in first.'),
    }));
    startEarlyRequests('/login', new ApiClient());
    await settle();
    expect(requests.map((r) => r.path)).toEqual(['/api/auth/me']);
    expect(takeEarlyConnections()).toBeNull();

    startEarlyRequests('/history', new ApiClient());
    await settle();
    expect(requests.map((r) => r.path)).toEqual(['/api/auth/me', '/api/auth/me', '/api/connections']);
    expect(takeEarlyPhone('chicago', null)).toBeNull();
    expect(preloaded).toEqual([]);
    await expect(takeEarlyConnections()).rejects.toMatchObject({ status: 401 });
  });
});
