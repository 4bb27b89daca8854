/**
 * The edges of the HTTP API, where bad input meets the framework and the databases: text that the
 * databases cannot store (NUL, unpaired surrogates) is a 400 on both engines and writes nothing; every
 * error the router, the body parser or Node's HTTP parser raises has the one error shape and quotes at
 * most a short, printable part of the input; API answers are never cached; the web app's source maps
 * are not served in production unless configured.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { addNumber, addTrunk, addUser, PASSWORD, tableCounts } from '../support/dialer-fixtures.js';
import { isErrorBody, rawClient, type RawClient, type RawResponse } from '../support/raw-http.js';
import { createWebDist } from '../support/web-dist.js';

const NUL = '\u0000';
const LONE_HIGH = '\ud83d'; // the first half of 📞 without its second half
const LONE_LOW = '\udcde';

/** JSON text with the string escapes kept as escapes (JSON.stringify would keep a lone surrogate as \ud83d too). */
const json = (value: unknown) => JSON.stringify(value);

function expectErrorShape(res: { status: number; text: string }, status: number, code?: string): void {
  expect(res.status, res.text.slice(0, 200)).toBe(status);
  expect(isErrorBody(res.text), res.text.slice(0, 200)).toBe(true);
  if (code) expect((JSON.parse(res.text) as { error: { code: string } }).error.code).toBe(code);
}

describe.each(DATABASE_KINDS)('HTTP edges (%s)', (kind) => {
  const web = createWebDist();
  let t: TestApp;
  let admin: Client;
  let agent: Client;
  let raw: RawClient;
  let trunkId: string;
  let numberId: string;
  let agentId: string;

  beforeAll(async () => {
    t = await startTestApp(kind, {
      env: { LOGIN_RATE_LIMIT: '1000', WEB_DIST_DIR: web.dir },
      serveWeb: true,
    });
    await addUser(t.services, { email: 'admin@example.com', role: 'admin' });
    agentId = (await addUser(t.services, { email: 'agent@example.com' })).id;
    trunkId = (await addTrunk(t.services, agentId, { name: 'Main' })).id;
    numberId = (await addNumber(t.services, { number: '+13125550142' })).id;
    admin = await t.login('admin@example.com', PASSWORD);
    agent = await t.login('agent@example.com', PASSWORD);
    raw = rawClient(t.baseUrl);
  });
  afterAll(async () => {
    raw.close();
    await t.close();
    web.remove();
  });

  describe('text the databases cannot store', () => {
    const cases: [
      label: string,
      client: () => Client,
      method: string,
      path: () => string,
      body: unknown,
      field: RegExp,
    ][] = [
      [
        'NUL in the login email (anonymous)',
        () => t.anonymous(),
        'POST',
        () => '/api/auth/login',
        { email: `a${NUL}@b.c`, password: 'x' },
        /^body\.email/,
      ],
      [
        'NUL deep in a trunk setting',
        () => admin,
        'POST',
        () => '/api/admin/trunks',
        { ownerId: agentId, name: 'T', provider: 'sip', settings: { codecs: ['PCMU', `op${NUL}us`] } },
        /^body\.settings\.codecs\.1/,
      ],
      [
        'NUL in a JSON key',
        () => admin,
        'PATCH',
        () => `/api/admin/numbers/${numberId}`,
        { metadata: { [`k${NUL}ey`]: 1 } },
        /^body\.metadata \(a field name\)/,
      ],
      [
        'an unpaired high surrogate in a name',
        () => admin,
        'PATCH',
        () => `/api/admin/trunks/${trunkId}`,
        { name: `Main ${LONE_HIGH}` },
        /^body\.name/,
      ],
      [
        'an unpaired low surrogate in notes',
        () => admin,
        'PATCH',
        () => `/api/admin/trunks/${trunkId}`,
        { notes: `${LONE_LOW} line` },
        /^body\.notes/,
      ],
      [
        'an unpaired surrogate in a user name',
        () => admin,
        'POST',
        () => '/api/admin/users',
        { email: 'n@example.com', name: `N${LONE_HIGH}`, password: 'long-enough' },
        /^body\.name/,
      ],
      [
        'NUL in a call record',
        () => agent,
        'POST',
        () => '/api/calls',
        {
          connectionId: trunkId,
          callerNumber: '+13125550142',
          remoteNumber: `+1312${NUL}5550100`,
          direction: 'outbound',
        },
        /^body\.remoteNumber/,
      ],
      [
        'NUL in a path parameter',
        () => admin,
        'PATCH',
        () => `/api/admin/trunks/${trunkId}%00`,
        { name: 'x' },
        /^params\.id/,
      ],
      ['NUL in a query string', () => agent, 'GET', () => '/api/calls?q=%00', undefined, /^query\.q/],
      [
        'NUL in a query key',
        () => admin,
        'GET',
        () => '/api/admin/users?a%00b=1',
        undefined,
        /^query \(a field name\)/,
      ],
    ];

    it.each(cases)(
      'answers 400 naming where, and writes nothing: %s',
      async (_label, client, method, path, body, field) => {
        const before = await tableCounts(t.services);
        const trunkBefore = await t.services.repos.trunks.findSecret(trunkId);
        const res = await client().request(method, path(), body === undefined ? undefined : json(body));
        expectErrorShape(res, 400, 'VALIDATION_FAILED');
        expect(res.json.error.message).toMatch(field);
        expect(res.json.error.message).toMatch(/cannot be stored/);
        expect(await tableCounts(t.services)).toEqual(before);
        expect(await t.services.repos.trunks.findSecret(trunkId)).toEqual(trunkBefore);
      },
    );

    it('stores characters outside the Basic Multilingual Plane (a proper surrogate pair) as sent', async () => {
      const res = await admin.patch(`/api/admin/trunks/${trunkId}`, { notes: 'Main line 📞 — Zürich' });
      expect(res.status).toBe(200);
      expect((await admin.get(`/api/admin/trunks/${trunkId}`)).json.notes).toBe('Main line 📞 — Zürich');
    });
  });

  describe('errors raised before any route runs, in the one shape', () => {
    it('answers a malformed percent-encoding with 400, without quoting the path', async () => {
      for (const path of ['/api/%', '/api/admin/users/%E0%A4%A', '/api/admin/users/%ED%A0%80']) {
        const res = await raw.request({ method: 'GET', path });
        expectErrorShape(res, 400, 'VALIDATION_FAILED');
        expect(res.text).not.toContain('%');
      }
    });

    it('answers an over-long id with 414 (404 where the web app is served), quoting none of it', async () => {
      const path = `/api/admin/users/${'x'.repeat(5_000)}`;
      const apiOnly = await startTestApp(kind, {});
      const apiRaw = rawClient(apiOnly.baseUrl);
      try {
        const res = await apiRaw.request({ method: 'GET', path });
        expectErrorShape(res, 414, 'URI_TOO_LONG');
        expect(res.text.length).toBeLessThan(200);
        expect(res.text).not.toContain('xxxxx');
      } finally {
        apiRaw.close();
        await apiOnly.close();
      }
      // With the web app, its catch-all route takes the long path and refuses it as an /api path.
      const res = await raw.request({ method: 'GET', path });
      expectErrorShape(res, 404, 'NOT_FOUND');
      expect(res.text.length).toBeLessThan(200);
    });

    it('quotes at most a short, printable part of an unknown path', async () => {
      const res = await raw.request({ method: 'GET', path: `/api/nothing/${'y'.repeat(3_000)}%01%1b[31m` });
      expectErrorShape(res, 404, 'NOT_FOUND');
      expect(res.text.length).toBeLessThan(200);
      expect(JSON.parse(res.text).error.message).toMatch(/…$/);
    });

    it('answers a method the route does not have with a 404 in the shape', async () => {
      for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND']) {
        expectErrorShape(await raw.request({ method, path: '/api/health' }), 404, 'NOT_FOUND');
      }
    });

    it('answers body problems (too large, not JSON, wrong type, forbidden keys, bad length) in the shape', async () => {
      const post = (body: string, headers: Record<string, string>) =>
        raw.request({ method: 'POST', path: '/api/auth/login', body, headers });
      expectErrorShape(
        await post(json({ email: 'a@b.c', password: 'x'.repeat(70_000) }), {
          'content-type': 'application/json',
        }),
        413,
        'PAYLOAD_TOO_LARGE',
      );
      expectErrorShape(
        await post('{"email":', { 'content-type': 'application/json' }),
        400,
        'VALIDATION_FAILED',
      );
      expectErrorShape(
        await post('<login/>', { 'content-type': 'application/xml' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expectErrorShape(
        await post('email=a', { 'content-type': 'application/x-www-form-urlencoded' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      // __proto__ is refused by Fastify's JSON parser (prototype poisoning), as not valid JSON.
      const proto = await post('{"__proto__":{"admin":true},"email":"a@b.c","password":"x"}', {
        'content-type': 'application/json',
      });
      expectErrorShape(proto, 400, 'VALIDATION_FAILED');
      expectErrorShape(await post('', { 'content-type': 'application/json' }), 400, 'VALIDATION_FAILED');
    });

    it('bounds what a validation message quotes from the input', async () => {
      const key = `k${'z'.repeat(5_000)}`;
      const res = await admin.post('/api/admin/users', {
        email: 'q@example.com',
        name: 'Q',
        password: 'long-enough',
        [key]: 1,
      });
      expectErrorShape(res, 400, 'VALIDATION_FAILED');
      expect(res.text.length).toBeLessThan(1_000);
    });

    it("answers what Node's HTTP parser refuses (headers too large, not HTTP) in the shape", async () => {
      const big = await raw.request({
        method: 'GET',
        path: '/api/health',
        headers: { 'x-filler': 'f'.repeat(20_000) },
      });
      expectErrorShape(big, 431, 'HEADERS_TOO_LARGE');

      const url = new URL(t.baseUrl);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(url.port), url.hostname, () => socket.write('HELLO THERE\r\n\r\n'));
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(isErrorBody(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toBe(true);
    });
  });

  describe('caching', () => {
    it('sends Cache-Control: no-store on every API answer: data, the CSRF token, errors', async () => {
      const answers: [string, { headers: Headers } | RawResponse][] = [
        [
          'login',
          await t.anonymous().post('/api/auth/login', { email: 'agent@example.com', password: PASSWORD }),
        ],
        ['me (CSRF token)', await agent.get('/api/auth/me')],
        ['connections', await agent.get('/api/connections')],
        ['admin users', await admin.get('/api/admin/users')],
        ['audit', await admin.get('/api/admin/audit')],
        ['health', await t.anonymous().get('/api/health')],
        ['401', await t.anonymous().get('/api/connections')],
        ['403', await agent.get('/api/admin/users')],
        ['404', await agent.get('/api/nothing')],
        ['400 from the router', await raw.request({ method: 'GET', path: '/api/%' })],
      ];
      for (const [what, res] of answers) {
        const value =
          res.headers instanceof Headers ? res.headers.get('cache-control') : res.headers['cache-control'];
        expect(value, what).toBe('no-store');
      }
    });

    it("leaves the web app's own files to their own caching", async () => {
      const script = await raw.request({ method: 'GET', path: '/assets/app.js' });
      expect(script.status).toBe(200);
      expect(script.headers['cache-control']).not.toBe('no-store');
    });
  });
});

describe('source maps', () => {
  const web = createWebDist();
  afterAll(() => web.remove());

  async function mapStatus(env: Record<string, string>): Promise<{ map: RawResponse; script: RawResponse }> {
    const t = await startTestApp('sqlite', { env: { WEB_DIST_DIR: web.dir, ...env }, serveWeb: true });
    const raw = rawClient(t.baseUrl);
    try {
      return {
        map: await raw.request({ method: 'GET', path: '/assets/app.js.map' }),
        script: await raw.request({ method: 'GET', path: '/assets/app.js' }),
      };
    } finally {
      raw.close();
      await t.close();
    }
  }

  it('are not served in production, unless SERVE_SOURCE_MAPS asks for them', async () => {
    const production = await mapStatus({ NODE_ENV: 'production' });
    expect(production.script.status).toBe(200);
    expectErrorShape(production.map, 404, 'NOT_FOUND');
    expect(production.map.text).not.toContain('original source');

    const asked = await mapStatus({ NODE_ENV: 'production', SERVE_SOURCE_MAPS: 'true' });
    expect(asked.map.status).toBe(200);
    expect(asked.map.text).toContain('original source');

    expect((await mapStatus({ NODE_ENV: 'development' })).map.status).toBe(200);
  });
});
