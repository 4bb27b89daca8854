/**
 * Response shapes of the analytics API (/api/analytics/*), read by the Analytics page and `dialer report
 * kpis`. The definitions of the figures are in kpi.ts; the query parameters in schemas/analytics.ts.
 * Ratios are 0..1 and null when undefined (no attempts, no answered call, no measured value).
 */
import type { CallEnding, MosBand } from './kpi.js';
import type { KpiSortField } from './schemas/analytics.js';

export type AnalyticsGroupBy = 'connection' | 'number' | 'agent' | 'total';

/** The range and zone an answer covers (dates are inclusive, in `timeZone`). */
export interface AnalyticsRange {
  from: string;
  to: string;
  timeZone: string;
}

export interface KpiRowDto {
  /** The connection, number or agent id (null: calls without one, or the total row). */
  key: string | null;
  /** Connection name, E.164 number or agent name. */
  name: string | null;
  calls: number;
  answered: number;
  asr: number | null;
  ner: number | null;
  acdSeconds: number | null;
  minutesUsed: number;
  pddMsMedian: number | null;
  pddMsP90: number | null;
  mosAvg: number | null;
  jitterMsP95: number | null;
  packetLossPctP95: number | null;
  /** Connections only: the most calls up at the same time, and the connection's channel limit. */
  peakConcurrent: number | null;
  channelLimit: number | null;
}

/** The KPI table's order (`?sort=calls` ascending, `?sort=-calls` descending). */
export interface KpiSort {
  field: KpiSortField;
  direction: 'asc' | 'desc';
}

export interface KpiReportDto extends AnalyticsRange {
  by: AnalyticsGroupBy;
  /** One page of the rows, in `sort` order. */
  rows: KpiRowDto[];
  /** Rows on every page (connections, numbers or agents with calls in the range). */
  total: number;
  /** 1-based. */
  page: number;
  pageSize: number;
  sort: KpiSort;
  totals: KpiRowDto;
}

export interface TrendPointDto {
  /** First local date of the bucket (the Monday for weeks). */
  bucket: string;
  calls: number;
  answered: number;
  asr: number | null;
  ner: number | null;
  acdSeconds: number | null;
  minutesUsed: number;
  mosAvg: number | null;
}

export interface TrendsDto extends AnalyticsRange {
  bucket: 'day' | 'week';
  points: TrendPointDto[];
}

export interface HeatmapCellDto {
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  hour: number;
  calls: number;
  answered: number;
}

export interface HeatmapDto extends AnalyticsRange {
  /** All 7 × 24 cells, Monday 00h first. */
  cells: HeatmapCellDto[];
}

export interface DestinationRowDto {
  /** ISO 3166 alpha-2, or null when the number's country is unknown. */
  country: string | null;
  calls: number;
  answered: number;
  asr: number | null;
  minutesUsed: number;
}

export interface DestinationsDto extends AnalyticsRange {
  rows: DestinationRowDto[];
}

export interface MosBandDto {
  band: MosBand;
  label: string;
  calls: number;
}

export interface QualityDto extends AnalyticsRange {
  /** Calls with a MOS. */
  measuredCalls: number;
  mosAvg: number | null;
  bands: MosBandDto[];
  jitterMsP95: number | null;
  packetLossPctP95: number | null;
}

export interface FailureRowDto {
  sipCode: number | null;
  reason: string;
  outcome: string;
  ending: CallEnding;
  calls: number;
}

export interface FailuresDto extends AnalyticsRange {
  /** Unanswered attempts, most frequent first. */
  rows: FailureRowDto[];
}

export interface AnalyticsOptionDto {
  id: string;
  /** Connection name, E.164 number or agent name. */
  label: string;
}

/**
 * What the page's filters offer: an agent's own connections and the numbers on them (or theirs);
 * for an admin every connection, number and user. Sorted by label.
 */
export interface AnalyticsFilterOptionsDto {
  connections: AnalyticsOptionDto[];
  numbers: AnalyticsOptionDto[];
  /** Admins only (empty for agents). */
  agents: AnalyticsOptionDto[];
}
