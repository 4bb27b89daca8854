/**
 * Walks the server's whole route table, as Fastify registers it, and proves that every route except
 * login and health answers 401 without a session, and that every /api/admin route answers 403 to an
 * agent. A route added tomorrow is covered without touching this file.
 *
 * Then the same table over real HTTP, with every URL spelt the ways a router and a guard may disagree
 * on (percent-encoded letters in each segment, letter case, `//`, `/./`, `/x/../`, encoded dots and
 * slashes, trailing slashes, double encoding, `;` suffixes): without a session, and with an agent's
 * session on the admin routes, no spelling ever answers 2xx or carries anything but an error body.
 * The web app (a stand-in dist) is served too, so its catch-all route and the SPA fallback are walked.
 */
import crypto from 'node:crypto';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { ROUTE_ACCESS } from '../../src/server/plugins/session-guard.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { createServices, type Services } from '../../src/server/container.js';
import { plainTestHasher } from '../support/app.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.js';
import { addUser, PASSWORD } from '../support/dialer-fixtures.js';
import { isErrorBody, rawClient, type RawClient } from '../support/raw-http.js';
import { createWebDist } from '../support/web-dist.js';

const PUBLIC = new Set([
  'POST /api/auth/login',
  'GET /api/health',
  'HEAD /api/health',
  'GET /api/ready',
  'HEAD /api/ready',
]);
/** The web app's files and client-side routes (public by declaration, never data). */
const WEB_APP = new Set(['GET /*', 'HEAD /*']);

interface Route {
  method: string;
  url: string;
  access: unknown;
}

const hex = (c: string) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/**
 * Ways to spell `path` that a router might resolve to the same route while a check on the URL text
 * would not (or the other way round). Every variant changes one place, so each is attributable.
 */
export function spellings(path: string): string[] {
  const segs = path.split('/').slice(1);
  const out = new Set<string>();
  const build = (parts: string[]) => `/${parts.join('/')}`;
  segs.forEach((seg, i) => {
    const at = (replacement: string) => build(segs.map((s, j) => (j === i ? replacement : s)));
    const before = (prefix: string) => at(prefix + seg);
    const letter = seg.search(/[A-Za-z]/);
    if (letter >= 0) {
      const c = seg[letter]!;
      const head = seg.slice(0, letter);
      const tail = seg.slice(letter + 1);
      out.add(at(head + hex(c) + tail)); // %61pi
      out.add(at(head + hex(c).toUpperCase() + tail)); // %6C vs %6c
      out.add(at(head + `%25${hex(c).slice(1)}` + tail)); // %2561pi: double encoding
      out.add(at(head + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + tail)); // Api
      out.add(at([...seg].map(hex).join(''))); // every character encoded
    }
    out.add(at(seg.toUpperCase()));
    out.add(at(`${seg};x`));
    out.add(at(`${seg}%00`));
    out.add(before('/')); // a doubled slash
    out.add(before('./'));
    out.add(before('%2e/'));
    out.add(before('x/../'));
    out.add(before('x/%2e%2e/'));
    out.add(before('x/..%2f'));
    out.add(before('x\\..\\'));
    if (i > 0) {
      out.add(`${build(segs.slice(0, i))}%2f${segs.slice(i).join('/')}`);
      out.add(`${build(segs.slice(0, i))}%2F${segs.slice(i).join('/')}`);
      out.add(`${build(segs.slice(0, i))}\\${segs.slice(i).join('/')}`);
    }
  });
  for (const suffix of ['/', '//', '/.', '/%2e', '%2f', '/x/..', '?', '?x=1', '%20', '%09'])
    out.add(path + suffix);
  out.add(path.toUpperCase());
  out.add(`/${path}`);
  out.add(`/.${path}`);
  out.delete(path);
  return [...out];
}

const withBody = (method: string) => !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method);

function concrete(url: string): string {
  const id = crypto.randomUUID();
  return url.replace(/:[A-Za-z0-9_]+(\([^)]*\))?/g, id).replace(/\*$/, 'anything');
}

describe.each(DATABASE_KINDS)('route guard (%s)', (kind) => {
  let database: TestDatabase;
  let services: Services;
  let app: FastifyInstance;
  let http: RawClient;
  const routes: Route[] = [];
  const web = createWebDist();

  beforeAll(async () => {
    database = await createTestDatabase(kind, { LOGIN_RATE_LIMIT: '1000', WEB_DIST_DIR: web.dir });
    services = createServices({
      config: database.config,
      db: database.handle.db,
      databaseKind: kind,
      overrides: { hasher: plainTestHasher },
    });
    app = await buildApp({
      config: database.config,
      services,
      serveWeb: true,
      onRoute: (route: RouteOptions) => {
        for (const method of [route.method].flat())
          routes.push({ method, url: route.url, access: route.config?.access });
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    http = rawClient(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    await addUser(services, { email: 'agent@example.com' });
    await addUser(services, { email: 'admin@example.com', role: 'admin' });
  });
  afterAll(async () => {
    http.close();
    await app.close();
    await database.drop();
    web.remove();
  });

  async function sessionOf(email: string): Promise<{ cookie: string; csrf: string }> {
    const res = await http.request({
      method: 'POST',
      path: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    const cookie = String(res.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
    return { cookie, csrf: (JSON.parse(res.text) as { csrfToken: string }).csrfToken };
  }

  /** Sends every spelling of every route; returns the answers that were not a refusal in our shape. */
  async function walk(
    selected: Route[],
    session: { cookie: string; csrf: string } | null,
  ): Promise<{
    tried: number;
    leaks: string[];
    answers: { route: Route; path: string; status: number; text: string }[];
  }> {
    const leaks: string[] = [];
    const answers: { route: Route; path: string; status: number; text: string }[] = [];
    const jobs = selected.flatMap((route) => spellings(concrete(route.url)).map((path) => ({ route, path })));
    const headers: Record<string, string> = session
      ? { cookie: session.cookie, 'x-csrf-token': session.csrf }
      : {};
    for (let i = 0; i < jobs.length; i += 32) {
      await Promise.all(
        jobs.slice(i, i + 32).map(async ({ route, path }) => {
          const body = withBody(route.method) ? '{}' : undefined;
          const res = await http.request({
            method: route.method,
            path,
            headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
            body,
          });
          answers.push({ route, path, status: res.status, text: res.text });
          const refused = res.status >= 400 && (route.method === 'HEAD' || isErrorBody(res.text));
          if (!refused) leaks.push(`${route.method} ${path} -> ${res.status} ${res.text.slice(0, 80)}`);
        }),
      );
    }
    return { tried: jobs.length, leaks, answers };
  }

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

  it('has every route declare who may call it: public only for login, health and the web app', () => {
    const undeclared = routes.filter((r) => !(ROUTE_ACCESS as readonly unknown[]).includes(r.access));
    expect(undeclared).toEqual([]);
    const key = (r: Route) => `${r.method} ${r.url}`;
    expect(new Set(routes.filter((r) => r.access === 'public').map(key))).toEqual(
      new Set([...PUBLIC, ...WEB_APP]),
    );
    // Everything under /api/admin is for admins, and nothing else is.
    for (const r of routes) {
      expect(r.access === 'admin', key(r)).toBe(r.url.startsWith('/api/admin/'));
    }
  });

  it('refuses to start when a route declares nothing (or something unknown)', async () => {
    const extra = await buildApp({ config: database.config, services });
    expect(() => extra.get('/api/forgotten', () => ({ secret: true }))).toThrow(
      /GET \/api\/forgotten declares no access/,
    );
    expect(() =>
      extra.post('/api/typo', { config: { access: 'everyone' as 'public' } }, () => ({ secret: true })),
    ).toThrow(/POST \/api\/typo declares no access/);
    // A route registered from a plugin fails the start-up itself.
    await expect(
      extra.register((plugin) =>
        Promise.resolve().then(() => {
          plugin.get('/api/from-a-plugin', () => ({ secret: true }));
        }),
      ),
    ).rejects.toThrow(/GET \/api\/from-a-plugin declares no access/);
    await extra.close().catch(() => undefined);
  });

  it('never answers a guarded route in any spelling without a session', async () => {
    const guarded = routes.filter(
      (r) => !PUBLIC.has(`${r.method} ${r.url}`) && !WEB_APP.has(`${r.method} ${r.url}`),
    );
    expect(guarded.length).toBeGreaterThan(50);
    const { tried, leaks } = await walk(guarded, null);
    expect(leaks).toEqual([]);
    expect(tried).toBeGreaterThan(guarded.length * 30);
    console.info(
      `[route-guard ${kind}] no session: ${guarded.length} routes, ${tried} spellings, 0 answered`,
    );
  });

  it("never answers an admin route in any spelling to an agent's session", async () => {
    const admin = routes.filter((r) => r.access === 'admin');
    expect(admin.length).toBeGreaterThan(20);
    const { tried, leaks } = await walk(admin, await sessionOf('agent@example.com'));
    expect(leaks).toEqual([]);
    console.info(
      `[route-guard ${kind}] agent session: ${admin.length} admin routes, ${tried} spellings, 0 answered`,
    );
  });

  it("proves the walk reaches the routes: an admin's session gets data through the spellings the router decodes", async () => {
    const lists = routes.filter((r) => r.access === 'admin' && r.method === 'GET' && !r.url.includes(':'));
    const { answers } = await walk(lists, await sessionOf('admin@example.com'));
    const reached = answers.filter((a) => a.status === 200);
    // %61pi, %41 / %6C hex case, every letter encoded, ... in each segment: the router decodes them all.
    for (const route of lists) {
      expect(reached.filter((a) => a.route === route).length, route.url).toBeGreaterThanOrEqual(3);
    }
    console.info(
      `[route-guard ${kind}] admin session: ${reached.length} of ${answers.length} spellings of ${lists.length} admin lists reach their route`,
    );
  });

  it('serves the web app and its client-side routes, but never for a path that spells /api', async () => {
    const page = await http.request({ method: 'GET', path: '/history' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const script = await http.request({ method: 'GET', path: '/assets/app.js' });
    expect(script.status).toBe(200);
    expect(script.text).toContain('dialer');
    for (const path of [
      '/API/admin/users',
      '/%2561pi/admin/users',
      '//api/admin/users',
      '/x/../api/nothing',
    ]) {
      const res = await http.request({ method: 'GET', path });
      expect(res.status, path).toBe(404);
      expect(isErrorBody(res.text), path).toBe(true);
    }
  });
});
