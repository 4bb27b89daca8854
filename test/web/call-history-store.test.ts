/** useCallHistoryStore with a scripted fetch: which page of calls the history asks for, and when. */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallDto, Page } from '../../src/shared/api.js';
import { SEARCH_DEBOUNCE_MS, useCallHistoryStore } from '../../src/web/stores/call-history.js';
import { useConnectionsStore } from '../../src/web/stores/connections.js';
import { aConnection, aList, aNumber } from './factories.js';
import { apiError, installFakeFetch, json, type RecordedRequest } from './fake-fetch.js';

const chicagoPrimary = aNumber('+13125550100', 'primary');
const nyPrimary = aNumber('+12125550110', 'primary');
const chicago = aConnection('chicago', { numbers: [chicagoPrimary] });
const newYork = aConnection('new-york', { numbers: [nyPrimary] });

function page(total: number): Page<CallDto> {
  return { items: [], total, page: 1, pageSize: 25 };
}

let requests: RecordedRequest[];
let answer: (req: RecordedRequest) => Response | Promise<Response>;

function callQueries(): Record<string, string>[] {
  return requests.filter((r) => r.path === '/api/calls').map((r) => Object.fromEntries(r.query));
}

beforeEach(async () => {
  setActivePinia(createPinia());
  answer = () => json(200, page(3));
  ({ requests } = installFakeFetch({
    'GET /api/connections': () => json(200, aList([chicago, newYork])),
    'GET /api/calls': (req) => answer(req),
  }));
  await useConnectionsStore().load();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('useCallHistoryStore', () => {
  it('opens on the first page without filters, whatever the last visit left', async () => {
    const history = useCallHistoryStore();
    history.setFilter('direction', 'inbound');
    await history.setPage(3, 50);
    await history.open();
    expect(callQueries().at(-1)).toEqual({ page: '1', pageSize: '25' });
    expect(history.filters.direction).toBeNull();
    expect(history.hasFilters).toBe(false);
    expect(history.result?.total).toBe(3);
  });

  it('reloads from page 1 when a filter changes, and the CSV link follows the filters', async () => {
    const history = useCallHistoryStore();
    await history.setPage(2, 25);
    history.setFilter('outcome', 'busy');
    await vi.waitFor(() => expect(callQueries()).toHaveLength(2));
    expect(callQueries()[1]).toEqual({ page: '1', pageSize: '25', outcome: 'busy' });
    expect(history.first).toBe(0);
    expect(history.csvUrl).toBe('/api/calls/export.csv?outcome=busy');
  });

  it('asks once, after a pause in typing, for the search box', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const history = useCallHistoryStore();
    for (const text of ['3', '31', '312']) history.setFilter('search', text);
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS - 1);
    expect(callQueries()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(callQueries()).toEqual([{ page: '1', pageSize: '25', q: '312' }]);
  });

  it('waits for the end of a date range, then asks for whole days', async () => {
    const history = useCallHistoryStore();
    const start = new Date(2026, 0, 5, 15, 30);
    history.setFilter('dates', [start, null]);
    expect(callQueries()).toEqual([]);
    history.setFilter('dates', [start, new Date(2026, 0, 6, 9, 0)]);
    await vi.waitFor(() => expect(callQueries()).toHaveLength(1));
    expect(callQueries()[0]).toMatchObject({
      from: new Date(2026, 0, 5).toISOString(),
      to: new Date(2026, 0, 6, 23, 59, 59, 999).toISOString(),
    });
  });

  it('drops a number filter that is not on the newly chosen connection', async () => {
    const history = useCallHistoryStore();
    history.setFilter('phoneNumberId', chicagoPrimary.phoneNumberId);
    history.setFilter('connectionId', 'chicago');
    expect(history.filters.phoneNumberId).toBe(chicagoPrimary.phoneNumberId);
    history.setFilter('connectionId', 'new-york');
    expect(history.filters.phoneNumberId).toBeNull();
    await vi.waitFor(() =>
      expect(callQueries().at(-1)).toEqual({ page: '1', pageSize: '25', connectionId: 'new-york' }),
    );
  });

  it('keeps the newest answer when an older one arrives late', async () => {
    let releaseSlow: (r: Response) => void = () => undefined;
    answer = (req) =>
      req.query.get('direction') === 'inbound'
        ? new Promise<Response>((resolve) => (releaseSlow = resolve))
        : json(200, page(7));
    const history = useCallHistoryStore();
    history.setFilter('direction', 'inbound');
    history.setFilter('direction', 'outbound');
    await vi.waitFor(() => expect(history.result?.total).toBe(7));
    releaseSlow(json(200, page(1)));
    await new Promise((r) => setTimeout(r, 0));
    expect(history.result?.total).toBe(7);
    expect(history.loading).toBe(false);
  });

  it('says why a load failed, and does not toast a lost session', async () => {
    const history = useCallHistoryStore();
    answer = () => apiError(500, 'INTERNAL', 'The server had a problem.');
    await history.load();
    expect(history.error).toEqual({ message: 'The server had a problem.', notify: true });
    answer = () => apiError(401, 'SESSION_EXPIRED', 'Your session has expired.');
    await history.load();
    expect(history.error).toEqual({ message: 'Your session has expired.', notify: false });
  });
});
