import type { FastifyInstance } from 'fastify';
import type { Services } from '../container.js';

export function healthRoutes(app: FastifyInstance, services: Services): void {
  app.get('/health', { config: { access: 'public' } }, async () => {
    await services.databaseHealth.ping();
    return { status: 'ok', database: services.databaseHealth.kind };
  });
}
