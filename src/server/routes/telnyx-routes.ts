/**
 * Telnyx routes: the live fallback list (the seed's path), the admin's sync (start, progress, history,
 * drift) and pushing an assignment to Telnyx. Thin: parse, authorise, call one service.
 * (`GET /api/connections?source=telnyx` is served by the connections route through the same service.)
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { idParams } from '../../shared/schemas/common.js';
import { emptyBody, listSyncRunsQuery } from '../../shared/schemas/telnyx.js';
import type { SyncStartedDto } from '../../shared/telnyx.js';
import { requireAuth } from '../plugins/session-guard.js';
import type { TelnyxServices } from '../services/telnyx-services.js';

export function telnyxRoutes(app: FastifyInstance, telnyx: TelnyxServices): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/telnyx/telnyx-connections', { config: { access: 'signed-in' } }, (request) =>
    telnyx.connections.list(requireAuth(request).user),
  );

  api.post(
    '/admin/sync/telnyx',
    { config: { access: 'admin' }, schema: { body: emptyBody } },
    async (request, reply): Promise<SyncStartedDto> => {
      const { run, done } = await telnyx.sync.start({ triggeredBy: requireAuth(request).user.id });
      // The run records its own failure; nothing is left to await here.
      done.catch((err: unknown) => request.log.error({ err }, 'telnyx sync crashed'));
      void reply.status(202);
      return { runId: run.id, status: run.status };
    },
  );

  api.get(
    '/admin/sync/runs',
    {
      config: { access: 'admin' },
      schema: { querystring: listSyncRunsQuery },
    },
    async (request) => ({ runs: await telnyx.sync.listRuns(request.query.limit ?? 50) }),
  );

  api.get('/admin/sync/runs/:id', { config: { access: 'admin' }, schema: { params: idParams } }, (request) =>
    telnyx.sync.getRun(request.params.id),
  );

  api.get('/admin/sync/drift', { config: { access: 'admin' } }, () => telnyx.sync.driftReport());

  api.post(
    '/admin/assignments/:id/push-telnyx',
    {
      config: { access: 'admin' },
      schema: { params: idParams, body: emptyBody },
    },
    (request) => telnyx.assignments.push(request.params.id, requireAuth(request).user.id),
  );
}
