/**
 * An API test harness: a migrated test database (SQLite or PostgreSQL), the real services and the real
 * Fastify app listening on an ephemeral port, plus helpers to log in and make requests with the session
 * cookie and CSRF token, the way the browser does. Log lines are captured so tests can assert on them.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { createServices, type ServiceOverrides, type Services } from '../../src/server/container.js';
import type { DatabaseKind } from '../../src/server/db/database.js';
import type { PasswordHasher } from '../../src/server/repositories/password-hasher.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

export interface TestApp {
  kind: DatabaseKind;
  app: FastifyInstance;
  services: Services;
  database: TestDatabase;
  baseUrl: string;
  /** Every log line the server wrote. */
  logs: string[];
  /** Every response body the harness received (for secret-leak checks). */
  responses: string[];
  login(email: string, password: string): Promise<Client>;
  anonymous(): Client;
  close(): Promise<void>;
}

export interface Client {
  csrfToken: string | null;
  /** The Cookie header this client sends (null when anonymous), for requests sent another way. */
  readonly cookie: string | null;
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<TestResponse>;
  get(path: string): Promise<TestResponse>;
  post(path: string, body?: unknown): Promise<TestResponse>;
  patch(path: string, body?: unknown): Promise<TestResponse>;
  put(path: string, body?: unknown): Promise<TestResponse>;
  delete(path: string): Promise<TestResponse>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests inspect arbitrary JSON
  json: any;
}

/** Fast, deterministic hasher for API tests (argon2 itself is covered by its own test). */
export const plainTestHasher: PasswordHasher = {
  hash: (p) => Promise.resolve(`test$${p}`),
  verify: (h, p) => Promise.resolve(h === `test$${p}`),
  needsRehash: (h) => !h.startsWith('test$'),
};

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Replacements for parts of the container (the fast test hasher is the default hasher). */
  overrides?: ServiceOverrides;
  /**
   * Serve this (already migrated) database instead of a new one: a second app instance with other
   * overrides beside a first one. `close()` then leaves the database to its owner.
   */
  database?: TestDatabase;
  /** Serve the web app from WEB_DIST_DIR (test/support/web-dist.ts makes a stand-in). */
  serveWeb?: boolean;
  /** Sees every route as it is registered (tests that walk the route table). */
  onRoute?: (route: RouteOptions) => void;
}

export async function startTestApp(kind: DatabaseKind, options: TestAppOptions = {}): Promise<TestApp> {
  const shared = options.database;
  const database = shared ?? (await createTestDatabase(kind, { LOG_LEVEL: 'info', ...options.env }));
  const services = createServices({
    config: database.config,
    db: database.handle.db,
    databaseKind: kind,
    overrides: { hasher: plainTestHasher, ...options.overrides },
  });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const app = await buildApp({
    config: database.config,
    services,
    logStream,
    serveWeb: options.serveWeb,
    onRoute: options.onRoute,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  const responses: string[] = [];

  function makeClient(cookie: string | null, csrfToken: string | null): Client {
    const client: Client = {
      csrfToken,
      cookie,
      async request(method, path, body, headers = {}) {
        const h: Record<string, string> = { ...headers };
        if (cookie) h.cookie = cookie;
        if (client.csrfToken && !('x-csrf-token' in h)) h['x-csrf-token'] = client.csrfToken;
        let payload: string | undefined;
        if (body !== undefined) {
          payload = typeof body === 'string' ? body : JSON.stringify(body);
          h['content-type'] ??= 'application/json';
        }
        const res = await fetch(baseUrl + path, { method, headers: h, body: payload });
        const text = await res.text();
        responses.push(text);
        let json: unknown = undefined;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        return { status: res.status, headers: res.headers, text, json };
      },
      get: (p) => client.request('GET', p),
      post: (p, b) => client.request('POST', p, b ?? {}),
      patch: (p, b) => client.request('PATCH', p, b ?? {}),
      put: (p, b) => client.request('PUT', p, b ?? {}),
      delete: (p) => client.request('DELETE', p),
    };
    return client;
  }

  return {
    kind,
    app,
    services,
    database,
    baseUrl,
    logs,
    responses,
    async login(email, password) {
      const anon = makeClient(null, null);
      const res = await anon.post('/api/auth/login', { email, password });
      if (res.status !== 200) throw new Error(`login failed for ${email}: ${res.status} ${res.text}`);
      const setCookie = res.headers.get('set-cookie') ?? '';
      const cookie = setCookie.split(';')[0] ?? '';
      return makeClient(cookie, res.json.csrfToken as string);
    },
    anonymous: () => makeClient(null, null),
    async close() {
      await app.close();
      if (!shared) await database.drop();
    },
  };
}
