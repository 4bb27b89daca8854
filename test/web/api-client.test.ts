import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError } from '../../src/web/api/client.js';
import { aList, aSession } from './factories.js';
import { apiError, hang, installFakeFetch, json } from './fake-fetch.js';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('ApiClient', () => {
  it('sends same-origin credentials and the CSRF token on writes only', async () => {
    const { requests } = installFakeFetch({
      'POST /api/auth/login': () => json(200, aSession()),
      'GET /api/connections': () => json(200, aList([])),
      'POST /api/auth/logout': () => new Response(null, { status: 204 }),
    });
    const client = new ApiClient();
    const session = await client.login('a@b.c', 'pw');
    client.setCsrfToken(session.csrfToken);
    await client.listConnections('database');
    await client.logout();

    expect(requests.map((r) => r.credentials)).toEqual(['same-origin', 'same-origin', 'same-origin']);
    expect(requests[0]?.headers['x-csrf-token']).toBeUndefined();
    expect(requests[0]?.body).toEqual({ email: 'a@b.c', password: 'pw' });
    expect(requests[1]?.headers['x-csrf-token']).toBeUndefined();
    expect(requests[1]?.query.get('source')).toBe('database');
    expect(requests[2]?.headers['x-csrf-token']).toBe('csrf-123');
  });

  it('turns the error body into an ApiError with code, message and status', async () => {
    installFakeFetch({
      'POST /api/auth/login': () => apiError(401, 'INVALID_CREDENTIALS', 'Email or password is wrong'),
    });
    const error = await new ApiClient().login('a@b.c', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      code: 'INVALID_CREDENTIALS',
      message: 'Email or password is wrong',
      status: 401,
    });
  });

  it('gives a readable error when the body is not the API shape', async () => {
    installFakeFetch({
      'GET /api/connections': () => new Response('<html>bad gateway</html>', { status: 502 }),
    });
    await expect(new ApiClient().listConnections('database')).rejects.toMatchObject({
      code: 'INTERNAL',
      status: 502,
      message: expect.stringContaining('HTTP 502'),
    });
  });

  it('says the server cannot be reached when fetch fails', async () => {
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
    await expect(new ApiClient().me()).rejects.toMatchObject({ code: 'NETWORK_ERROR', status: 0 });
  });

  it('gives up after the timeout with the given message', async () => {
    vi.useFakeTimers();
    installFakeFetch({ 'GET /api/connections': (_req, signal) => hang(signal) });
    const pending = new ApiClient()
      .listConnections('telnyx', { timeoutMs: 5000, timeoutMessage: 'Telnyx API did not answer in 5 s.' })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await pending).toMatchObject({ code: 'TIMEOUT', message: 'Telnyx API did not answer in 5 s.' });
  });

  it('passes the caller’s own abort through, neither as a timeout nor as a network error', async () => {
    installFakeFetch({ 'GET /api/connections': (_req, signal) => hang(signal) });
    const controller = new AbortController();
    const pending = new ApiClient()
      .listConnections('telnyx', { timeoutMs: 5000, signal: controller.signal })
      .catch((e: unknown) => e);
    controller.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
  });

  it('reports a lost session for a 401 inside a session, not for login or the first /me', async () => {
    installFakeFetch({
      'GET /api/auth/me': () => apiError(401, 'UNAUTHENTICATED', 'Please log in'),
      'GET /api/connections': () => apiError(401, 'SESSION_EXPIRED', 'Session expired'),
    });
    const client = new ApiClient();
    const lost = vi.fn();
    client.onSessionLost(lost);

    await client.listConnections('database').catch(() => undefined); // no session yet
    await client.me().catch(() => undefined);
    expect(lost).not.toHaveBeenCalled();

    client.setCsrfToken('csrf-123');
    await client.listConnections('database').catch(() => undefined);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(lost.mock.calls[0]?.[0]).toMatchObject({ code: 'SESSION_EXPIRED' });
  });

  it('encodes list filters as query parameters, leaving out empty ones', async () => {
    const { requests } = installFakeFetch({
      'GET /api/calls': () => json(200, { items: [], total: 0, page: 2, pageSize: 25 }),
    });
    await new ApiClient().listCalls({
      page: 2,
      pageSize: 25,
      direction: 'outbound',
      connectionId: undefined,
    });
    expect(Object.fromEntries(requests[0]!.query)).toEqual({
      page: '2',
      pageSize: '25',
      direction: 'outbound',
    });
  });
});
