import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Services } from '../container.js';

export function healthRoutes(app: FastifyInstance, services: Services): void {
  app.get('/health', { config: { access: 'public' } }, async () => {
    await sql`select 1`.execute(services.db);
    return { status: 'ok', database: services.databaseKind };
  });
}
