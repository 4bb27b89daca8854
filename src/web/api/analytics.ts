/** The analytics half of the API client (/api/analytics/*), used by the Analytics page. */
import type {
  AnalyticsFilterOptionsDto,
  DestinationsDto,
  FailuresDto,
  HeatmapDto,
  KpiReportDto,
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

export function fetchAnalytics(
  f: AnalyticsFilters,
  by: 'connection' | 'number' | 'agent',
  bucket: 'day' | 'week',
  client: ApiClient = api,
) {
  const q = { ...f };
  return Promise.all([
    get<KpiReportDto>('kpis', { ...q, by }, client),
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

/** The choices of the page's filters (connections, numbers, and for admins the agents). */
export function fetchAnalyticsFilterOptions(client: ApiClient = api) {
  return client.request<AnalyticsFilterOptionsDto>('GET', '/analytics/filters');
}
