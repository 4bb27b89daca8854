/**
 * The benchmark's server process: the real app (buildApp, every plugin, auth, the connections route)
 * twice on the same database, as configured by default (per-user response cache validated by the
 * revision query) and with CONNECTIONS_CACHE=off (every request reads the list), and, beside them, a
 * bare Fastify route that runs the same two queries as the app's ConnectionsService.listForUserJson (on
 * SQLite the numbers query that returns each trunk's numbers as JSON text, on PostgreSQL the rows query)
 * and JSON.stringify of what they return, with no auth, no mapping and no schema: the floor of this
 * stack. It runs in its own
 * process so the load generator does not share its event loop. It prints one JSON line with the ports.
 */
import Fastify from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { createServices } from '../../src/server/container.js';
import { openDatabase } from '../../src/server/db/database.js';
import { AssignmentRepository } from '../../src/server/repositories/assignment-repository.js';
import { TrunkRepository } from '../../src/server/repositories/trunk-repository.js';

const benchUserId = process.env.BENCH_USER_ID;
if (!benchUserId) throw new Error('BENCH_USER_ID is required');

const config = loadConfig({ ...process.env, CONNECTIONS_CACHE: 'on' });
const database = openDatabase(config.database);
const services = createServices({ config, db: database.db, databaseKind: database.kind });
const app = await buildApp({ config, services });
await app.listen({ host: '127.0.0.1', port: 0 });
const uncachedConfig = loadConfig({ ...process.env, CONNECTIONS_CACHE: 'off' });
const uncachedServices = createServices({
  config: uncachedConfig,
  db: database.db,
  databaseKind: database.kind,
});
const uncachedApp = await buildApp({ config: uncachedConfig, services: uncachedServices });
await uncachedApp.listen({ host: '127.0.0.1', port: 0 });

const trunks = new TrunkRepository(database.db);
const assignments = new AssignmentRepository(database.db);
// The app's SQL: keep in step with ConnectionsService.listForUserJson.
const numbersQuery = (ownerId: string): Promise<unknown[]> =>
  assignments.buildsConnectionJson
    ? assignments.listActiveJsonForOwner(ownerId)
    : assignments.listActiveForOwner(ownerId);
const floorAnswer = async (): Promise<string> => {
  const [t, n] = await Promise.all([trunks.listActiveForOwner(benchUserId), numbersQuery(benchUserId)]);
  return JSON.stringify({ trunks: t, numbers: n });
};
const bare = Fastify({ logger: false });
bare.get('/bare/connections', async (_request, reply) => {
  return reply.type('application/json; charset=utf-8').send(await floorAnswer());
});
// The app's answer computed once and kept, served with no SQL at all: the ceiling of any response cache
// (the app's own cache still runs one revision query per request).
let cached: string | undefined;
bare.get('/bare/cached', async (_request, reply) => {
  cached ??= await uncachedServices.connections.listForUserJson({ id: benchUserId });
  return reply.type('application/json; charset=utf-8').send(cached);
});

// CPU time of this process, read before and after each load run: per-request CPU cost is a fair
// comparison even when other work on the machine makes wall-clock latency noisy.
bare.get('/bare/cpu', () => {
  const u = process.cpuUsage();
  return { userMicros: u.user, systemMicros: u.system };
});
await bare.listen({ host: '127.0.0.1', port: 0 });

const portOf = (server: typeof bare.server): number => {
  const a = server.address();
  return typeof a === 'object' && a ? a.port : 0;
};
process.stdout.write(
  JSON.stringify({
    appPort: portOf(app.server),
    uncachedAppPort: portOf(uncachedApp.server),
    barePort: portOf(bare.server),
  }) + '\n',
);

const shutdown = async (): Promise<void> => {
  await bare.close();
  await app.close();
  await uncachedApp.close();
  await database.close();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
