/**
 * Query parameters of the analytics API (/api/analytics/*), shared by the server's routes, the
 * Analytics page and the CLI. Dates are local calendar dates in `tz` (the viewer's IANA time zone),
 * both inclusive; without them the last 30 days up to today.
 */
import { z } from 'zod';
import { CALL_DIRECTIONS } from '../domain.js';
import { isValidTimeZone } from '../time-zone.js';
import { ID_PATTERN } from '../value-rules.js';
import { id } from './common.js';

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

export const kpiQuery = z.strictObject({
  ...analyticsFilterShape,
  by: z
    .enum(ANALYTICS_GROUPS, { error: `by must be one of ${ANALYTICS_GROUPS.join(', ')}` })
    .default('connection'),
});

export const trendsQuery = z.strictObject({
  ...analyticsFilterShape,
  bucket: z.enum(['day', 'week'], { error: 'bucket must be "day" or "week"' }).default('day'),
});

export type AnalyticsQuery = z.infer<typeof analyticsQuery>;
export type KpiQuery = z.infer<typeof kpiQuery>;
export type TrendsQuery = z.infer<typeof trendsQuery>;
