/**
 * Builds the Fastify application: plugins, the error handler, the session guard and every route.
 * Nothing here listens on a port, so tests inject requests or listen on port 0.
 * Every route declares who may call it (`config: { access }`, see plugins/session-guard.ts); registering
 * one without a declaration throws, so the server cannot start with it.
 */
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import type { Services } from './container.js';
import { createLoggerOptions } from './logger.js';
import { Metrics } from './metrics.js';
import { clientErrorHandler, frameworkErrorHandler, registerErrorHandler } from './plugins/error-handler.js';
import { registerSessionGuard, requireAccessDeclarations } from './plugins/session-guard.js';
import { registerStorableTextCheck } from './plugins/storable-text.js';
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
  /** Shared with the job scheduler by `serve`; default a registry of this app's own. */
  metrics?: Metrics;
}

/** Trust X-Forwarded-For from the nearest `hops` proxies. */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config, services } = options;
  const app = Fastify({
    logger: createLoggerOptions(config, options.logStream),
    bodyLimit: 64 * 1024,
    // Off unless TRUST_PROXY names the proxies: otherwise any client picks its address (and so escapes
    // the per-address login limit) with X-Forwarded-For.
    trustProxy:
      typeof config.trustProxy === 'number'
        ? trustHops(config.trustProxy) // what Fastify does with a number; its types only take a function
        : config.trustProxy,
    // Errors raised before any route runs get the same answer shape as the rest.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // Unknown fields are rejected by the zod schemas (strict objects), not silently dropped.
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  requireAccessDeclarations(app);
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
  // API answers carry user data or the CSRF token: never stored by a browser or a proxy. The web app's
  // files set their own caching.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    return payload;
  });
  const metrics =
    options.metrics ?? new Metrics(services.databaseHealth, { liveStreams: services.liveStream });
  // By route pattern (never the raw URL: one series per route, whatever ids are asked for).
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  registerStorableTextCheck(app);
  if (options.serveWeb) await registerWebApp(app, config);
  registerErrorHandler(app);
  registerSessionGuard(app, services);
  await app.register(
    async (api) => {
      await registerRoutes(api, services, config, metrics);
    },
    { prefix: '/api' },
  );
  return app;
}
