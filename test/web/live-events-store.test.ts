/**
 * The live-events store's reconnection (GET /api/events): a stream the server refuses is opened again a
 * little later, unless the refusal was an ended session — then the page is told (it goes to login) and
 * the stream is not retried every few seconds against a 401.
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from '../../src/web/api/client.js';
import { REOPEN_DELAY_MS, useLiveEventsStore } from '../../src/web/stores/live-events.js';
import { apiError, installFakeFetch, json } from './fake-fetch.js';
import { aSession } from './factories.js';

/** Just enough of EventSource: the store's listeners, and a way to refuse the stream as a browser does. */
class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static opened: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  private listeners = new Map<string, ((e: unknown) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.opened.push(this);
  }
  addEventListener(type: string, fn: (e: unknown) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close(): void {
    this.readyState = FakeEventSource.CLOSED;
  }
  /** The server answered something other than an event stream (401, 503): the browser gives up. */
  refuse(): void {
    this.readyState = FakeEventSource.CLOSED;
    for (const fn of this.listeners.get('error') ?? []) fn({});
  }
}

let lost: number;
let off: () => void;

beforeEach(() => {
  setActivePinia(createPinia());
  FakeEventSource.opened = [];
  vi.stubGlobal('EventSource', FakeEventSource);
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  api.setCsrfToken('csrf-token'); // signed in
  lost = 0;
  // What main.ts does on a lost session: the user scope closes the stream.
  off = api.onSessionLost(() => {
    lost++;
    useLiveEventsStore().reset();
  });
});

afterEach(() => {
  off();
  api.setCsrfToken(null);
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const settle = () => vi.advanceTimersByTimeAsync(0);

describe('live events store', () => {
  it('opens the stream again after a refusal while the session holds (a restart answered 503)', async () => {
    installFakeFetch({ 'GET /api/auth/me': () => json(200, aSession()) });
    const live = useLiveEventsStore();
    live.open();
    FakeEventSource.opened[0]!.refuse();
    await settle();
    expect(live.state).toBe('closed');
    expect(lost).toBe(0);
    await vi.advanceTimersByTimeAsync(REOPEN_DELAY_MS);
    expect(FakeEventSource.opened).toHaveLength(2);
    expect(live.state).toBe('connecting');
  });

  it('does not retry against an ended session: the page is told, and no stream opens again', async () => {
    const { requests } = installFakeFetch({
      'GET /api/auth/me': () => apiError(401, 'SESSION_EXPIRED', 'Your session has expired.'),
    });
    const live = useLiveEventsStore();
    live.open();
    FakeEventSource.opened[0]!.refuse();
    await settle();
    expect(lost).toBe(1);
    await vi.advanceTimersByTimeAsync(REOPEN_DELAY_MS * 10);
    expect(FakeEventSource.opened).toHaveLength(1);
    expect(requests.filter((r) => r.path === '/api/auth/me')).toHaveLength(1);
  });
});
