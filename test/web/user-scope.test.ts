/** useUserScope: a user's data is loaded when they sign in and forgotten whenever the user changes. */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useUserScope } from '../../src/web/composables/useUserScope.js';
import { useAdminDirectoryStore } from '../../src/web/stores/admin-directory.js';
import { useCallHistoryStore } from '../../src/web/stores/call-history.js';
import { useConnectionsStore } from '../../src/web/stores/connections.js';
import { useDialerStore } from '../../src/web/stores/dialer.js';
import { useSessionStore } from '../../src/web/stores/session.js';
import { aConnection, aList, aSession, aUser } from './factories.js';
import { installFakeFetch, json, type RecordedRequest } from './fake-fetch.js';

let requests: RecordedRequest[];

beforeEach(() => {
  setActivePinia(createPinia());
  ({ requests } = installFakeFetch({
    'POST /api/auth/login': (req) =>
      json(200, aSession({ user: aUser({ id: (req.body as { email: string }).email }) })),
    'POST /api/auth/logout': () => new Response(null, { status: 204 }),
    'GET /api/connections': () => json(200, aList([aConnection('chicago')])),
    'GET /api/calls': () => json(200, { items: [], total: 4, page: 1, pageSize: 25 }),
    'GET /api/admin/users': () =>
      json(200, { items: [aUser({ id: 'u-1', name: 'Ann' })], total: 1, page: 1, pageSize: 500 }),
  }));
});
afterEach(() => vi.unstubAllGlobals());

async function signedInWithData(email: string) {
  useUserScope();
  const session = useSessionStore();
  const connections = useConnectionsStore();
  const dialer = useDialerStore();
  const history = useCallHistoryStore();
  await session.login(email, 'pw');
  await vi.waitFor(() => expect(connections.selected?.id).toBe('chicago'));
  dialer.setInput('3125550142');
  await history.open();
  history.setFilter('direction', 'inbound');
  return { session, connections, dialer, history };
}

describe('useUserScope', () => {
  it('loads the connections as soon as a user signs in', async () => {
    const { connections } = await signedInWithData('agent1@dialer.local');
    expect(requests.filter((r) => r.path === '/api/connections')).toHaveLength(1);
    expect(connections.status.state).toBe('ok');
  });

  it.each(['logout', 'expire'] as const)('forgets the user’s data on %s', async (end) => {
    const { session, connections, dialer, history } = await signedInWithData('agent1@dialer.local');
    if (end === 'logout') await session.logout();
    else session.expire();
    expect(connections.list).toBeNull();
    expect(connections.selected).toBeNull();
    expect(dialer.input).toBe('');
    expect(history.result).toBeNull();
    expect(history.filters.direction).toBeNull();
  });

  it('forgets the admin console’s pick lists when the user changes', async () => {
    const { session } = await signedInWithData('admin@dialer.local');
    const directory = useAdminDirectoryStore();
    await directory.loadUsers();
    expect(directory.userName('u-1')).toBe('Ann');
    await session.login('agent2@dialer.local', 'pw');
    expect(directory.users).toEqual([]);
    expect(directory.userName('u-1')).toBe('Unknown user');
  });

  it('shows the next user only their own data', async () => {
    const { session, connections, dialer } = await signedInWithData('agent1@dialer.local');
    await session.login('agent2@dialer.local', 'pw');
    expect(dialer.input).toBe('');
    expect(connections.status.state).toBe('loading');
    await vi.waitFor(() => expect(connections.status.state).toBe('ok'));
    expect(requests.filter((r) => r.path === '/api/connections')).toHaveLength(2);
  });
});
