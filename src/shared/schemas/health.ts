/** Request schemas of trunk health: the admin's thresholds and a browser's registration report. */
import { z } from 'zod';
import { bool, int, str } from './common.js';

export const healthThresholdsBody = z.strictObject({
  failuresBeforeDown: int().min(1, 'must be at least 1').max(100, 'must be at most 100').optional(),
  successesBeforeUp: int().min(1, 'must be at least 1').max(100, 'must be at most 100').optional(),
  probeTimeoutMs: int().min(100, 'must be at least 100').max(30_000, 'must be at most 30000').optional(),
  degradedLatencyMs: int().min(1, 'must be at least 1').max(60_000, 'must be at most 60000').optional(),
  latencyWindow: int().min(1, 'must be at least 1').max(100, 'must be at most 100').optional(),
  degradedAnswerRatePct: int().min(0, 'must be 0 or more').max(100, 'must be at most 100').optional(),
  answerRateMinCalls: int().min(1, 'must be at least 1').max(10_000, 'must be at most 10000').optional(),
  answerRateWindowMinutes: int().min(1, 'must be at least 1').max(10_080, 'must be at most 10080').optional(),
});
export type HealthThresholdsBody = z.infer<typeof healthThresholdsBody>;

/** What the browser saw when it registered a connection (a passive health signal). */
export const registrationReportBody = z.strictObject({
  ok: bool(),
  /** The SIP status of a refused REGISTER (401/403...), when there was one. */
  statusCode: int().min(100).max(699).optional(),
  /** The library's cause in its own words ("Connection Error", "Rejected", "Request Timeout"). */
  cause: str().max(200, 'must be at most 200 characters').optional(),
});
export type RegistrationReportBody = z.infer<typeof registrationReportBody>;

export const healthReportQuery = z.strictObject({
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 14)
    .default(24),
});
