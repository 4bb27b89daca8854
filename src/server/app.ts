/**
 * Builds the Fastify application: plugins, the error handler, the session guard and every route.
 * Nothing here listens on a port, so tests inject requests or listen on port 0.
 */
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import type { Services } from './container.js';
import { createLoggerOptions } from './logger.js';
import { registerErrorHandler } from './plugins/error-handler.js';
import { registerSessionGuard } from './plugins/session-guard.js';
import { registerRoutes } from './routes/index.js';
import { registerWebApp } from './plugins/web-app.js';

export interface BuildAppOptions {
  config: Config;
  services: Services;
  /** Where log lines go (tests capture them to prove secrets never reach the log). */
  logStream?: NodeJS.WritableStream;
  /** Serve the built web app from config.webDistDir (off in API tests). */
  serveWeb?: boolean;
  /** Called for every route as it is registered (tests collect the route table with it). */
  onRoute?: (route: RouteOptions) => void;
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config, services } = options;
  const app = Fastify({
    logger: createLoggerOptions(config, options.logStream),
    bodyLimit: 64 * 1024,
    trustProxy: true,
    // Unknown fields are rejected by the zod schemas (strict objects), not silently dropped.
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // The softphone connects to each connection's own SIP-over-WebSocket server, wherever it is.
        connectSrc: ["'self'", 'ws:', 'wss:'],
        // PrimeVue themes inject their CSS variables at run time.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        mediaSrc: ["'self'", 'blob:', 'mediastream:'],
        upgradeInsecureRequests: null,
      },
    },
    // Fine for an app served from its own origin; keeps cross-origin isolation from breaking audio.
    crossOriginEmbedderPolicy: false,
  });
  const spaFallback = options.serveWeb ? await registerWebApp(app, config) : false;
  registerErrorHandler(app, { spaFallback });
  registerSessionGuard(app, services);
  await app.register(
    async (api) => {
      await registerRoutes(api, services, config);
    },
    { prefix: '/api' },
  );
  return app;
}
