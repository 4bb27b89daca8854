/**
 * Operations endpoints: liveness, readiness and the Prometheus metrics.
 *   GET /api/health  alive: the process answers HTTP (never touches the database, so a database outage
 *                    does not get healthy instances restarted);
 *   GET /api/ready   ready for traffic: the database answers and is migrated; else 503 with the reason;
 *   GET /api/metrics Prometheus text; access 'metrics' (METRICS_TOKEN bearer or an admin session).
 */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../container.js';
import type { Metrics } from '../metrics.js';
import { NotReadyError } from '../services/readiness-service.js';

export function healthRoutes(app: FastifyInstance, services: Services, metrics: Metrics): void {
  app.get('/health', { config: { access: 'public' } }, () => ({
    status: 'ok',
    database: services.databaseHealth.kind,
  }));
  app.get('/ready', { config: { access: 'public' } }, async (request, reply) => {
    try {
      return await services.readiness.check();
    } catch (err) {
      if (err instanceof NotReadyError) {
        request.log.warn({ reason: err.message, cause: causeText(err.cause) }, 'not ready');
        void reply.header('retry-after', '5');
      }
      throw err;
    }
  });
  app.get('/metrics', { config: { access: 'metrics' } }, async (_request, reply) => {
    const text = await metrics.render();
    return reply.type(metrics.contentType).send(text);
  });
}

function causeText(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (cause instanceof Error) return cause.message || cause.name;
  return typeof cause === 'string' ? cause : 'unknown';
}
