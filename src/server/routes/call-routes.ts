/**
 * /api/calls: the phone gets call approvals and writes call records (start, progress/end, heartbeat); the history page, the
 * CSV export and the analytics read them. Thin: parse, identify the user, call CallService.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  callApprovalBody,
  callIdParams,
  callStatsQuery,
  exportCallsQuery,
  listCallsQuery,
  startCallBody,
  updateCallBody,
  type CallFilters,
} from '../../shared/schemas/calls.js';
import type { Services } from '../container.js';
import { requireAuth } from '../plugins/session-guard.js';
import type { CallQuery } from '../services/call-service.js';
import { callsToCsv } from './call-csv.js';

function toCallQuery(f: CallFilters): CallQuery {
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
    { schema: { body: startCallBody }, config: { access: 'signed-in' } },
    async (request, reply) => {
      const call = await services.calls.start(actorOf(request), request.body);
      return reply.status(201).send(call);
    },
  );

  // Ahead of the click: this user may call from this connection with this caller ID (see CallService.approve).
  api.post(
    '/calls/approvals',
    { schema: { body: callApprovalBody }, config: { access: 'signed-in' } },
    async (request, reply) => {
      const approval = await services.calls.approve(actorOf(request), request.body);
      return reply.status(201).send(approval);
    },
  );

  api.get(
    '/calls',
    { schema: { querystring: listCallsQuery }, config: { access: 'signed-in' } },
    (request) => {
      const { page, pageSize, ...filters } = request.query;
      return services.calls.list(actorOf(request), toCallQuery(filters), page, pageSize);
    },
  );

  api.get(
    '/calls/export.csv',
    { schema: { querystring: exportCallsQuery }, config: { access: 'signed-in' } },
    (request, reply) => {
      const actor = actorOf(request);
      const query = toCallQuery(request.query);
      services.calls.checkQuery(actor, query); // errors answer as JSON before the download starts
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="calls-${day}.csv"`)
        .header('cache-control', 'no-store')
        .send(callsToCsv(services.calls.exportRows(actor, query)));
    },
  );

  api.get(
    '/calls/stats',
    { schema: { querystring: callStatsQuery }, config: { access: 'signed-in' } },
    (request) => services.calls.stats(actorOf(request), toCallQuery(request.query)),
  );

  api.get('/calls/:id', { schema: { params: callIdParams }, config: { access: 'signed-in' } }, (request) =>
    services.calls.get(actorOf(request), request.params.id),
  );

  api.patch(
    '/calls/:id',
    { schema: { params: callIdParams, body: updateCallBody }, config: { access: 'signed-in' } },
    (request) => services.calls.update(actorOf(request), request.params.id, request.body),
  );

  // No body needed (the browser may send none, or {}).
  api.post(
    '/calls/:id/heartbeat',
    { schema: { params: callIdParams }, config: { access: 'signed-in' } },
    (request) => services.calls.heartbeat(actorOf(request), request.params.id),
  );
}
