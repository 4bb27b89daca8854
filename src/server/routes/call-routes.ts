/**
 * /api/calls: the phone writes call records (start, progress/end, heartbeat); the history page, the
 * CSV export and the analytics read them. Thin: parse, identify the user, call CallService.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CALL_DIRECTIONS, CALL_OUTCOMES } from '../../shared/domain.js';
import type { Services } from '../container.js';
import { requireAuth } from '../plugins/session-guard.js';
import type { CallQuery } from '../services/call-service.js';
import { callsToCsv } from './call-csv.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const id = (what: string) =>
  z.string({ error: `${what} is required` }).regex(ID, `${what} is not a valid id`);

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** True when y-m-d is a real calendar day (Date would roll 2026-02-30 over to March). */
function realDay(y: string, m: string, d: string): boolean {
  const t = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return (
    t.getUTCFullYear() === Number(y) && t.getUTCMonth() === Number(m) - 1 && t.getUTCDate() === Number(d)
  );
}

/** An ISO date-time with a time zone, normalised to UTC `toISOString()` form (how the database stores them). */
const dateTime = (what: string) =>
  z.string().transform((v, ctx) => {
    const m = DATE_TIME.exec(v);
    const t = Date.parse(v);
    if (
      !m ||
      !realDay(m[1]!, m[2]!, m[3]!) ||
      Number.isNaN(t) ||
      t < Date.UTC(1970, 0, 1) ||
      t > Date.UTC(9999, 0, 1)
    ) {
      ctx.addIssue({
        code: 'custom',
        message: `${what} must be an ISO 8601 date-time with a time zone, e.g. 2026-11-24T17:30:00Z`,
      });
      return z.NEVER;
    }
    return new Date(t).toISOString();
  });

/**
 * A filter bound: an ISO date (a whole UTC day) or date-time. Returns the inclusive lower bound for
 * `from` and the exclusive upper bound for `to`, so "to=2026-11-24" includes that whole day.
 */
const bound = (what: 'from' | 'to') =>
  z.string().transform((v, ctx) => {
    const d = DATE_ONLY.exec(v);
    if (d && realDay(d[1]!, d[2]!, d[3]!)) {
      const start = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]));
      return new Date(what === 'from' ? start : start + 86_400_000).toISOString();
    }
    const m = DATE_TIME.exec(v);
    const t = Date.parse(v);
    if (!m || !realDay(m[1]!, m[2]!, m[3]!) || Number.isNaN(t)) {
      ctx.addIssue({
        code: 'custom',
        message: `${what} must be an ISO date (2026-11-24) or date-time with a time zone (2026-11-24T17:30:00Z)`,
      });
      return z.NEVER;
    }
    return new Date(what === 'from' ? t : t + 1).toISOString();
  });

const E164 = /^\+[1-9]\d{1,14}$/;
/** People paste numbers with spaces, dots, dashes and brackets; the record keeps the bare form. */
const stripFormatting = (v: string) => v.trim().replace(/[\s().-]/g, '');
// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

const startBody = z
  .strictObject({
    connectionId: id('connectionId'),
    callerNumber: z
      .string()
      .transform(stripFormatting)
      .pipe(z.string().regex(E164, 'callerNumber must be an E.164 number such as +13125550100'))
      .nullish(),
    phoneNumberId: id('phoneNumberId').nullish(),
    remoteNumber: z
      .string({ error: 'remoteNumber is required' })
      .trim()
      .min(1, 'remoteNumber is required')
      .max(128, 'remoteNumber is too long (at most 128 characters)')
      .refine((v) => !CONTROL.test(v), 'remoteNumber contains control characters'),
    direction: z.enum(CALL_DIRECTIONS, { error: 'direction must be "outbound" or "inbound"' }),
    sipCallId: z.string().trim().min(1).max(256).nullish(),
  })
  .transform((b, ctx) => {
    if (b.direction === 'outbound') {
      const dialled = stripFormatting(b.remoteNumber);
      if (!/^\+?[0-9*#]{1,32}$/.test(dialled)) {
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

const updateBody = z.strictObject({
  outcome: z
    .enum(CALL_OUTCOMES, { error: `outcome must be one of ${CALL_OUTCOMES.join(', ')}` })
    .refine((o) => o !== 'abandoned', 'outcome "abandoned" is set by the server only')
    .optional(),
  answeredAt: dateTime('answeredAt').nullish(),
  endedAt: dateTime('endedAt').nullish(),
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

const idParams = z.strictObject({ id: id('Call id') });

const filterShape = {
  from: bound('from').optional(),
  to: bound('to').optional(),
  connectionId: id('connectionId').optional(),
  phoneNumberId: id('phoneNumberId').optional(),
  direction: z.enum(CALL_DIRECTIONS, { error: 'direction must be "outbound" or "inbound"' }).optional(),
  outcome: z.enum(CALL_OUTCOMES, { error: `outcome must be one of ${CALL_OUTCOMES.join(', ')}` }).optional(),
  q: z
    .string()
    .transform(stripFormatting)
    .pipe(z.string().max(64, 'q is too long (at most 64 characters)'))
    .optional(),
  userId: z
    .string()
    .refine((v) => v === 'all' || ID.test(v), 'userId must be a user id or "all"')
    .optional(),
};

const listQuery = z.strictObject({
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
const exportQuery = z.strictObject(filterShape);
const statsQuery = z.strictObject({ from: filterShape.from, to: filterShape.to, userId: filterShape.userId });

type Filters = Partial<{
  [K in keyof typeof filterShape]: z.output<(typeof filterShape)[K]>;
}>;

function toCallQuery(f: Filters): CallQuery {
  return {
    fromIso: f.from,
    toExclusiveIso: f.to,
    connectionId: f.connectionId,
    phoneNumberId: f.phoneNumberId,
    direction: f.direction,
    outcome: f.outcome,
    q: f.q || undefined,
    userId: f.userId,
  };
}

export function callRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const actorOf = (request: Parameters<typeof requireAuth>[0]) => {
    const { user } = requireAuth(request);
    return { id: user.id, role: user.role };
  };

  api.post(
    '/calls',
    { schema: { body: startBody }, config: { access: 'signed-in' } },
    async (request, reply) => {
      const call = await services.calls.start(actorOf(request), request.body);
      return reply.status(201).send(call);
    },
  );

  api.get('/calls', { schema: { querystring: listQuery }, config: { access: 'signed-in' } }, (request) => {
    const { page, pageSize, ...filters } = request.query;
    return services.calls.list(actorOf(request), toCallQuery(filters), page, pageSize);
  });

  api.get(
    '/calls/export.csv',
    { schema: { querystring: exportQuery }, config: { access: 'signed-in' } },
    (request, reply) => {
      const actor = actorOf(request);
      const query = toCallQuery(request.query);
      services.calls.checkQuery(actor, query); // errors answer as JSON before the download starts
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="calls-${day}.csv"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(callsToCsv(services.calls.exportRows(actor, query))));
    },
  );

  api.get(
    '/calls/stats',
    { schema: { querystring: statsQuery }, config: { access: 'signed-in' } },
    (request) => services.calls.stats(actorOf(request), toCallQuery(request.query)),
  );

  api.get('/calls/:id', { schema: { params: idParams }, config: { access: 'signed-in' } }, (request) =>
    services.calls.get(actorOf(request), request.params.id),
  );

  api.patch(
    '/calls/:id',
    { schema: { params: idParams, body: updateBody }, config: { access: 'signed-in' } },
    (request) => services.calls.update(actorOf(request), request.params.id, request.body),
  );

  // No body needed (the browser may send none, or {}).
  api.post(
    '/calls/:id/heartbeat',
    { schema: { params: idParams }, config: { access: 'signed-in' } },
    (request) => services.calls.heartbeat(actorOf(request), request.params.id),
  );
}
