/**
 * Query parameters of the analytics API (/api/analytics/*), shared by the server's routes, the
 * Analytics page and the CLI. Dates are local calendar dates in `tz` (the viewer's IANA time zone),
 * both inclusive; without them the last 30 days up to today.
 */
import { z } from 'zod';
import { CALL_DIRECTIONS } from '../domain.js';
import { isValidTimeZone } from '../time-zone.js';
import { ID_PATTERN } from '../value-rules.js';
import { id, pageFields, sortParam } from './common.js';

/** The longest range one request may cover (about three years). */
export const MAX_ANALYTICS_DAYS = 1100;

const date = (what: string) => z.iso.date({ error: `${what} must be a date such as 2026-11-24` });

export const analyticsFilterShape = {
  from: date('from').optional(),
  to: date('to').optional(),
  tz: z
    .string()
    .refine(isValidTimeZone, 'tz must be an IANA time zone such as Europe/Berlin or UTC')
    .default('UTC'),
  connectionId: id().optional(),
  phoneNumberId: id().optional(),
  direction: z.enum(CALL_DIRECTIONS, { error: 'direction must be "outbound" or "inbound"' }).optional(),
  /** Admins only: a user's id, or "all". Default: the current user. */
  userId: z
    .string()
    .refine((v) => v === 'all' || ID_PATTERN.test(v), 'userId must be a user id or "all"')
    .optional(),
};

export const analyticsQuery = z.strictObject(analyticsFilterShape);

export const ANALYTICS_GROUPS = ['connection', 'number', 'agent', 'total'] as const;

/**
 * The KPI table's columns it can be sorted by: those computed from the sums of every row (the percentiles
 * are computed for the rows of the page only, so they cannot order the whole table).
 */
export const KPI_SORT_FIELDS = [
  'name',
  'calls',
  'answered',
  'asr',
  'ner',
  'acdSeconds',
  'mosAvg',
  'minutesUsed',
] as const;
export type KpiSortField = (typeof KPI_SORT_FIELDS)[number];

/** Rows per page of the KPI table when `pageSize` is not given (5,000 numbers are a hundred pages). */
export const KPI_PAGE_SIZE = 50;

export const kpiQuery = z.strictObject({
  ...analyticsFilterShape,
  by: z
    .enum(ANALYTICS_GROUPS, { error: `by must be one of ${ANALYTICS_GROUPS.join(', ')}` })
    .default('connection'),
  ...pageFields,
  /** Default: `-calls` (the busiest first); ties by the row's key. */
  sort: sortParam(KPI_SORT_FIELDS).optional(),
});

export const trendsQuery = z.strictObject({
  ...analyticsFilterShape,
  bucket: z.enum(['day', 'week'], { error: 'bucket must be "day" or "week"' }).default('day'),
});

export type AnalyticsQuery = z.infer<typeof analyticsQuery>;
export type KpiQuery = z.infer<typeof kpiQuery>;
export type TrendsQuery = z.infer<typeof trendsQuery>;
