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

export interface RunningServer {
  app: FastifyInstance;
  services: Services;
  database: DatabaseHandle;
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: Config = loadConfig()): Promise<RunningServer> {
  const database = openDatabase(config.database);
  await migrateToLatest(database.db);
  const services = createServices({ config, db: database.db, databaseKind: database.kind });
  const app = await buildApp({ config, services, serveWeb: true });
  await app.listen({ host: config.host, port: config.port });
  const jobs = startJobs(services, app.log);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  return {
    app,
    services,
    database,
    url,
    async close() {
      await jobs.stop();
      await app.close();
      await database.close();
    },
  };
}
