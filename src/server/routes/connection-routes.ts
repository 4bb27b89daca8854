/**
 * The dialer's connections: GET /api/connections (also at the seed's GET /api/telnyx/connections),
 * GET /api/connections/:id and POST /api/connections/:id/registration.
 *
 * The list routes have no response schema on purpose: the DTOs are built by our own mapper from typed
 * rows, so validating them again per request would only cost time on the hottest route. The database
 * list is answered as ready-made JSON text (ConnectionsService.listForUserJson: the same bytes as
 * JSON.stringify of listForUser, with less work), so Fastify sends it without serialising anything;
 * a repeated request is served from the service's per-user cache once the database's revision query
 * says nothing the list shows has changed since (CONNECTIONS_CACHE=off reads it every time).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { idParams } from '../../shared/schemas/common.js';
import { listConnectionsQuery } from '../../shared/schemas/connections.js';
import type { Services } from '../container.js';
import { requireAuth } from '../plugins/session-guard.js';

export function connectionRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  const list = { schema: { querystring: listConnectionsQuery }, config: { access: 'signed-in' } } as const;
  const listHandler = async (
    request: { query: { source: 'database' | 'telnyx' } } & Parameters<typeof requireAuth>[0],
    reply: FastifyReply,
  ) => {
    const user = requireAuth(request).user;
    if (request.query.source !== 'database') return services.connections.list(user, request.query.source);
    return reply
      .type('application/json; charset=utf-8')
      .send(await services.connections.listForUserJson(user));
  };
  api.get('/connections', list, listHandler);
  api.get('/telnyx/connections', list, listHandler);

  api.get('/connections/:id', { schema: { params: idParams }, config: { access: 'signed-in' } }, (request) =>
    services.connections.getForUser(requireAuth(request).user, request.params.id),
  );

  api.post(
    '/connections/:id/registration',
    { schema: { params: idParams }, config: { access: 'signed-in' } },
    async (request, reply) => {
      const result = await services.registration.registrationFor(
        requireAuth(request).user,
        request.params.id,
      );
      request.log.debug(
        { connectionId: result.connectionId, provider: result.provider, fallback: result.fallback },
        'registration issued',
      );
      // Carries a password or token: never cached by the browser or a proxy.
      void reply.header('cache-control', 'no-store');
      return result;
    },
  );
}
