/**
 * The Telnyx REST API, through the official SDK. This is the only file that knows the SDK: it pages
 * lists, keeps the SDK's own retries for 408/409/429/5xx, and turns the SDK's errors into our domain
 * errors at the edge, so services and routes only ever see TELNYX_NOT_CONFIGURED, TELNYX_UNAVAILABLE or
 * TELNYX_ERROR (with Telnyx's own detail).
 */
import type * as TelnyxSdk from 'telnyx';
import type Telnyx from 'telnyx';
import { DomainError, ErrorCode } from '../../../shared/errors.js';

export interface TelnyxRepositoryOptions {
  apiKey?: string | undefined;
  /** Defaults to the SDK's https://api.telnyx.com/v2; tests point it at the local fake. */
  baseUrl?: string | undefined;
  timeoutMs: number;
  /** SDK retries on 408/409/429/5xx and connection errors (default 2). */
  maxRetries?: number;
}

/** The fields of a credential connection the app uses. */
export interface TelnyxConnection {
  id: string;
  name: string;
  active: boolean;
  userName: string | null;
  anchorsite: string | null;
  dtmfType: string | null;
  codecs: string[] | null;
  channelLimit: number | null;
  sipUriCallingPreference: string | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface TelnyxPhoneNumber {
  id: string;
  phoneNumber: string;
  status: string;
  country: string | null;
  numberType: string | null;
  connectionId: string | null;
  /** Telnyx routes emergency calls from this number (it has an emergency address). */
  emergencyEnabled: boolean;
  purchasedAt: string | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface TelnyxPage<T> {
  items: T[];
  pageNumber: number;
  totalPages: number;
  totalResults: number | null;
}

export interface TelnyxCredential {
  id: string;
  name: string | null;
  connectionId: string | null;
  expired: boolean;
}

/** check_registration_status of a credential connection, with how long the API took to answer. */
export interface TelnyxRegistrationStatus {
  /** 'Registered', 'Not Registered', 'Failed', 'Expired', 'Unregistered', 'Not Applicable'. */
  status: string | null;
  lastRegistration: string | null;
  latencyMs: number;
}

export const TELNYX_MAX_PAGE_SIZE = 250;

/** What a missing API key looks like to every Telnyx feature. */
export function telnyxNotConfigured(): DomainError {
  return new DomainError(
    ErrorCode.TelnyxNotConfigured,
    'Telnyx API is not configured: set TELNYX_API_KEY (and TELNYX_BASE_URL for a non-default endpoint).',
  );
}

type Sdk = InstanceType<typeof Telnyx>;
type SdkModule = typeof TelnyxSdk;

/**
 * The SDK is loaded on first use: most commands and requests never call Telnyx, and loading it (~0.8 MB
 * of JavaScript) would be a good part of the start-up of a CLI command that only reads the database.
 * Once loaded, `translate` recognises its error classes; before that no error can be one of them.
 */
let sdkModule: SdkModule | undefined;
async function loadSdk(): Promise<SdkModule> {
  sdkModule ??= await import('telnyx');
  return sdkModule;
}

function isSdkNotFound(err: unknown): boolean {
  return sdkModule !== undefined && err instanceof sdkModule.NotFoundError;
}
type SdkConnection = Awaited<ReturnType<Sdk['credentialConnections']['list']>>['data'][number];
type SdkNumber = Awaited<ReturnType<Sdk['phoneNumbers']['list']>>['data'][number];

function toConnection(c: SdkConnection): TelnyxConnection {
  const anchor = c.anchorsite_override ?? null;
  return {
    id: String(c.id ?? ''),
    name: c.connection_name ?? `Telnyx connection ${String(c.id ?? '')}`,
    active: c.active !== false, // the API documents "defaults to true"
    userName: c.user_name ?? null,
    anchorsite: anchor && anchor !== 'Latency' ? anchor : null,
    dtmfType: c.dtmf_type ?? null,
    codecs: c.inbound?.codecs ?? null,
    channelLimit: c.outbound?.channel_limit ?? c.inbound?.channel_limit ?? null,
    sipUriCallingPreference: c.sip_uri_calling_preference ?? null,
    createdAt: c.created_at ?? null,
    updatedAt: c.updated_at ?? null,
  };
}

function toNumber(p: SdkNumber): TelnyxPhoneNumber {
  return {
    id: String(p.id),
    phoneNumber: p.phone_number,
    status: p.status,
    country: p.country_iso_alpha2 ?? null,
    numberType: p.phone_number_type ?? null,
    connectionId: p.connection_id ? String(p.connection_id) : null,
    emergencyEnabled: p.emergency_enabled === true,
    purchasedAt: p.purchased_at ?? null,
    createdAt: p.created_at ?? null,
    updatedAt: p.updated_at ?? null,
  };
}

interface TelnyxErrorBody {
  errors?: { code?: string | number; title?: string; detail?: string }[];
}

export class TelnyxRepository {
  private client: Promise<Sdk> | null = null;
  private readonly timeoutMs: number;

  constructor(private readonly options: TelnyxRepositoryOptions) {
    this.timeoutMs = options.timeoutMs;
  }

  get configured(): boolean {
    return Boolean(this.options.apiKey);
  }

  private sdk(): Promise<Sdk> {
    const { apiKey, baseUrl, timeoutMs, maxRetries } = this.options;
    if (!apiKey) return Promise.reject(telnyxNotConfigured());
    this.client ??= loadSdk().then(
      ({ default: Telnyx }) =>
        new Telnyx({
          apiKey,
          // Passed explicitly (even when undefined) so the SDK's own env fallbacks never pick a surprise.
          baseURL: baseUrl ?? null,
          timeout: timeoutMs,
          maxRetries: maxRetries ?? 2,
          // The SDK would log retries to console; our logger is the app's, and errors reach it translated.
          logLevel: 'off',
        }),
    );
    return this.client;
  }

  /** Turns any SDK/transport error into a domain error; domain errors pass through. */
  translate(err: unknown): DomainError {
    if (err instanceof DomainError) return err;
    const { APIConnectionError, APIConnectionTimeoutError, APIError } = sdkModule ?? {};
    if (APIConnectionTimeoutError && err instanceof APIConnectionTimeoutError) {
      return new DomainError(
        ErrorCode.TelnyxUnavailable,
        `Telnyx API did not answer in ${Math.round(this.timeoutMs / 100) / 10} s`,
      );
    }
    if (APIConnectionError && err instanceof APIConnectionError) {
      const cause = (err as { cause?: { cause?: { code?: string }; message?: string } }).cause;
      const code = cause?.cause?.code;
      const why =
        code === 'ECONNREFUSED' ? 'connection refused' : code === 'ENOTFOUND' ? 'unknown host' : code;
      return new DomainError(
        ErrorCode.TelnyxUnavailable,
        `Telnyx API cannot be reached${why ? ` (${why})` : ''}`,
      );
    }
    if (APIError && err instanceof APIError) {
      const body = err.error as TelnyxErrorBody | undefined;
      const first = body?.errors?.[0];
      const detail = first?.detail ?? first?.title ?? err.message;
      const status: number = typeof err.status === 'number' ? err.status : 0;
      if (status === 401 || status === 403) {
        return new DomainError(ErrorCode.TelnyxError, `Telnyx rejected the API key: ${detail}`, {
          status,
          telnyxCode: first?.code ?? null,
        });
      }
      if (status === 429) {
        // Telnyx documents x-ratelimit-reset (seconds until the window resets) on every answer.
        const reset = Number((err.headers as Headers | undefined)?.get('x-ratelimit-reset') ?? NaN);
        const resetSeconds = Number.isFinite(reset) && reset > 0 ? Math.ceil(reset) : null;
        return new DomainError(
          ErrorCode.TelnyxUnavailable,
          `Telnyx API rate limit reached: ${detail}${resetSeconds ? ` Try again in ${resetSeconds} s.` : ''}`,
          { status, telnyxCode: first?.code ?? null, retryAfterSeconds: resetSeconds },
        );
      }
      if (status >= 500) {
        return new DomainError(ErrorCode.TelnyxUnavailable, `Telnyx API failed (${status}): ${detail}`, {
          status,
          telnyxCode: first?.code ?? null,
        });
      }
      return new DomainError(ErrorCode.TelnyxError, `Telnyx: ${detail}`, {
        status,
        telnyxCode: first?.code ?? null,
        errors: body?.errors ?? null,
      });
    }
    const message = err instanceof Error ? err.message : String(err);
    return new DomainError(ErrorCode.TelnyxError, `Telnyx: ${message}`);
  }

  private async call<T>(fn: (sdk: Sdk) => Promise<T>): Promise<T> {
    try {
      const sdk = await this.sdk();
      return await fn(sdk);
    } catch (err) {
      throw this.translate(err);
    }
  }

  /** Pages of credential connections, one request at a time (callers process a page before the next). */
  async *connectionPages(pageSize = TELNYX_MAX_PAGE_SIZE): AsyncGenerator<TelnyxPage<TelnyxConnection>> {
    try {
      const sdk = await this.sdk();
      const first = await sdk.credentialConnections.list({ 'page[size]': pageSize });
      for await (const page of first.iterPages()) {
        yield {
          items: page.data.map(toConnection),
          pageNumber: page.meta?.page_number ?? 1,
          totalPages: page.meta?.total_pages ?? 1,
          totalResults: (page.meta as { total_results?: number } | undefined)?.total_results ?? null,
        };
      }
    } catch (err) {
      throw this.translate(err);
    }
  }

  /** Pages of phone numbers, optionally only those routed to one connection. */
  async *phoneNumberPages(
    options: { connectionId?: string; pageSize?: number } = {},
  ): AsyncGenerator<TelnyxPage<TelnyxPhoneNumber>> {
    try {
      const sdk = await this.sdk();
      const first = await sdk.phoneNumbers.list({
        'page[size]': options.pageSize ?? TELNYX_MAX_PAGE_SIZE,
        ...(options.connectionId ? { filter: { connection_id: options.connectionId } } : {}),
      });
      for await (const page of first.iterPages()) {
        yield {
          items: page.data.map(toNumber),
          pageNumber: page.meta?.page_number ?? 1,
          totalPages: page.meta?.total_pages ?? 1,
          totalResults: (page.meta as { total_results?: number } | undefined)?.total_results ?? null,
        };
      }
    } catch (err) {
      throw this.translate(err);
    }
  }

  async listAllConnections(): Promise<TelnyxConnection[]> {
    const all: TelnyxConnection[] = [];
    for await (const page of this.connectionPages()) all.push(...page.items);
    return all;
  }

  async listAllNumbers(connectionId?: string): Promise<TelnyxPhoneNumber[]> {
    const all: TelnyxPhoneNumber[] = [];
    for await (const page of this.phoneNumberPages(connectionId ? { connectionId } : {}))
      all.push(...page.items);
    return all;
  }

  /** null when Telnyx has no such connection. */
  async getConnection(id: string): Promise<TelnyxConnection | null> {
    try {
      const sdk = await this.sdk();
      const res = await sdk.credentialConnections.retrieve(id);
      return res.data ? toConnection(res.data) : null;
    } catch (err) {
      if (isSdkNotFound(err)) return null;
      throw this.translate(err);
    }
  }

  /** Routes the number to the connection at Telnyx (PATCH /phone_numbers/:id). */
  async setNumberConnection(numberId: string, connectionId: string): Promise<TelnyxPhoneNumber> {
    return this.call(async (sdk) => {
      const res = await sdk.phoneNumbers.update(numberId, { connection_id: connectionId });
      if (!res.data)
        throw new DomainError(ErrorCode.TelnyxError, 'Telnyx answered without the updated number');
      return toNumber(res.data);
    });
  }

  async createCredential(connectionId: string, name: string): Promise<TelnyxCredential> {
    return this.call(async (sdk) => {
      const res = await sdk.telephonyCredentials.create({ connection_id: connectionId, name });
      const c = res.data;
      if (!c?.id) throw new DomainError(ErrorCode.TelnyxError, 'Telnyx answered without the new credential');
      return {
        id: c.id,
        name: c.name ?? null,
        connectionId: c.resource_id?.replace(/^connection:/, '') ?? connectionId,
        expired: c.expired === true,
      };
    });
  }

  /** null when Telnyx does not know the credential (deleted). */
  async getCredential(id: string): Promise<TelnyxCredential | null> {
    try {
      const sdk = await this.sdk();
      const c = (await sdk.telephonyCredentials.retrieve(id)).data;
      if (!c?.id) return null;
      return {
        id: c.id,
        name: c.name ?? null,
        connectionId: c.resource_id?.replace(/^connection:/, '') ?? null,
        expired: c.expired === true,
      };
    } catch (err) {
      if (isSdkNotFound(err)) return null;
      throw this.translate(err);
    }
  }

  /**
   * A login token (JWT) for the credential. null when Telnyx no longer knows the credential (deleted),
   * so the caller can create a fresh one.
   */
  async createToken(credentialId: string): Promise<string | null> {
    try {
      const sdk = await this.sdk();
      const token = await sdk.telephonyCredentials.createToken(credentialId);
      return String(token).trim();
    } catch (err) {
      if (isSdkNotFound(err)) return null;
      throw this.translate(err);
    }
  }

  /** The live SIP registration status of a credential connection; null when Telnyx has no such connection. */
  async registrationStatus(connectionId: string): Promise<TelnyxRegistrationStatus | null> {
    const started = performance.now();
    try {
      const sdk = await this.sdk();
      const res = await sdk.credentialConnections.actions.checkRegistrationStatus(connectionId);
      return {
        status: res.data?.status ?? null,
        lastRegistration: res.data?.last_registration ?? null,
        latencyMs: Math.round(performance.now() - started),
      };
    } catch (err) {
      if (isSdkNotFound(err)) return null;
      throw this.translate(err);
    }
  }
}
