/**
 * Every route module is registered here, under /api. Add a module with one line; each of its routes
 * declares `config: { access }` (the server does not start with a route that does not).
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Services } from '../container.js';
import type { Metrics } from '../metrics.js';
import { authRoutes } from './auth-routes.js';
import { adminRoutes } from './admin-routes.js';
import { analyticsRoutes } from './analytics-routes.js';
import { connectionRoutes } from './connection-routes.js';
import { callRoutes } from './call-routes.js';
import { eventRoutes } from './event-routes.js';
import { healthRoutes } from './health-routes.js';
import { telnyxRoutes } from './telnyx-routes.js';
import { trunkHealthRoutes } from './trunk-health-routes.js';

export async function registerRoutes(
  app: FastifyInstance,
  services: Services,
  config: Config,
  metrics: Metrics,
): Promise<void> {
  healthRoutes(app, services, metrics);
  await authRoutes(app, services, config);
  connectionRoutes(app, services);
  await adminRoutes(app, services);
  callRoutes(app, services);
  analyticsRoutes(app, services);
  telnyxRoutes(app, services.telnyx);
  trunkHealthRoutes(app, services);
  eventRoutes(app, services);
}
