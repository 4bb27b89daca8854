/**
 * Starts the server: config, database (migrated), services, HTTP and the periodic jobs (the only place
 * that starts them). Used by `dialer serve` and `npm start`.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { loadConfig, type Config } from './config.js';
import { createServices, type Services } from './container.js';
import { migrateToLatest, openDatabase, type DatabaseHandle } from './db/database.js';
import { startJobs } from './jobs/index.js';
import { Metrics } from './metrics.js';
import { restrictExistingDir } from './private-files.js';

export interface RunningServer {
  app: FastifyInstance;
  services: Services;
  database: DatabaseHandle;
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: Config = loadConfig()): Promise<RunningServer> {
  // Password hashes, encrypted secrets and the key live there: readable by this account only.
  restrictExistingDir(config.dataDir);
  const database = openDatabase(config.database);
  await migrateToLatest(database.db);
  const services = createServices({
    config,
    db: database.db,
    databaseKind: database.kind,
    poolStats: () => database.poolStats(),
  });
  const metrics = new Metrics(services.databaseHealth, {
    processMetrics: true,
    liveStreams: services.liveStream,
  });
  const app = await buildApp({ config, services, serveWeb: true, metrics });
  // While shutting down, every answer tells the client not to reuse its connection, so the connection of
  // a request that was in flight closes with its response instead of holding the shutdown open.
  let draining = false;
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) void reply.header('connection', 'close');
    done(null, payload);
  });
  await app.listen({ host: config.host, port: config.port });
  const jobs = startJobs(services, app.log, metrics);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  return {
    app,
    services,
    database,
    url,
    /**
     * Graceful stop, in the order that loses nothing: no new job runs; no new connections, while the
     * requests in flight finish (Fastify answers 503 to new requests on kept-alive connections, then
     * closes them); then the background timers and the database those requests were using.
     */
    async close() {
      draining = true;
      await jobs.stop();
      await app.close();
      app.log.info('HTTP server closed: no new connections, requests in flight finished');
      await database.close();
      app.log.info('background jobs stopped, database closed');
    },
  };
}
