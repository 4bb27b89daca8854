/**
 * The requests the entry starts before the app has loaded (src/web/api/early-requests.ts): the session,
 * the connection list and the selected connection's registration go out side by side, each answer is
 * taken once, and a refused early answer (nobody signed in yet) never stands in for a real one.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as PhoneModule from '../../src/phone/index.js';
import { ApiClient } from '../../src/web/api/client.js';
import {
  startEarlyRequests,
  takeEarlyConnections,
  takeEarlyRegistration,
  takeEarlySession,
} from '../../src/web/api/early-requests.js';
import { aConnection, aList, aSession, aSipRegistration } from './factories.js';
import { apiError, installFakeFetch, json, type RecordedRequest } from './fake-fetch.js';

const preloaded: string[] = [];
vi.mock('../../src/phone/index.js', async (importOriginal) => ({
  ...(await importOriginal<typeof PhoneModule>()),
  preloadSoftphone: (provider: string) => preloaded.push(provider),
}));

const chicago = aConnection('chicago');
let requests: RecordedRequest[];

beforeEach(() => {
  preloaded.length = 0;
});

afterEach(() => {
  // Nothing left for the next test.
  for (const left of [takeEarlySession(), takeEarlyConnections(), takeEarlyRegistration('chicago')])
    void left?.catch(() => undefined);
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
    expect(takeEarlyRegistration('new-york')).toBeNull(); // another connection: not this answer
    // Each answer once: a second user, a reload, another connection ask the server themselves.
    expect(takeEarlySession()).toBeNull();
    expect(takeEarlyConnections()).toBeNull();
    expect(takeEarlyRegistration('chicago')).toBeNull();
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
    expect(takeEarlyRegistration('chicago')).toBeNull();
    expect(preloaded).toEqual([]);
    await expect(takeEarlyConnections()).rejects.toMatchObject({ status: 401 });
  });
});
