/**
 * An in-memory Telnyx account behind the TelnyxRepository interface the Telnyx services receive
 * (src/server/repositories/telnyx/telnyx-repository.ts), for the unit tier: connections, numbers and
 * telephony credentials in arrays, pages of a chosen size, and a log of every call so a test can say
 * what reached Telnyx. Like fake-repositories.ts, a member it does not implement throws when called.
 */
import type {
  TelnyxConnection,
  TelnyxCredential,
  TelnyxPage,
  TelnyxPhoneNumber,
  TelnyxRepository,
} from '../../../src/server/repositories/telnyx/telnyx-repository.js';

export interface FakeTelnyx {
  configured: boolean;
  connections: TelnyxConnection[];
  numbers: TelnyxPhoneNumber[];
  credentials: TelnyxCredential[];
  /** Items per page of the paged lists. */
  pageSize: number;
  /** Every call, as `method(args)`. */
  calls: string[];
  /** The `exp` (seconds since the epoch) of the next tokens; null: tokens without `exp`. */
  tokenExp: number | null;
  /** createToken answers null (Telnyx's 404) for these credential ids besides deleted ones. */
  refuseTokensFor: Set<string>;
  /** Thrown by the next matching call (then cleared). */
  failOn: Partial<Record<'connectionPages' | 'phoneNumberPages' | 'setNumberConnection', Error>>;
  api: TelnyxRepository;
}

export function aTelnyxConnection(id: string, o: Partial<TelnyxConnection> = {}): TelnyxConnection {
  return {
    id,
    name: `Connection ${id}`,
    active: true,
    userName: `user${id}`,
    anchorsite: null,
    dtmfType: null,
    codecs: null,
    channelLimit: null,
    sipUriCallingPreference: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: null,
    ...o,
  };
}

export function aTelnyxNumber(
  id: string,
  phoneNumber: string,
  connectionId: string | null,
  o: Partial<TelnyxPhoneNumber> = {},
): TelnyxPhoneNumber {
  return {
    id,
    phoneNumber,
    status: 'active',
    country: 'US',
    numberType: 'local',
    connectionId,
    emergencyEnabled: false,
    purchasedAt: null,
    createdAt: null,
    updatedAt: null,
    ...o,
  };
}

/** A JWT-shaped token (header.payload.signature) whose payload carries `exp` when given. */
export function aJwt(exp: number | null, n = 0): string {
  const payload = Buffer.from(JSON.stringify(exp === null ? { n } : { exp, n })).toString('base64url');
  return `eyJhbGciOiJub25lIn0.${payload}.sig${n}`;
}

export function fakeTelnyx(o: Partial<Omit<FakeTelnyx, 'api' | 'calls'>> = {}): FakeTelnyx {
  let tokens = 0;
  let created = 0;
  const t: FakeTelnyx = {
    configured: true,
    connections: [],
    numbers: [],
    credentials: [],
    pageSize: 2,
    calls: [],
    tokenExp: null,
    refuseTokensFor: new Set(),
    failOn: {},
    ...o,
    api: undefined as unknown as TelnyxRepository,
  };
  const fail = (what: keyof FakeTelnyx['failOn']) => {
    const err = t.failOn[what];
    if (err) {
      delete t.failOn[what];
      throw err;
    }
  };
  async function* pages<T>(items: () => T[]): AsyncGenerator<TelnyxPage<T>> {
    const all = items();
    const totalPages = Math.max(1, Math.ceil(all.length / t.pageSize));
    for (let i = 0; i < totalPages; i++) {
      yield await Promise.resolve({
        items: all.slice(i * t.pageSize, (i + 1) * t.pageSize),
        pageNumber: i + 1,
        totalPages,
        totalResults: all.length,
      });
    }
  }
  const numbersOf = (connectionId?: string) =>
    t.numbers.filter((n) => connectionId === undefined || n.connectionId === connectionId);
  const impl: Partial<TelnyxRepository> = {
    get configured() {
      return t.configured;
    },
    connectionPages() {
      t.calls.push('connectionPages()');
      fail('connectionPages');
      return pages(() => t.connections);
    },
    phoneNumberPages(options = {}) {
      t.calls.push(`phoneNumberPages(${options.connectionId ?? ''})`);
      fail('phoneNumberPages');
      return pages(() => numbersOf(options.connectionId));
    },
    listAllConnections() {
      t.calls.push('listAllConnections()');
      return Promise.resolve([...t.connections]);
    },
    listAllNumbers(connectionId) {
      t.calls.push(`listAllNumbers(${connectionId ?? ''})`);
      return Promise.resolve(numbersOf(connectionId));
    },
    getConnection(id) {
      t.calls.push(`getConnection(${id})`);
      return Promise.resolve(t.connections.find((c) => c.id === id) ?? null);
    },
    setNumberConnection(numberId, connectionId) {
      t.calls.push(`setNumberConnection(${numberId},${connectionId})`);
      fail('setNumberConnection');
      const n = t.numbers.find((x) => x.id === numberId);
      if (!n) return Promise.reject(new Error(`no number ${numberId}`));
      n.connectionId = connectionId;
      return Promise.resolve({ ...n });
    },
    createCredential(connectionId, name) {
      t.calls.push(`createCredential(${connectionId},${name})`);
      created++;
      const c: TelnyxCredential = { id: `cred-new-${created}`, name, connectionId, expired: false };
      t.credentials.push(c);
      return Promise.resolve({ ...c });
    },
    getCredential(id) {
      t.calls.push(`getCredential(${id})`);
      const c = t.credentials.find((x) => x.id === id);
      return Promise.resolve(c ? { ...c } : null);
    },
    createToken(credentialId) {
      t.calls.push(`createToken(${credentialId})`);
      if (t.refuseTokensFor.has(credentialId) || !t.credentials.some((c) => c.id === credentialId))
        return Promise.resolve(null);
      tokens++;
      return Promise.resolve(aJwt(t.tokenExp, tokens));
    },
  };
  t.api = partial<TelnyxRepository>('telnyx', impl);
  return t;
}

/** `impl` as a whole `T`: members it lacks throw when called (as in fake-repositories.ts). */
export function partial<T extends object>(name: string, impl: Partial<T>): T {
  return new Proxy(impl, {
    get(target, prop, receiver) {
      if (prop in target) return Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'then') return undefined;
      return () => {
        throw new Error(`${name}.${String(prop)} is not faked`);
      };
    },
  }) as T;
}
