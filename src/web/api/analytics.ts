/** The analytics half of the API client (/api/analytics/*), used by the Analytics page. */
import type {
  AnalyticsFilterOptionsDto,
  DestinationsDto,
  FailuresDto,
  HeatmapDto,
  KpiReportDto,
  KpiRowDto,
  QualityDto,
  TrendsDto,
} from '../../shared/analytics-api.js';
import { api, type ApiClient } from './client.js';

/** The filters every analytics request takes (see src/shared/schemas/analytics.ts). */
export interface AnalyticsFilters {
  from?: string;
  to?: string;
  tz: string;
  connectionId?: string;
  phoneNumberId?: string;
  direction?: string;
  userId?: string;
}

const get = <T>(path: string, query: Record<string, string | undefined>, client: ApiClient) =>
  client.request<T>('GET', `/analytics/${path}`, { query });

/** The KPI table's page: its sort (a field of KPI_SORT_FIELDS) and 1-based page. */
export interface KpiPaging {
  sort: { field: string; direction: 'asc' | 'desc' };
  page: number;
  /** Default: the server's (50). */
  pageSize?: number;
}

/** One page of the KPI table (and the totals). */
export function fetchKpis(
  f: AnalyticsFilters,
  by: 'connection' | 'number' | 'agent',
  paging: KpiPaging,
  client: ApiClient = api,
) {
  return get<KpiReportDto>(
    'kpis',
    {
      ...f,
      by,
      sort: `${paging.sort.direction === 'desc' ? '-' : ''}${paging.sort.field}`,
      page: String(paging.page),
      pageSize: paging.pageSize === undefined ? undefined : String(paging.pageSize),
    },
    client,
  );
}

export function fetchAnalytics(
  f: AnalyticsFilters,
  by: 'connection' | 'number' | 'agent',
  bucket: 'day' | 'week',
  paging: KpiPaging,
  client: ApiClient = api,
) {
  const q = { ...f };
  return Promise.all([
    fetchKpis(q, by, paging, client),
    get<TrendsDto>('trends', { ...q, bucket }, client),
    get<HeatmapDto>('heatmap', q, client),
    get<DestinationsDto>('destinations', q, client),
    get<QualityDto>('quality', q, client),
    get<FailuresDto>('failures', q, client),
  ]).then(([kpis, trends, heatmap, destinations, quality, failures]) => ({
    kpis,
    trends,
    heatmap,
    destinations,
    quality,
    failures,
  }));
}

/** Every row of the KPI table in `sort` order, page after page (its CSV). */
export async function fetchAllKpiRows(
  f: AnalyticsFilters,
  by: 'connection' | 'number' | 'agent',
  sort: KpiPaging['sort'],
  client: ApiClient = api,
): Promise<KpiRowDto[]> {
  const pageSize = 500; // the API's largest page
  const rows: KpiRowDto[] = [];
  for (let page = 1; ; page++) {
    const r = await fetchKpis(f, by, { sort, page, pageSize }, client);
    rows.push(...r.rows);
    if (page * pageSize >= r.total) return rows;
  }
}

/** The choices of the page's filters (connections, numbers, and for admins the agents). */
export function fetchAnalyticsFilterOptions(client: ApiClient = api) {
  return client.request<AnalyticsFilterOptionsDto>('GET', '/analytics/filters');
}
