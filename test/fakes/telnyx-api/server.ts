/**
 * A local stand-in for the Telnyx API v2, speaking the documented shapes the official `telnyx` SDK (v7)
 * sends and expects, so the app's real client code runs unchanged with only its base URL pointed here.
 *
 * What the SDK does, read from node_modules/telnyx (client.ts, core/pagination.ts, core/error.ts):
 * - `Authorization: Bearer <key>`; base URL includes `/v2`.
 * - Lists: query `page[number]`, `page[size]`, deep-object filters (`filter[connection_id]=…`, URL-encoded
 *   brackets); answers `{ data: [...], meta: { page_number, page_size, total_pages, total_results } }`;
 *   the SDK asks for the next page while `page_number < total_pages` and the page is not empty.
 * - Errors: any non-2xx JSON body is kept as `error`; Telnyx's is `{ errors: [{ code, title, detail }] }`.
 *   The SDK retries 408/409/429/5xx and connection errors itself (honours `retry-after`, which Telnyx does
 *   not document; without it the SDK backs off on its own).
 *
 * What Telnyx documents and this server does the same way (developers.telnyx.com, API fundamentals):
 * - Rate limits: every answer carries `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset`
 *   (seconds until the window resets); past the limit, 429 with
 *   `{ errors: [{ code: '10011', title: 'Too many requests', detail: 'You have exceeded the maximum number
 *   of allowed requests.' }] }`.
 * - Query parameters Telnyx does not know are ignored, not refused (an unwrapped `national_destination_code`
 *   returns unfiltered numbers: team-telnyx/telnyx-node#289). Only the documented filters filter here too;
 *   the others are recorded in `RecordedRequest.ignored`, so a test can prove the app sends none that the
 *   real API would silently ignore (a widened list).
 * - A credential connection carries its SIP `password` in full (the SDK's type: masked as `********` only
 *   for accounts created on or after 2026-09-08; `maskPasswords` gives that behaviour). Every answer body
 *   is kept in `responses`, so a leak check can prove the password really reached the app.
 * - `POST /telephony_credentials/:id/token` sends `Accept: text/plain` and gets a bare JWT (201).
 * - `POST /credential_connections/:id/actions/check_registration_status` answers
 *   `{ data: { record_type: 'registration_status', status, sip_username, ip_address, port, transport,
 *   user_agent, last_registration } }`, status one of 'Not Applicable', 'Not Registered', 'Failed',
 *   'Expired', 'Registered', 'Unregistered' (a new connection here is 'Not Registered').
 *
 * The state is mutable through the returned handle so tests can make Telnyx drift from the database,
 * rate-limit, slow down, fail or go away altogether.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeConnection {
  id: string;
  record_type: 'credential_connection';
  active: boolean;
  connection_name: string;
  user_name: string;
  password: string;
  anchorsite_override: string;
  dtmf_type: 'RFC 2833' | 'Inband' | 'SIP INFO';
  sip_uri_calling_preference: 'disabled' | 'unrestricted' | 'internal';
  encrypted_media: string | null;
  inbound: { channel_limit?: number; codecs: string[] };
  outbound: { channel_limit?: number };
  tags: string[];
  created_at: string;
  updated_at: string;
}

export interface FakePhoneNumber {
  id: string;
  record_type: 'phone_number';
  phone_number: string;
  status: string;
  country_iso_alpha2: string;
  phone_number_type: string;
  connection_id: string | null;
  connection_name: string | null;
  tags: string[];
  external_pin: string | null;
  deletion_lock_enabled: boolean;
  purchased_at: string;
  created_at: string;
  updated_at: string;
}

export type FakeRegistrationStatus =
  'Not Applicable' | 'Not Registered' | 'Failed' | 'Expired' | 'Registered' | 'Unregistered';

export interface FakeCredential {
  id: string;
  record_type: 'credential';
  name: string;
  resource_id: string;
  sip_username: string;
  sip_password: string;
  expired: boolean;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface FakeTelnyxOptions {
  /** Accepted API key (Bearer). Default 'test-telnyx-key'. */
  apiKey?: string;
  /** Number of credential connections seeded. Default 4. */
  connections?: number;
  /**
   * Ids for the seeded connections (their count wins over `connections`), e.g. the demo seed's
   * telnyx_connection_id values, so a seeded app's Telnyx trunks are linked to connections here.
   */
  connectionIds?: string[];
  /** Total phone numbers seeded, spread round-robin over the connections. Default 300 (> one page of 250). */
  numbers?: number;
  /** How many of the seeded numbers have no connection at all. Default 5. */
  unassignedNumbers?: number;
  /** Token lifetime in seconds. Default 3600. */
  tokenTtlSeconds?: number;
  /** Answer `password: '********'` as Telnyx does for accounts created on or after 2026-09-08. Default false. */
  maskPasswords?: boolean;
  /** Requests allowed per window before 429 (default 10,000 per 60 s: tests hit it only on purpose). */
  rateLimit?: { limit: number; windowSeconds: number };
  port?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  accept: string | undefined;
  body: unknown;
  /** Query parameters Telnyx does not document for this endpoint: ignored, as the real API does. */
  ignored: string[];
}

export interface RecordedResponse {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
  /** The body exactly as sent. */
  body: string;
}

export interface FakeTelnyx {
  /** Base URL to give the SDK (`…/v2`). */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly port: number;
  readonly connections: Map<string, FakeConnection>;
  readonly numbers: Map<string, FakePhoneNumber>;
  readonly credentials: Map<string, FakeCredential>;
  /** Every request received (cleared by `resetRequests`). */
  readonly requests: RecordedRequest[];
  /** Every answer sent, body included (cleared by `resetRequests`). */
  readonly responses: RecordedResponse[];
  resetRequests(): void;
  /** Answer the next `n` requests with 429 / code 10011, the window resetting in `resetSeconds` (default 1). */
  rateLimitNext(n: number, resetSeconds?: number): void;
  /** Answer the next `n` requests with this status (default 500) and a Telnyx error body. */
  failNext(n: number, status?: number): void;
  /** Delay every answer by `ms` (0 = off). */
  setDelay(ms: number): void;
  /** Kill switch: stop listening and drop open sockets (clients see ECONNREFUSED) ... */
  down(): Promise<void>;
  /** ... and come back on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
  // Mutations a test uses to make Telnyx differ from the database.
  moveNumber(numberId: string, connectionId: string | null): void;
  setConnectionActive(connectionId: string, active: boolean): void;
  /** What check_registration_status answers for the connection (default 'Not Registered'). */
  setRegistrationStatus(connectionId: string, status: FakeRegistrationStatus): void;
  deleteNumber(numberId: string): void;
  deleteConnection(connectionId: string): void;
  addConnection(partial?: Partial<FakeConnection>): FakeConnection;
  addNumber(partial?: Partial<FakePhoneNumber>): FakePhoneNumber;
  numbersOf(connectionId: string): FakePhoneNumber[];
  /** Verifies a token this server minted; returns its payload or null. */
  verifyToken(token: string): Record<string, unknown> | null;
}

const MAX_PAGE_SIZE = 250;
const DEFAULT_PAGE_SIZE = 20;

/** Query parameters each list endpoint documents (the SDK's *ListParams types); anything else is ignored. */
const PAGING = ['page[number]', 'page[size]'];
const DOCUMENTED_QUERY: Record<string, string[]> = {
  '/v2/credential_connections': [
    ...PAGING,
    'sort',
    'filter[connection_name][contains]',
    'filter[fqdn]',
    'filter[outbound_voice_profile_id]',
  ],
  '/v2/phone_numbers': [
    ...PAGING,
    'sort',
    'handle_messaging_profile_error',
    'filter[billing_group_id]',
    'filter[connection_id]',
    'filter[country_iso_alpha2]',
    'filter[customer_reference]',
    'filter[emergency_address_id]',
    'filter[number_type][eq]',
    'filter[phone_number]',
    'filter[source]',
    'filter[status]',
    'filter[tag]',
    'filter[voice.connection_name][contains]',
    'filter[voice.connection_name][starts_with]',
    'filter[voice.connection_name][ends_with]',
    'filter[voice.connection_name][eq]',
    'filter[voice.usage_payment_method]',
    'filter[without_tags]',
  ],
  '/v2/telephony_credentials': [
    ...PAGING,
    'filter[name]',
    'filter[resource_id]',
    'filter[sip_username]',
    'filter[status]',
    'filter[tag]',
  ],
};

function isoAt(offsetSeconds: number): string {
  return new Date(Date.UTC(2025, 0, 1) + offsetSeconds * 1000).toISOString();
}

/** Telnyx ids: connections are numeric strings, numbers numeric strings, credentials UUIDs. */
function numericId(seed: number): string {
  return String(1_700_000_000_000_000_000n + BigInt(seed));
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export async function startFakeTelnyx(options: FakeTelnyxOptions = {}): Promise<FakeTelnyx> {
  const apiKey = options.apiKey ?? 'test-telnyx-key';
  const tokenTtl = options.tokenTtlSeconds ?? 3600;
  const jwtSecret = crypto.randomBytes(32);
  const connections = new Map<string, FakeConnection>();
  const registrationStatus = new Map<string, FakeRegistrationStatus>();
  const numbers = new Map<string, FakePhoneNumber>();
  const credentials = new Map<string, FakeCredential>();
  const requests: RecordedRequest[] = [];
  const responses: RecordedResponse[] = [];
  const limit = options.rateLimit ?? { limit: 10_000, windowSeconds: 60 };
  let window = { startedAt: Date.now(), used: 0 };
  let seq = 0;
  let rateLimited = 0;
  let forcedResetSeconds = 1;
  let failing = 0;
  let failStatus = 500;
  let delayMs = 0;

  const addConnection = (partial: Partial<FakeConnection> = {}): FakeConnection => {
    const n = ++seq;
    const c: FakeConnection = {
      id: numericId(n),
      record_type: 'credential_connection',
      active: true,
      connection_name: `Telnyx Connection ${n}`,
      user_name: `dialeruser${n}`,
      password: `Secret-Pass-${n}-${crypto.randomBytes(4).toString('hex')}`,
      anchorsite_override: 'Latency',
      dtmf_type: 'RFC 2833',
      sip_uri_calling_preference: 'disabled',
      encrypted_media: null,
      inbound: { channel_limit: 10, codecs: ['G722', 'G711U', 'G711A'] },
      outbound: { channel_limit: 10 },
      tags: [],
      created_at: isoAt(n),
      updated_at: isoAt(n),
      ...partial,
    };
    connections.set(c.id, c);
    return c;
  };

  const addNumber = (partial: Partial<FakePhoneNumber> = {}): FakePhoneNumber => {
    const n = ++seq;
    const connectionId = partial.connection_id ?? null;
    const p: FakePhoneNumber = {
      id: numericId(n),
      record_type: 'phone_number',
      phone_number: `+1312${String(5_000_000 + n).padStart(7, '0')}`,
      status: 'active',
      country_iso_alpha2: 'US',
      phone_number_type: 'local',
      connection_id: connectionId,
      connection_name: connectionId ? (connections.get(connectionId)?.connection_name ?? null) : null,
      tags: [],
      external_pin: null,
      deletion_lock_enabled: false,
      purchased_at: isoAt(n),
      created_at: isoAt(n),
      updated_at: isoAt(n),
      ...partial,
    };
    numbers.set(p.id, p);
    return p;
  };

  // Seed.
  const connCount = options.connectionIds?.length ?? options.connections ?? 4;
  const numCount = options.numbers ?? 300;
  const unassigned = Math.min(options.unassignedNumbers ?? 5, numCount);
  const seeded = Array.from({ length: connCount }, (_, i) =>
    addConnection({
      ...(i === connCount - 1 && connCount > 2 ? { anchorsite_override: 'Chicago, IL' } : {}),
      ...(options.connectionIds?.[i] ? { id: options.connectionIds[i] } : {}),
    }),
  );
  for (let i = 0; i < numCount; i++) {
    const conn = i < numCount - unassigned && seeded.length ? seeded[i % seeded.length] : undefined;
    addNumber({ connection_id: conn?.id ?? null });
  }

  const touch = (o: { updated_at: string }): void => {
    o.updated_at = new Date().toISOString();
  };

  const sign = (payload: Record<string, unknown>): string => {
    const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const body = b64url(JSON.stringify(payload));
    const sig = crypto.createHmac('sha256', jwtSecret).update(`${head}.${body}`).digest('base64url');
    return `${head}.${body}.${sig}`;
  };
  const verifyToken = (token: string): Record<string, unknown> | null => {
    const [head, body, sig] = token.split('.');
    if (!head || !body || !sig) return null;
    const expected = crypto.createHmac('sha256', jwtSecret).update(`${head}.${body}`).digest('base64url');
    if (expected !== sig) return null;
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  };

  type Answer = { status: number; json?: unknown; text?: string; headers?: Record<string, string> };
  const errorBody = (code: string, title: string, detail: string, pointer?: string): unknown => ({
    errors: [{ code, title, detail, ...(pointer ? { source: { pointer } } : {}) }],
  });
  const notFound = (what: string): Answer => ({
    status: 404,
    json: errorBody('10005', 'Resource not found', `The requested ${what} could not be found.`),
  });

  const paginate = <T>(items: T[], query: Record<string, string>): Answer => {
    const size = query['page[size]'] ? Number(query['page[size]']) : DEFAULT_PAGE_SIZE;
    const pageNumber = query['page[number]'] ? Number(query['page[number]']) : 1;
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
      return {
        status: 400,
        json: errorBody(
          '10015',
          'Bad Request',
          `page[size] must be between 1 and ${MAX_PAGE_SIZE}`,
          '/page/size',
        ),
      };
    }
    if (!Number.isInteger(pageNumber) || pageNumber < 1) {
      return {
        status: 400,
        json: errorBody('10015', 'Bad Request', 'page[number] must be >= 1', '/page/number'),
      };
    }
    const totalPages = Math.max(1, Math.ceil(items.length / size));
    const data = items.slice((pageNumber - 1) * size, pageNumber * size);
    return {
      status: 200,
      json: {
        data,
        meta: {
          page_number: pageNumber,
          page_size: size,
          total_pages: totalPages,
          total_results: items.length,
        },
      },
    };
  };

  const publicConnection = (c: FakeConnection): FakeConnection =>
    options.maskPasswords ? { ...c, password: '********' } : c;

  const route = (method: string, path: string, query: Record<string, string>, body: unknown): Answer => {
    let m: RegExpMatchArray | null;
    if (method === 'GET' && path === '/v2/credential_connections') {
      let list = [...connections.values()];
      const contains = query['filter[connection_name][contains]'];
      if (contains)
        list = list.filter((c) => c.connection_name.toLowerCase().includes(contains.toLowerCase()));
      return paginate(list.map(publicConnection), query);
    }
    if (method === 'GET' && (m = path.match(/^\/v2\/credential_connections\/([^/]+)$/))) {
      const c = connections.get(decodeURIComponent(m[1]!));
      return c ? { status: 200, json: { data: publicConnection(c) } } : notFound('credential connection');
    }
    if (
      method === 'POST' &&
      (m = path.match(/^\/v2\/credential_connections\/([^/]+)\/actions\/check_registration_status$/))
    ) {
      const c = connections.get(decodeURIComponent(m[1]!));
      if (!c) return notFound('credential connection');
      const status = registrationStatus.get(c.id) ?? 'Not Registered';
      const registered = status === 'Registered';
      return {
        status: 200,
        json: {
          data: {
            record_type: 'registration_status',
            status,
            sip_username: c.user_name,
            ip_address: registered ? '192.0.2.10' : null,
            port: registered ? 5060 : null,
            transport: registered ? 'UDP' : null,
            user_agent: registered ? 'Dialer test' : null,
            last_registration: registered ? new Date().toISOString() : null,
          },
        },
      };
    }
    if (method === 'GET' && path === '/v2/phone_numbers') {
      let list = [...numbers.values()];
      const conn = query['filter[connection_id]'];
      if (conn) list = list.filter((p) => p.connection_id === conn);
      const num = query['filter[phone_number]'];
      if (num) list = list.filter((p) => p.phone_number.includes(num));
      const status = query['filter[status]'];
      if (status) list = list.filter((p) => p.status === status);
      return paginate(list, query);
    }
    if (method === 'GET' && (m = path.match(/^\/v2\/phone_numbers\/([^/]+)$/))) {
      const p = numbers.get(decodeURIComponent(m[1]!));
      return p ? { status: 200, json: { data: p } } : notFound('phone number');
    }
    if (method === 'PATCH' && (m = path.match(/^\/v2\/phone_numbers\/([^/]+)$/))) {
      const p = numbers.get(decodeURIComponent(m[1]!));
      if (!p) return notFound('phone number');
      const b = (body ?? {}) as { connection_id?: string | null; tags?: string[] };
      if (b.connection_id !== undefined && b.connection_id !== null && b.connection_id !== '') {
        const c = connections.get(b.connection_id);
        if (!c) {
          return {
            status: 422,
            json: errorBody(
              '10015',
              'Invalid connection_id',
              'The connection_id does not exist.',
              '/connection_id',
            ),
          };
        }
      }
      if (b.connection_id !== undefined) moveNumber(p.id, b.connection_id || null);
      if (b.tags) p.tags = b.tags;
      touch(p);
      return { status: 200, json: { data: p } };
    }
    if (method === 'GET' && path === '/v2/telephony_credentials') {
      let list = [...credentials.values()];
      const rid = query['filter[resource_id]'];
      if (rid) list = list.filter((c) => c.resource_id === rid);
      const name = query['filter[name]'];
      if (name) list = list.filter((c) => c.name === name);
      return paginate(list, query);
    }
    if (method === 'POST' && path === '/v2/telephony_credentials') {
      const b = (body ?? {}) as { connection_id?: string; name?: string; expires_at?: string };
      if (!b.connection_id) {
        return {
          status: 422,
          json: errorBody('10015', 'Missing connection_id', 'connection_id is required', '/connection_id'),
        };
      }
      if (!connections.has(b.connection_id)) {
        return {
          status: 422,
          json: errorBody(
            '10015',
            'Invalid connection_id',
            'The connection_id does not exist.',
            '/connection_id',
          ),
        };
      }
      const now = new Date().toISOString();
      const cred: FakeCredential = {
        id: crypto.randomUUID(),
        record_type: 'credential',
        name: b.name ?? '',
        resource_id: `connection:${b.connection_id}`,
        sip_username: `gencred${crypto.randomBytes(12).toString('hex')}`,
        sip_password: crypto.randomBytes(16).toString('hex'),
        expired: false,
        expires_at: b.expires_at ?? null,
        created_at: now,
        updated_at: now,
      };
      credentials.set(cred.id, cred);
      return { status: 201, json: { data: cred } };
    }
    if (method === 'GET' && (m = path.match(/^\/v2\/telephony_credentials\/([^/]+)$/))) {
      const c = credentials.get(decodeURIComponent(m[1]!));
      return c ? { status: 200, json: { data: c } } : notFound('telephony credential');
    }
    if (method === 'DELETE' && (m = path.match(/^\/v2\/telephony_credentials\/([^/]+)$/))) {
      const c = credentials.get(decodeURIComponent(m[1]!));
      if (!c) return notFound('telephony credential');
      credentials.delete(c.id);
      return { status: 200, json: { data: c } };
    }
    if (method === 'POST' && (m = path.match(/^\/v2\/telephony_credentials\/([^/]+)\/token$/))) {
      const c = credentials.get(decodeURIComponent(m[1]!));
      if (!c) return notFound('telephony credential');
      const connectionId = c.resource_id.replace(/^connection:/, '');
      if (c.expired || !connections.has(connectionId)) {
        return {
          status: 422,
          json: errorBody('10015', 'Credential expired', 'The telephony credential is expired.'),
        };
      }
      const iat = Math.floor(Date.now() / 1000);
      const token = sign({
        iss: 'telnyx_telephony',
        sub: c.sip_username,
        aud: 'telnyx_telephony',
        typ: 'access',
        jti: crypto.randomUUID(),
        telephony_credential_id: c.id,
        iat,
        nbf: iat - 1,
        exp: iat + tokenTtl,
      });
      return { status: 201, text: token };
    }
    return notFound(`resource ${method} ${path}`);
  };

  function moveNumber(numberId: string, connectionId: string | null): void {
    const p = numbers.get(numberId);
    if (!p) throw new Error(`fake telnyx: no number ${numberId}`);
    p.connection_id = connectionId;
    p.connection_name = connectionId ? (connections.get(connectionId)?.connection_name ?? null) : null;
    touch(p);
  }

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake.telnyx');
      const query = Object.fromEntries(url.searchParams.entries());
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
      }
      const documented = DOCUMENTED_QUERY[url.pathname] ?? [];
      const ignored = Object.keys(query).filter((k) => !documented.includes(k));
      for (const k of ignored) delete query[k];
      requests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        query,
        authorization: req.headers.authorization,
        accept: req.headers.accept,
        body,
        ignored,
      });
      const now = Date.now();
      if (now - window.startedAt >= limit.windowSeconds * 1000) window = { startedAt: now, used: 0 };
      window.used++;
      const windowResetSeconds = Math.max(
        1,
        Math.ceil((window.startedAt + limit.windowSeconds * 1000 - now) / 1000),
      );
      const rateHeaders = (forced: boolean): Record<string, string> => ({
        'x-ratelimit-limit': String(limit.limit),
        'x-ratelimit-remaining': forced ? '0' : String(Math.max(0, limit.limit - window.used)),
        'x-ratelimit-reset': String(forced ? forcedResetSeconds : windowResetSeconds),
      });
      const answer = (a: Answer, forcedLimit = false): void => {
        const send = (): void => {
          if (res.destroyed) return;
          const headers: Record<string, string> = { ...rateHeaders(forcedLimit), ...(a.headers ?? {}) };
          const text = a.text ?? JSON.stringify(a.json ?? {});
          headers['content-type'] = a.text !== undefined ? 'text/plain; charset=utf-8' : 'application/json';
          responses.push({
            method: req.method ?? 'GET',
            path: url.pathname,
            status: a.status,
            headers,
            body: text,
          });
          res.writeHead(a.status, headers).end(text);
        };
        if (delayMs > 0) setTimeout(send, delayMs);
        else send();
      };
      if (req.headers.authorization !== `Bearer ${apiKey}`) {
        answer({
          status: 401,
          json: errorBody(
            '10009',
            'Authentication failed',
            'The API key provided is invalid or does not exist.',
          ),
        });
        return;
      }
      const overLimit = window.used > limit.limit;
      if (rateLimited > 0 || overLimit) {
        if (!overLimit) rateLimited--;
        answer(
          {
            status: 429,
            json: errorBody(
              '10011',
              'Too many requests',
              'You have exceeded the maximum number of allowed requests.',
            ),
          },
          !overLimit,
        );
        return;
      }
      if (failing > 0) {
        failing--;
        answer({
          status: failStatus,
          json: errorBody('10007', 'Unexpected error', 'An unexpected error occurred.'),
        });
        return;
      }
      try {
        answer(route(req.method ?? 'GET', url.pathname, query, body));
      } catch (err) {
        answer({ status: 500, json: errorBody('10007', 'Unexpected error', String(err)) });
      }
    });
  };

  let server = http.createServer(handler);
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  const port = await listen(options.port ?? 0);

  return {
    baseUrl: `http://127.0.0.1:${port}/v2`,
    apiKey,
    port,
    connections,
    numbers,
    credentials,
    requests,
    responses,
    resetRequests: () => {
      requests.length = 0;
      responses.length = 0;
    },
    rateLimitNext: (n, resetSeconds = 1) => {
      rateLimited = n;
      forcedResetSeconds = resetSeconds;
    },
    failNext: (n, status = 500) => {
      failing = n;
      failStatus = status;
    },
    setDelay: (ms) => {
      delayMs = ms;
    },
    down: stop,
    up: async () => {
      if (server.listening) return;
      server = http.createServer(handler);
      await listen(port);
    },
    close: stop,
    moveNumber,
    setConnectionActive: (id, active) => {
      const c = connections.get(id);
      if (!c) throw new Error(`fake telnyx: no connection ${id}`);
      c.active = active;
      touch(c);
    },
    setRegistrationStatus: (id, status) => {
      if (!connections.has(id)) throw new Error(`fake telnyx: no connection ${id}`);
      registrationStatus.set(id, status);
    },
    deleteNumber: (id) => {
      numbers.delete(id);
    },
    deleteConnection: (id) => {
      connections.delete(id);
      for (const p of numbers.values()) if (p.connection_id === id) moveNumber(p.id, null);
    },
    addConnection,
    addNumber,
    numbersOf: (id) => [...numbers.values()].filter((p) => p.connection_id === id),
    verifyToken,
  };
}
