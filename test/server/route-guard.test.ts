/**
 * Walks the server's whole route table, as Fastify registers it, and proves that every route except
 * login and health answers 401 without a session, and that every /api/admin route answers 403 to an
 * agent. A route added tomorrow is covered without touching this file.
 */
import crypto from 'node:crypto';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { createServices, type Services } from '../../src/server/container.js';
import { plainTestHasher } from '../support/app.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.js';
import { addUser, PASSWORD } from '../support/dialer-fixtures.js';

const PUBLIC = new Set(['POST /api/auth/login', 'GET /api/health', 'HEAD /api/health']);

interface Route {
  method: string;
  url: string;
}

function concrete(url: string): string {
  const id = crypto.randomUUID();
  return url.replace(/:[A-Za-z0-9_]+(\([^)]*\))?/g, id).replace(/\*$/, 'anything');
}

describe.each(DATABASE_KINDS)('route guard (%s)', (kind) => {
  let database: TestDatabase;
  let services: Services;
  let app: FastifyInstance;
  const routes: Route[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(kind, { LOGIN_RATE_LIMIT: '1000' });
    services = createServices({
      config: database.config,
      db: database.handle.db,
      databaseKind: kind,
      overrides: { hasher: plainTestHasher },
    });
    app = await buildApp({
      config: database.config,
      services,
      onRoute: (route: RouteOptions) => {
        for (const method of [route.method].flat()) routes.push({ method, url: route.url });
      },
    });
    await app.ready();
    await addUser(services, { email: 'agent@example.com' });
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  it('collects the route table', () => {
    const keys = routes.map((r) => `${r.method} ${r.url}`);
    for (const expected of [
      'POST /api/auth/login',
      'GET /api/connections',
      'GET /api/telnyx/connections',
      'GET /api/connections/:id',
      'POST /api/connections/:id/registration',
      'GET /api/admin/users',
      'DELETE /api/admin/assignments/:id',
    ]) {
      expect(keys).toContain(expected);
    }
  });

  it('answers 401 without a session on every route except login and health', async () => {
    const open: string[] = [];
    for (const r of routes) {
      const key = `${r.method} ${r.url}`;
      if (PUBLIC.has(key) || !r.url.startsWith('/api/')) continue;
      const res = await app.inject({
        method: r.method as 'GET',
        url: concrete(r.url),
        ...(r.method === 'GET' || r.method === 'HEAD' || r.method === 'DELETE' ? {} : { payload: {} }),
      });
      if (res.statusCode !== 401) open.push(`${key} -> ${res.statusCode}`);
    }
    expect(open).toEqual([]);
    expect(routes.filter((r) => r.url.startsWith('/api/')).length).toBeGreaterThan(20);
  });

  it('answers 401 to a forged or expired session cookie too', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/connections',
      cookies: { dialer_session: 'forged' },
    });
    expect(res.statusCode).toBe(401);
  });

  it('answers 403 to an agent on every /api/admin route', async () => {
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'agent@example.com', password: PASSWORD },
    });
    const cookie = login.cookies.find((c) => c.name === 'dialer_session')!;
    const csrf = login.json<{ csrfToken: string }>().csrfToken;
    const notForbidden: string[] = [];
    const admin = routes.filter((r) => r.url.startsWith('/api/admin/'));
    expect(admin.length).toBeGreaterThan(15);
    for (const r of admin) {
      const res = await app.inject({
        method: r.method as 'GET',
        url: concrete(r.url),
        cookies: { dialer_session: cookie.value },
        headers: { 'x-csrf-token': csrf },
        ...(r.method === 'GET' || r.method === 'HEAD' || r.method === 'DELETE' ? {} : { payload: {} }),
      });
      if (res.statusCode !== 403) notForbidden.push(`${r.method} ${r.url} -> ${res.statusCode}`);
    }
    expect(notForbidden).toEqual([]);
  });

  it('lets login and health through without a session', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'nobody@example.com', password: 'x' },
    });
    expect(login.statusCode).toBe(401);
    expect(login.json<{ error: { code: string } }>().error.code).toBe('INVALID_CREDENTIALS');
  });
});
