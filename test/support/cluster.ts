/**
 * Several Dialer instances as an operator runs them: the compiled `dialer serve` in child processes on
 * one PostgreSQL database, behind a real HAProxy (Debian's `haproxy`) started with the shipped
 * deploy/haproxy.cfg. The instances reach PostgreSQL through a TCP proxy the test controls, so a test
 * can play a database outage without touching the machine's shared PostgreSQL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/server/config.js';
import { createServices, type Services } from '../../src/server/container.js';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../../src/server/db/database.js';
import { ROOT, exited, startServe, type ServeProcess } from './cli.js';
import { createPgDatabase } from './databases.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export const HAPROXY_CFG = path.join(ROOT, 'deploy/haproxy.cfg');
export const CLUSTER_METRICS_TOKEN = 'cluster-metrics-token-0123456789abcdef';
const CREDENTIALS_KEY = 'a'.repeat(64);

export interface Cluster {
  /** HAProxy's address: what clients use. */
  url: string;
  instances: ServeProcess[];
  /** Between the instances and PostgreSQL. */
  dbProxy: TcpProxy;
  /** Services on the same database, for the test's own arrangements (direct, not through the proxy). */
  services: Services;
  haproxyLog: string[];
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

function haproxyBinary(): string {
  for (const candidate of ['/usr/sbin/haproxy', '/usr/bin/haproxy'])
    if (fs.existsSync(candidate)) return candidate;
  throw new Error(
    'haproxy is not installed: run `bash test/lab/install-lab-deps.sh` (Debian package haproxy)',
  );
}

/** Waits until `url` answers `status` (HAProxy has seen the instances ready). */
export async function waitForStatus(url: string, status: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === status) return;
      last = String(res.status);
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
}

export async function startCluster(
  options: {
    instances?: number;
    env?: Record<string, string>;
    /** How long each instance may take to start (default 30 s; a bench on a busy machine waits longer). */
    startTimeoutMs?: number;
  } = {},
): Promise<Cluster> {
  haproxyBinary();
  const pg = await createPgDatabase('dialer_cluster');
  const dataDirs: string[] = [];
  const mkdir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-cluster-'));
    dataDirs.push(dir);
    return dir;
  };
  let direct: DatabaseHandle | undefined;
  const instances: ServeProcess[] = [];
  let haproxy: ChildProcess | undefined;
  const dbProxy = await startTcpProxy('127.0.0.1', Number(new URL(pg.url).port || 5432));
  const cleanup = async () => {
    if (haproxy && haproxy.exitCode === null) {
      haproxy.kill('SIGKILL');
      await exited(haproxy);
    }
    await Promise.all(instances.map((i) => i.kill()));
    await direct?.close();
    await dbProxy.close();
    await pg.drop();
    for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The test's own view of the database (migrated first, as an operator's `dialer migrate` would).
    const config: Config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: mkdir(),
      DATABASE_URL: pg.url,
      LOG_LEVEL: 'silent',
      CREDENTIALS_KEY,
    });
    direct = openDatabase(config.database, { poolSize: 2 });
    await migrateToLatest(direct.db);
    const services = createServices({ config, db: direct.db, databaseKind: 'postgres' });

    const env = (): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      DATA_DIR: mkdir(),
      DATABASE_URL: dbProxy.urlFor(pg.url),
      DATABASE_POOL_SIZE: '4',
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      DATABASE_STATEMENT_TIMEOUT_MS: '3000',
      CREDENTIALS_KEY,
      METRICS_TOKEN: CLUSTER_METRICS_TOKEN,
      TRUST_PROXY: '1',
      LOGIN_RATE_LIMIT: '1000',
      WEB_DIST_DIR: mkdir(),
      ...options.env,
    });
    instances.push(
      ...(await Promise.all(
        Array.from({ length: options.instances ?? 2 }, () =>
          startServe([], env(), { startTimeoutMs: options.startTimeoutMs }),
        ),
      )),
    );
    const port = await freePort();
    const haproxyLog: string[] = [];
    haproxy = spawn(haproxyBinary(), ['-db', '-f', HAPROXY_CFG], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        DIALER_LB_BIND: `127.0.0.1:${port}`,
        DIALER_APP1: new URL(instances[0]!.url).host,
        DIALER_APP2: new URL(instances[1]!.url).host,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [haproxy.stdout!, haproxy.stderr!])
      stream.on('data', (b: Buffer) => haproxyLog.push(...b.toString().split('\n').filter(Boolean)));
    const url = `http://127.0.0.1:${port}`;
    await waitForStatus(`${url}/api/ready`, 200);
    return { url, instances, dbProxy, services, haproxyLog, close: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
