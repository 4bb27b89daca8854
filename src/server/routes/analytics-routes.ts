/**
 * /api/analytics: the KPIs and charts of the Analytics page (and `dialer report kpis`). Every route is
 * for any signed-in user; the service scopes the calls (an agent's own; an admin's choice with userId).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { analyticsQuery, kpiQuery, trendsQuery } from '../../shared/schemas/analytics.js';
import type { Services } from '../container.js';
import { requireAuth } from '../plugins/session-guard.js';

export function analyticsRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const a = services.analytics;
  const actorOf = (request: Parameters<typeof requireAuth>[0]) => {
    const { user } = requireAuth(request);
    return { id: user.id, role: user.role };
  };
  const signedIn = { access: 'signed-in' } as const;

  api.get('/analytics/filters', { config: signedIn }, (request) => a.filterOptions(actorOf(request)));
  api.get('/analytics/kpis', { schema: { querystring: kpiQuery }, config: signedIn }, (request) =>
    a.kpis(actorOf(request), request.query),
  );
  api.get('/analytics/trends', { schema: { querystring: trendsQuery }, config: signedIn }, (request) =>
    a.trends(actorOf(request), request.query),
  );
  api.get('/analytics/heatmap', { schema: { querystring: analyticsQuery }, config: signedIn }, (request) =>
    a.heatmap(actorOf(request), request.query),
  );
  api.get(
    '/analytics/destinations',
    { schema: { querystring: analyticsQuery }, config: signedIn },
    (request) => a.destinations(actorOf(request), request.query),
  );
  api.get('/analytics/quality', { schema: { querystring: analyticsQuery }, config: signedIn }, (request) =>
    a.quality(actorOf(request), request.query),
  );
  api.get('/analytics/failures', { schema: { querystring: analyticsQuery }, config: signedIn }, (request) =>
    a.failures(actorOf(request), request.query),
  );
}
