/** The KPI table's CSV of several pages: every row, in the table's order, read page after page. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchAllKpiRows } from '../../src/web/api/analytics.js';
import { ApiClient } from '../../src/web/api/client.js';
import { installFakeFetch, json } from './fake-fetch.js';

afterEach(() => vi.unstubAllGlobals());

describe('fetchAllKpiRows', () => {
  it('reads the pages of 1,201 numbers in turn, with the filters and the order of the table', async () => {
    const total = 1201;
    const { requests } = installFakeFetch({
      'GET /api/analytics/kpis': (req) => {
        const page = Number(req.query.get('page'));
        const size = Number(req.query.get('pageSize'));
        const rows = Array.from(
          { length: Math.max(0, Math.min(size, total - (page - 1) * size)) },
          (_, i) => ({
            key: `n${(page - 1) * size + i}`,
            name: `+1312555${String((page - 1) * size + i).padStart(4, '0')}`,
            calls: total - ((page - 1) * size + i),
          }),
        );
        return json(200, { rows, total, page, pageSize: size, totals: {} });
      },
    });
    const rows = await fetchAllKpiRows(
      { tz: 'UTC', connectionId: 't1' },
      'number',
      { field: 'asr', direction: 'desc' },
      new ApiClient(),
    );
    expect(rows.map((r) => r.key)).toEqual(Array.from({ length: total }, (_, i) => `n${i}`));
    expect(requests.map((r) => r.query.get('page'))).toEqual(['1', '2', '3']);
    expect(requests.every((r) => r.query.get('sort') === '-asr' && r.query.get('by') === 'number')).toBe(
      true,
    );
    expect(requests[0]!.query.get('connectionId')).toBe('t1');
  });
});
