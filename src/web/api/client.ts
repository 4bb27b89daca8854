/**
 * The browser's one typed client for the server's /api. Every request goes through {@link ApiClient.request}:
 * same-origin cookies, the CSRF header on writes, a client-side timeout, and one error type.
 */
import type { CallListQuery } from '../../shared/call-api.js';
import type { ConnectionHealthReportDto } from '../../shared/health.js';
import type { RegistrationReportBody } from '../../shared/schemas/health.js';
import type {
  CallDto,
  ConnectionDto,
  ConnectionHealthDto,
  ConnectionListDto,
  ConnectionSource,
  Page,
  RegistrationDto,
  SessionDto,
} from '../../shared/api.js';
import { ErrorCode } from '../../shared/errors.js';

/** Codes the browser adds to the server's: the request never got an answer. */
export const ClientErrorCode = {
  Network: 'NETWORK_ERROR',
  Timeout: 'TIMEOUT',
  BadResponse: 'BAD_RESPONSE',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** Any failed request. `message` is meant for the user; `status` is 0 when there was no HTTP answer. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The session is gone (never existed, expired, or was revoked). */
  get isUnauthenticated(): boolean {
    return this.code === ErrorCode.Unauthenticated || this.code === ErrorCode.SessionExpired;
  }
}

export type { CallListQuery };

export interface RequestOptions {
  query?: Record<string, string | number | undefined | null>;
  body?: unknown;
  /** A body sent as it is (a file), with its content type, instead of `body` as JSON. */
  rawBody?: { contentType: string; data: Blob | string };
  /** Abort and throw a TIMEOUT ApiError after this many milliseconds. */
  timeoutMs?: number;
  /** The message of that TIMEOUT error. */
  timeoutMessage?: string;
  signal?: AbortSignal;
  /** A 401 from this request does not mean "the session expired" (login, the first /me). */
  authProbe?: boolean;
}

type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  baseUrl?: string;
  fetch?: FetchLike;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class ApiClient {
  private csrfToken: string | null = null;
  private readonly sessionLostListeners = new Set<(error: ApiError) => void>();
  private readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? '/api';
    // Bound so that `window.fetch` is not called with the client as `this`.
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  setCsrfToken(token: string | null): void {
    this.csrfToken = token;
  }

  /** Called when a request made inside a session answers 401: the session expired or was revoked. */
  onSessionLost(listener: (error: ApiError) => void): () => void {
    this.sessionLostListeners.add(listener);
    return () => this.sessionLostListeners.delete(listener);
  }

  /** The address of an API path with its query (for links the browser follows itself: downloads). */
  url(path: string, query?: RequestOptions['query']): string {
    return this.baseUrl + path + queryString(query);
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.baseUrl + path + queryString(options.query);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.rawBody) headers['content-type'] = options.rawBody.contentType;
    if (WRITE_METHODS.has(method) && this.csrfToken) headers['x-csrf-token'] = this.csrfToken;

    // The platform's timeout signal, combined with the caller's own: either one aborts the request.
    const timeout = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
    const signals = [timeout, options.signal].filter((s): s is AbortSignal => s !== undefined);

    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        credentials: 'same-origin',
        body:
          options.rawBody?.data ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
        signal: AbortSignal.any(signals),
      });
    } catch (err) {
      if (timeout?.aborted) {
        throw new ApiError(
          ClientErrorCode.Timeout,
          options.timeoutMessage ??
            `The server did not answer in ${Math.round((options.timeoutMs ?? 0) / 1000)} s`,
          0,
        );
      }
      if (options.signal?.aborted) throw err;
      throw new ApiError(
        ClientErrorCode.Network,
        'Cannot reach the server. Check your connection and try again.',
        0,
        {
          cause: String(err),
        },
      );
    }

    if (response.status === 204) return undefined as T;
    const payload = await readJson(response);
    if (response.ok) return payload as T;

    const error = toApiError(response.status, payload);
    if (error.status === 401 && error.isUnauthenticated && !options.authProbe && this.csrfToken !== null) {
      for (const listener of [...this.sessionLostListeners]) listener(error);
    }
    throw error;
  }

  // ── Auth ────────────────────────────────────────────────────────────────────────────────────────
  login(email: string, password: string): Promise<SessionDto> {
    return this.request('POST', '/auth/login', { body: { email, password }, authProbe: true });
  }

  logout(): Promise<void> {
    return this.request('POST', '/auth/logout', { authProbe: true });
  }

  /** The current session, or an UNAUTHENTICATED/SESSION_EXPIRED ApiError. */
  me(): Promise<SessionDto> {
    return this.request('GET', '/auth/me', { authProbe: true });
  }

  /**
   * Asks whether the session still holds, as a request inside it: a 401 reaches the session-lost
   * listeners (the page goes to login). For whoever sees a refusal that does not say why (an EventSource).
   */
  async checkSession(): Promise<void> {
    await this.request('GET', '/auth/me');
  }

  // ── Connections ─────────────────────────────────────────────────────────────────────────────────
  listConnections(
    source: ConnectionSource,
    options: Pick<RequestOptions, 'timeoutMs' | 'timeoutMessage' | 'signal'> = {},
  ): Promise<ConnectionListDto> {
    return this.request('GET', '/connections', { ...options, query: { source } });
  }

  getConnection(id: string): Promise<ConnectionDto> {
    return this.request('GET', `/connections/${encodeURIComponent(id)}`);
  }

  /** What the softphone needs to register the connection (used by the calling feature). */
  createRegistration(connectionId: string): Promise<RegistrationDto> {
    return this.request('POST', `/connections/${encodeURIComponent(connectionId)}/registration`);
  }

  /** How this browser's registration went: a passive health signal for the connection. */
  reportRegistration(connectionId: string, report: RegistrationReportBody): Promise<ConnectionHealthDto> {
    return this.request('POST', `/connections/${encodeURIComponent(connectionId)}/registration-report`, {
      body: report,
    });
  }

  /** A connection's health: state changes and latency over the last `hours`. */
  connectionHealth(connectionId: string, hours: number): Promise<ConnectionHealthReportDto> {
    return this.request('GET', `/connections/${encodeURIComponent(connectionId)}/health`, {
      query: { hours },
    });
  }

  // ── Calls ───────────────────────────────────────────────────────────────────────────────────────
  /** Link that downloads the calls matching the filters as CSV (the session cookie authorises it). */
  callsCsvUrl(query: Omit<CallListQuery, 'page' | 'pageSize'>): string {
    return `${this.baseUrl}/calls/export.csv${queryString({ ...query })}`;
  }

  listCalls(query: CallListQuery, options: Pick<RequestOptions, 'signal'> = {}): Promise<Page<CallDto>> {
    return this.request('GET', '/calls', { ...options, query: { ...query } });
  }
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

function toApiError(status: number, payload: unknown): ApiError {
  if (isErrorBody(payload)) {
    const { code, message, details } = payload.error;
    const known = KNOWN_CODES.has(code) ? (code as ErrorCode) : fallbackCode(status);
    return new ApiError(known, message || defaultMessage(status), status, details);
  }
  return new ApiError(fallbackCode(status), defaultMessage(status), status);
}

function isErrorBody(
  value: unknown,
): value is { error: { code: string; message: string; details?: unknown } } {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = value.error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

function fallbackCode(status: number): ErrorCode | ClientErrorCode {
  if (status === 401) return ErrorCode.Unauthenticated;
  if (status === 403) return ErrorCode.Forbidden;
  if (status === 404) return ErrorCode.NotFound;
  if (status === 429) return ErrorCode.RateLimited;
  if (status >= 500) return ErrorCode.Internal;
  return ClientErrorCode.BadResponse;
}

function defaultMessage(status: number): string {
  if (status === 429) return 'Too many attempts. Wait a minute and try again.';
  if (status >= 500) return `The server had a problem (HTTP ${status}). Try again in a moment.`;
  return `The server refused the request (HTTP ${status}).`;
}

/** The app's client. Tests build their own with a fake fetch. */
export const api = new ApiClient();
