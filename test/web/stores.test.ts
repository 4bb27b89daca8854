import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from '../../src/web/api/client.js';
import { orderNumbers, useConnectionsStore } from '../../src/web/stores/connections.js';
import { useDialerStore } from '../../src/web/stores/dialer.js';
import { usePhoneStore } from '../../src/web/stores/phone.js';
import { SESSION_EXPIRED_MESSAGE, useSessionStore } from '../../src/web/stores/session.js';
import { useUserScope } from '../../src/web/composables/useUserScope.js';
import type { RegistrationState } from '../../src/phone/call-state.js';
import { aConnection, aList, aNumber, aSession, aUser } from './factories.js';
import { apiError, hang, installFakeFetch, json } from './fake-fetch.js';

const chicagoPrimary = aNumber('+13125550100', 'primary');
const chicagoSecondary = aNumber('+13125550101', 'secondary');
const chicagoBackup = aNumber('+13125550102', 'backup');
const nyPrimary = aNumber('+12125550110', 'primary');
const chicago = aConnection('chicago', {
  name: 'Chicago Office SIP',
  numbers: [chicagoBackup, chicagoPrimary, chicagoSecondary],
});
const telnyx = aConnection('telnyx', { name: 'Telnyx US East', provider: 'telnyx', numbers: [nyPrimary] });
const empty = aConnection('empty', { name: 'SF Overflow SIP', numbers: [] });

beforeEach(() => {
  setActivePinia(createPinia());
  api.setCsrfToken(null);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('orderNumbers', () => {
  it('orders primary, secondary, backup', () => {
    expect(
      orderNumbers([chicagoBackup, chicagoSecondary, chicagoPrimary]).map((n) => n.assignmentType),
    ).toEqual(['primary', 'secondary', 'backup']);
  });
});

describe('useConnectionsStore', () => {
  it('loads from the database and selects the first connection and its primary number', async () => {
    const { requests } = installFakeFetch({
      'GET /api/connections': () => json(200, aList([chicago, telnyx])),
    });
    const store = useConnectionsStore();
    await store.load();
    expect(requests[0]?.query.get('source')).toBe('database');
    expect(store.status).toEqual({ state: 'ok', source: 'database', at: '2026-01-02T10:00:00.000Z' });
    expect(store.selected?.name).toBe('Chicago Office SIP');
    expect(store.numbers.map((n) => n.number)).toEqual(['+13125550100', '+13125550101', '+13125550102']);
    expect(store.callerId?.number).toBe('+13125550100');
    expect(store.count).toBe(2);
  });

  it('repopulates the caller IDs from loaded data when the connection changes, without a request', async () => {
    const { requests } = installFakeFetch({
      'GET /api/connections': () => json(200, aList([chicago, telnyx, empty])),
    });
    const store = useConnectionsStore();
    await store.load();
    store.selectCallerId(chicagoSecondary.phoneNumberId);
    store.selectConnection('telnyx');
    expect(store.numbers.map((n) => n.number)).toEqual(['+12125550110']);
    expect(store.callerId?.number).toBe('+12125550110');
    store.selectConnection('empty');
    expect(store.numbers).toEqual([]);
    expect(store.callerId).toBeNull();
    expect(requests).toHaveLength(1);
  });

  it('ignores a caller ID that does not belong to the connection', async () => {
    installFakeFetch({ 'GET /api/connections': () => json(200, aList([chicago, telnyx])) });
    const store = useConnectionsStore();
    await store.load();
    store.selectCallerId(nyPrimary.phoneNumberId);
    expect(store.callerId).toBeNull();
  });

  it('keeps the selection across a reload when it still exists', async () => {
    installFakeFetch({ 'GET /api/connections': () => json(200, aList([chicago, telnyx])) });
    const store = useConnectionsStore();
    await store.load();
    store.selectConnection('telnyx');
    await store.load();
    expect(store.selected?.id).toBe('telnyx');
  });

  it('shows the server’s error for the Telnyx source and keeps the database list on screen', async () => {
    installFakeFetch({
      'GET /api/connections': (req) =>
        req.query.get('source') === 'telnyx'
          ? apiError(503, 'TELNYX_NOT_CONFIGURED', 'Telnyx API is not configured (set TELNYX_API_KEY).')
          : json(200, aList([chicago])),
    });
    const store = useConnectionsStore();
    await store.load();
    await store.setSource('telnyx');
    expect(store.source).toBe('telnyx');
    expect(store.status).toEqual({
      state: 'error',
      source: 'telnyx',
      code: 'TELNYX_NOT_CONFIGURED',
      message: 'Telnyx API is not configured (set TELNYX_API_KEY).',
    });
    expect(store.listSource).toBe('database');
    expect(store.selected?.id).toBe('chicago');
  });

  it('gives up on the Telnyx API after 5 s', async () => {
    vi.useFakeTimers();
    installFakeFetch({ 'GET /api/connections': (_req, signal) => hang(signal) });
    const store = useConnectionsStore();
    const loading = store.setSource('telnyx');
    expect(store.status.state).toBe('loading');
    await vi.advanceTimersByTimeAsync(4999);
    expect(store.status.state).toBe('loading');
    await vi.advanceTimersByTimeAsync(1);
    await loading;
    expect(store.status).toMatchObject({
      state: 'error',
      code: 'TIMEOUT',
      message: 'Telnyx API did not answer in 5 s.',
    });
  });

  it('ignores an older answer that arrives after a newer one', async () => {
    let releaseTelnyx: (r: Response) => void = () => undefined;
    installFakeFetch({
      'GET /api/connections': (req) =>
        req.query.get('source') === 'telnyx'
          ? new Promise<Response>((resolve) => (releaseTelnyx = resolve))
          : json(200, aList([chicago])),
    });
    const store = useConnectionsStore();
    const slow = store.setSource('telnyx');
    await store.setSource('database');
    releaseTelnyx(json(200, aList([telnyx], 'telnyx')));
    await slow;
    expect(store.listSource).toBe('database');
    expect(store.status).toMatchObject({ state: 'ok', source: 'database' });
  });

  it('reset forgets everything', async () => {
    installFakeFetch({ 'GET /api/connections': () => json(200, aList([chicago])) });
    const store = useConnectionsStore();
    await store.load();
    store.reset();
    expect(store.connections).toEqual([]);
    expect(store.selected).toBeNull();
    expect(store.status).toEqual({ state: 'idle' });
  });
});

describe('useDialerStore', () => {
  it('normalises with the logged-in user’s default country', async () => {
    installFakeFetch({
      'POST /api/auth/login': () => json(200, aSession({ user: aUser({ defaultCountry: 'GB' }) })),
    });
    await useSessionStore().login('a@b.c', 'pw');
    const dialer = useDialerStore();
    dialer.setInput('020 7946 0958');
    expect(dialer.destination).toMatchObject({ kind: 'valid', e164: '+442079460958' });
  });

  it('builds the number from keypad presses and backspace', () => {
    const dialer = useDialerStore();
    for (const key of '3125550142') dialer.press(key as '1');
    expect(dialer.destination).toMatchObject({ kind: 'valid', e164: '+13125550142' });
    dialer.backspace();
    expect(dialer.destination.kind).toBe('incomplete');
  });

  it('accepts + only as the first character from the keypad', () => {
    const dialer = useDialerStore();
    dialer.press('+');
    dialer.press('4');
    dialer.press('+');
    expect(dialer.input).toBe('+4');
  });

  it('cleans a pasted tel: link', () => {
    const dialer = useDialerStore();
    dialer.paste('tel:+1-312-555-0100');
    expect(dialer.input).toBe('+13125550100');
    expect(dialer.destination).toMatchObject({ kind: 'valid', e164: '+13125550100' });
  });

  it('flags invalid input at once but a short one only after leaving the field or pressing Call', () => {
    const dialer = useDialerStore();
    dialer.setInput('31255');
    expect(dialer.showError).toBe(false);
    dialer.touch();
    expect(dialer.showError).toBe(true);
    dialer.clear();
    expect(dialer.showError).toBe(false);
    dialer.setInput('*67');
    expect(dialer.showError).toBe(true);
    dialer.clear();
    dialer.markAttempted();
    expect(dialer.showError).toBe(true);
    expect(dialer.destination.kind).toBe('empty');
  });

  it('clears the number when the user changes', async () => {
    installFakeFetch({ 'POST /api/auth/login': () => json(200, aSession()) });
    useUserScope(); // the app's one place for per-user clean-up (App.vue installs it)
    const dialer = useDialerStore();
    dialer.setInput('3125550142');
    await useSessionStore().login('a@b.c', 'pw');
    await Promise.resolve();
    expect(dialer.input).toBe('');
  });
});

describe('useSessionStore', () => {
  it('restores the session from the cookie and arms the CSRF token', async () => {
    const { requests } = installFakeFetch({
      'GET /api/auth/me': () => json(200, aSession()),
      'POST /api/auth/logout': () => new Response(null, { status: 204 }),
    });
    const session = useSessionStore();
    await session.ensureChecked();
    await session.ensureChecked();
    expect(session.user?.email).toBe('agent1@dialer.local');
    await session.logout();
    expect(requests.filter((r) => r.path === '/api/auth/me')).toHaveLength(1);
    expect(requests.at(-1)?.headers['x-csrf-token']).toBe('csrf-123');
    expect(session.isAuthenticated).toBe(false);
    expect(session.notice).toBe('You have logged out.');
  });

  it('says the session expired when the cookie’s session has', async () => {
    installFakeFetch({ 'GET /api/auth/me': () => apiError(401, 'SESSION_EXPIRED', 'Session expired') });
    const session = useSessionStore();
    await session.ensureChecked();
    expect(session.isAuthenticated).toBe(false);
    expect(session.notice).toBe(SESSION_EXPIRED_MESSAGE);
  });

  it('says nothing to a visitor who never logged in', async () => {
    installFakeFetch({ 'GET /api/auth/me': () => apiError(401, 'UNAUTHENTICATED', 'Please log in') });
    const session = useSessionStore();
    await session.ensureChecked();
    expect(session.notice).toBeNull();
  });

  it('expire() forgets the user and explains why', async () => {
    installFakeFetch({ 'POST /api/auth/login': () => json(200, aSession()) });
    const session = useSessionStore();
    await session.login('a@b.c', 'pw');
    session.expire();
    expect(session.user).toBeNull();
    expect(session.notice).toBe('Your session has expired, please log in again.');
  });
});

describe('usePhoneStore', () => {
  it('is "not connected" until a softphone is attached, and says why', () => {
    const phone = usePhoneStore();
    expect(phone.registrationLabel).toBe('Not connected');
    expect(phone.problem).toMatch(/^Phone not connected: /);
    expect(phone.isRegistered).toBe(false);
  });

  it('follows an attached softphone’s registration', () => {
    const listeners = new Map<string, (payload: unknown) => void>();
    const fake = {
      registrationState: { status: 'registering' } as RegistrationState,
      lineState: 'registering' as const,
      on: (event: string, listener: (payload: unknown) => void) => {
        listeners.set(event, listener);
        return () => listeners.delete(event);
      },
    };
    const phone = usePhoneStore();
    phone.attach(fake as never);
    expect(phone.registrationLabel).toBe('Registering…');
    listeners.get('registrationState')?.({ status: 'failed', reason: 'Wrong password.', sipCode: 403 });
    expect(phone.problem).toBe(
      'Phone registration failed: Wrong password. Ask your admin to check this connection’s SIP user name and password.',
    );
    listeners.get('registrationState')?.({ status: 'registered' });
    expect(phone.problem).toBeNull();
    phone.detach();
    expect(listeners.size).toBe(0);
    expect(phone.registrationLabel).toBe('Not connected');
  });
});
