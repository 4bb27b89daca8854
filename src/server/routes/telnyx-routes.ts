/**
 * Telnyx routes: the live fallback list (the seed's path), the admin's sync (start, progress, history,
 * drift) and pushing an assignment to Telnyx. Thin: parse, authorise, call one service.
 * (`GET /api/connections?source=telnyx` is served by the connections route through the same service.)
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SyncStartedDto } from '../../shared/telnyx.js';
import { requireAuth } from '../plugins/session-guard.js';
import type { TelnyxServices } from '../services/telnyx-services.js';

const idParam = (what: string) =>
  z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, `${what} id is not valid`),
  });

export function telnyxRoutes(app: FastifyInstance, telnyx: TelnyxServices): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/telnyx/telnyx-connections', { config: { access: 'signed-in' } }, (request) =>
    telnyx.connections.list(requireAuth(request).user),
  );

  api.post(
    '/admin/sync/telnyx',
    { config: { access: 'admin' }, schema: { body: z.strictObject({}).optional() } },
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
      schema: { querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).optional() }) },
    },
    async (request) => ({ runs: await telnyx.sync.listRuns(request.query.limit ?? 50) }),
  );

  api.get(
    '/admin/sync/runs/:id',
    { config: { access: 'admin' }, schema: { params: idParam('Sync run') } },
    (request) => telnyx.sync.getRun(request.params.id),
  );

  api.get('/admin/sync/drift', { config: { access: 'admin' } }, () => telnyx.sync.driftReport());

  api.post(
    '/admin/assignments/:id/push-telnyx',
    {
      config: { access: 'admin' },
      schema: { params: idParam('Assignment'), body: z.strictObject({}).optional() },
    },
    (request) => telnyx.assignments.push(request.params.id, requireAuth(request).user.id),
  );
}
