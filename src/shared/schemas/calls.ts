/**
 * Request schemas of the call-records API (/api/calls), used by the server's routes, with the types the
 * call service takes (`z.infer`: numbers stripped of formatting, timestamps normalised to UTC). The wire
 * shapes the phone sends are in call-api.ts.
 */
import { z } from 'zod';
import { CALLER_VERIFICATIONS, CALL_DIRECTIONS, CALL_ENDED_BY, CALL_OUTCOMES } from '../domain.js';
import { ID_PATTERN } from '../value-rules.js';
import { e164, isoBound, isoDateTimeUtc, stripNumberFormatting } from './common.js';

/** An id field with its name in the message (these messages are shown without the field prefix too). */
const id = (what: string) =>
  z.string({ error: `${what} is required` }).regex(ID_PATTERN, `${what} is not a valid id`);

const dateTime = (what: string) =>
  isoDateTimeUtc(`${what} must be an ISO 8601 date-time with a time zone, e.g. 2026-11-24T17:30:00Z`);

const bound = (what: 'from' | 'to') =>
  isoBound(
    what,
    `${what} must be an ISO date (2026-11-24) or date-time with a time zone (2026-11-24T17:30:00Z)`,
  );

// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

const callerVerification = z.enum(CALLER_VERIFICATIONS, {
  error: `callerVerification must be one of ${CALLER_VERIFICATIONS.join(', ')}`,
});

/** What an outbound call's dialled number may be once formatting is stripped. */
const DIALLED = /^\+?[0-9*#]{1,32}$/;

export const startCallBody = z
  .strictObject({
    connectionId: id('connectionId'),
    callerNumber: e164().nullish(),
    phoneNumberId: id('phoneNumberId').nullish(),
    remoteNumber: z
      .string({ error: 'remoteNumber is required' })
      .trim()
      .min(1, 'remoteNumber is required')
      .max(128, 'remoteNumber is too long (at most 128 characters)')
      .refine((v) => !CONTROL.test(v), 'remoteNumber contains control characters'),
    direction: z.enum(CALL_DIRECTIONS, { error: 'direction must be "outbound" or "inbound"' }),
    sipCallId: z.string().trim().min(1).max(256).nullish(),
    /** Outbound: when the INVITE left (defaults to the server's time of the request); inbound: when it arrived. */
    inviteAt: dateTime('inviteAt').nullish(),
    /** Inbound: the caller's STIR/SHAKEN verification, when the carrier sent one. */
    callerVerification: callerVerification.nullish(),
    /** Failover: the id of this user's earlier attempt that this call retries. */
    retryOfCallId: id('retryOfCallId').nullish(),
  })
  .transform((b, ctx) => {
    if (b.direction === 'outbound') {
      const dialled = stripNumberFormatting(b.remoteNumber);
      if (!DIALLED.test(dialled)) {
        ctx.addIssue({
          code: 'custom',
          path: ['remoteNumber'],
          message: 'remoteNumber must be the dialled number: digits, * or #, with an optional leading +',
        });
        return z.NEVER;
      }
      if (!b.callerNumber && !b.phoneNumberId) {
        ctx.addIssue({
          code: 'custom',
          path: ['callerNumber'],
          message: 'Choose a caller ID: send callerNumber (E.164) or phoneNumberId',
        });
        return z.NEVER;
      }
      return { ...b, remoteNumber: dialled };
    }
    return b;
  });

const nullableMetric = (what: string, max: number) =>
  z
    .number({ error: `${what} must be a number` })
    .min(0, `${what} cannot be negative`)
    .max(max, `${what} must be at most ${max}`)
    .nullish();

export const updateCallBody = z.strictObject({
  outcome: z
    .enum(CALL_OUTCOMES, { error: `outcome must be one of ${CALL_OUTCOMES.join(', ')}` })
    .refine((o) => o !== 'abandoned', 'outcome "abandoned" is set by the server only')
    .optional(),
  inviteAt: dateTime('inviteAt').nullish(),
  /** The first provisional response (18x): post-dial delay = progressAt - inviteAt. */
  progressAt: dateTime('progressAt').nullish(),
  answeredAt: dateTime('answeredAt').nullish(),
  endedAt: dateTime('endedAt').nullish(),
  endedBy: z.enum(CALL_ENDED_BY, { error: `endedBy must be one of ${CALL_ENDED_BY.join(', ')}` }).nullish(),
  /** How many network interruptions the call has lived through so far (only ever goes up). */
  interruptions: z
    .number({ error: 'interruptions must be a number' })
    .int('interruptions must be a whole number')
    .min(0, 'interruptions cannot be negative')
    .max(10_000, 'interruptions must be at most 10000')
    .optional(),
  /** When the latest interruption began; sent with the new `interruptions` count. */
  interruptedAt: dateTime('interruptedAt').nullish(),
  /** How long the call took to recover from the latest interruption, ms (null: not recovered). */
  recoveredAfterMs: z
    .number({ error: 'recoveredAfterMs must be a number' })
    .int('recoveredAfterMs must be a whole number')
    .min(0, 'recoveredAfterMs cannot be negative')
    .max(86_400_000, 'recoveredAfterMs must be at most 86400000 (a day)')
    .nullish(),
  callerVerification: callerVerification.nullish(),
  hangupCause: z
    .string()
    .trim()
    .max(200, 'hangupCause is too long (at most 200 characters)')
    .refine((v) => !CONTROL.test(v), 'hangupCause contains control characters')
    .transform((v) => (v === '' ? null : v))
    .nullish(),
  sipCallId: z.string().trim().min(1).max(256, 'sipCallId is too long (at most 256 characters)').nullish(),
  sipCode: z
    .number({ error: 'sipCode must be a number' })
    .int('sipCode must be a whole number')
    .min(100, 'sipCode must be a SIP status code (100-699)')
    .max(699, 'sipCode must be a SIP status code (100-699)')
    .nullish(),
  quality: z
    .strictObject({
      mos: z
        .number({ error: 'quality.mos must be a number' })
        .min(1, 'mos is between 1 and 5')
        .max(5, 'mos is between 1 and 5')
        .nullish(),
      jitterMs: nullableMetric('jitterMs', 60_000),
      packetLossPct: nullableMetric('packetLossPct', 100),
      rttMs: nullableMetric('rttMs', 60_000),
    })
    .nullish(),
});

export const callIdParams = z.strictObject({ id: id('Call id') });

const filterShape = {
  from: bound('from').optional(),
  to: bound('to').optional(),
  connectionId: id('connectionId').optional(),
  phoneNumberId: id('phoneNumberId').optional(),
  direction: z.enum(CALL_DIRECTIONS, { error: 'direction must be "outbound" or "inbound"' }).optional(),
  outcome: z.enum(CALL_OUTCOMES, { error: `outcome must be one of ${CALL_OUTCOMES.join(', ')}` }).optional(),
  q: z
    .string()
    .transform(stripNumberFormatting)
    .pipe(z.string().max(64, 'q is too long (at most 64 characters)'))
    .optional(),
  userId: z
    .string()
    .refine((v) => v === 'all' || ID_PATTERN.test(v), 'userId must be a user id or "all"')
    .optional(),
};

export const listCallsQuery = z.strictObject({
  ...filterShape,
  page: z.coerce
    .number({ error: 'page must be a whole number' })
    .int('page must be a whole number')
    .min(1, 'page starts at 1')
    .max(1_000_000, 'page is too large')
    .default(1),
  pageSize: z.coerce
    .number({ error: 'pageSize must be a whole number' })
    .int('pageSize must be a whole number')
    .min(1, 'pageSize must be at least 1')
    .max(200, 'pageSize can be at most 200')
    .default(50),
});
export const exportCallsQuery = z.strictObject(filterShape);
export const callStatsQuery = z.strictObject({
  from: filterShape.from,
  to: filterShape.to,
  userId: filterShape.userId,
});

export type StartCallBody = z.infer<typeof startCallBody>;
export type UpdateCallBody = z.infer<typeof updateCallBody>;
/** The filters of a list, export or stats request, as validated (bounds already in UTC). */
export type CallFilters = Partial<z.infer<typeof exportCallsQuery>>;
