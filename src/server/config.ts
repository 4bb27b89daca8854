/**
 * Configuration is read once from the environment, validated, and frozen into a typed object.
 * A bad environment fails at start-up with every bad key listed.
 */
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { COUNTRY_CODE_PATTERN } from '../shared/value-rules.js';
import { CREDENTIALS_KEY_FORMAT, parseCredentialsKey } from './repositories/credential-cipher.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'must start with postgres://, postgresql:// or sqlite:')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** 32 bytes, base64 or hex. Generated into DATA_DIR/secret.key when absent. */
  CREDENTIALS_KEY: z.string().optional(),
  SESSION_TTL_HOURS: z.coerce.number().positive().default(12),
  COOKIE_SECURE: bool.optional(),
  LOGIN_RATE_LIMIT: z.coerce.number().int().positive().default(10),
  LOGIN_THROTTLE_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  LOGIN_THROTTLE_BASE_SECONDS: z.coerce.number().positive().max(86_400).default(30),
  LOGIN_THROTTLE_MAX_SECONDS: z.coerce.number().positive().max(86_400).default(900),
  TRUST_PROXY: z.string().optional(),
  DEFAULT_COUNTRY: z
    .string()
    .regex(COUNTRY_CODE_PATTERN, 'must be an ISO 3166 alpha-2 code such as US')
    .default('US'),
  DEFAULT_SIP_WS_SERVER: z.string().optional(),
  DEFAULT_SIP_URI: z.string().optional(),
  DEFAULT_SIP_USERNAME: z.string().optional(),
  DEFAULT_SIP_PASSWORD: z.string().optional(),
  DEFAULT_TELNYX_LOGIN: z.string().optional(),
  DEFAULT_TELNYX_PASSWORD: z.string().optional(),
  TELNYX_API_KEY: z.string().optional(),
  TELNYX_BASE_URL: z.string().url().optional(),
  TELNYX_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  TELNYX_RTC_HOST: z.string().optional(),
  TELNYX_SYNC_INTERVAL_MINUTES: z.coerce.number().int().min(0).default(0),
  CALL_ABANDON_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(120),
  ICE_SERVERS: z.string().optional(),
  WEB_DIST_DIR: z.string().optional(),
  SEED_DEMO: bool.default(false),
  SERVE_SOURCE_MAPS: bool.optional(),
  CONNECTIONS_CACHE: z.enum(['on', 'off']).default('on'),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().positive().default(10),
  HEALTH_CHECK_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(30),
  HEALTH_CHECK_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
  HEALTH_SAMPLE_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
  /** PostgreSQL only: connections per instance (several instances share the server's max_connections). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  /** How long a request waits for a database connection (opening one, or a free one in the pool). */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(3000),
  /** The longest a single SQL statement may run (PostgreSQL statement_timeout; SQLite busy wait). */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  /** Bearer token that lets a Prometheus server read GET /api/metrics (an admin session also may). */
  METRICS_TOKEN: z.string().optional(),
});

export type RawEnv = z.input<typeof schema>;

/**
 * Where the data lives, and how long a request may wait for it: a database that does not answer within
 * these bounds makes the request fail with 503 SERVICE_UNAVAILABLE instead of hanging.
 */
export type DatabaseConfig = ({ kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string }) & {
  /** Absent = the defaults of DATABASE_POOL_SIZE / _CONNECT_TIMEOUT_MS / _STATEMENT_TIMEOUT_MS. */
  limits?: DatabaseLimits;
};

export interface DatabaseLimits {
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

export const DEFAULT_DATABASE_LIMITS: DatabaseLimits = Object.freeze({
  poolSize: 10,
  connectTimeoutMs: 3000,
  statementTimeoutMs: 10_000,
});

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  dataDir: string;
  database: DatabaseConfig;
  logLevel: string;
  credentialsKey: string | undefined;
  sessionTtlMs: number;
  cookieSecure: boolean;
  loginRateLimit: number;
  /** Per-account backoff after repeated failed logins (services/login-throttle.ts). */
  loginThrottle: { failuresBeforeBackoff: number; baseBackoffMs: number; maxBackoffMs: number };
  /**
   * Which peers may set the client address with X-Forwarded-For: none (false), the nearest N hops, or
   * these addresses/CIDR ranges. Only the load balancer in front of Dialer should be trusted.
   */
  trustProxy: false | number | string[];
  defaultCountry: string;
  defaultSip: { wsServer?: string; sipUri?: string; username?: string; password?: string };
  defaultTelnyx: { login?: string; password?: string };
  telnyx: {
    apiKey?: string;
    baseUrl?: string;
    timeoutMs: number;
    rtcHost?: string;
    syncIntervalMinutes: number;
  };
  callAbandonTimeoutMs: number;
  iceServers: { urls: string | string[]; username?: string; credential?: string }[];
  webDistDir: string;
  seedDemo: boolean;
  /** Serve the web app's *.map files (they reveal its source); off in production unless asked. */
  serveSourceMaps: boolean;
  /** Cache each user's connections list JSON in memory, validated by the database's revision per request. */
  connectionsCache: boolean;
  /** On SIGTERM/SIGINT, how long requests in flight may take before their connections are closed. */
  shutdownGraceMs: number;
  /** Trunk health probes: every N seconds (0 = off), at most `concurrency` at once; samples kept N days. */
  health: { intervalSeconds: number; concurrency: number; retentionDays: number };
  /** Bearer token for GET /api/metrics (undefined: only an admin session may read it). */
  metricsToken: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const PROXY_KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** TRUST_PROXY: unset/0/false = trust no proxy; a hop count; or a comma-separated address/CIDR list. */
function parseTrustProxy(raw: string | undefined, problems: string[]): Config['trustProxy'] {
  if (raw === undefined || raw === 'false') return false;
  if (/^\d+$/.test(raw)) return Number(raw) === 0 ? false : Number(raw);
  if (raw === 'true') {
    problems.push(
      'TRUST_PROXY: "true" would let every client choose its address with X-Forwarded-For; give the number of proxies in front of Dialer (e.g. 1) or their addresses (e.g. 10.0.0.5,10.1.0.0/16)',
    );
    return false;
  }
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = entries.filter((entry) => {
    if (PROXY_KEYWORDS.has(entry)) return false;
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = net.isIP(address);
    if (family === 0 || rest.length) return true;
    if (prefix === undefined) return false;
    return !/^\d{1,3}$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128);
  });
  if (bad.length || entries.length === 0) {
    problems.push(
      `TRUST_PROXY: must be a hop count or a comma-separated list of addresses or CIDR ranges (not ${bad.map((b) => JSON.stringify(b)).join(', ') || 'empty'})`,
    );
    return false;
  }
  return entries;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset" so that `FOO=` in a .env file does not fail validation.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  let iceServers: Config['iceServers'] = [];
  if (e.ICE_SERVERS) {
    try {
      iceServers = JSON.parse(e.ICE_SERVERS) as Config['iceServers'];
      if (!Array.isArray(iceServers)) throw new Error('not an array');
    } catch {
      problems.push('ICE_SERVERS: must be a JSON array such as [{"urls":"stun:stun.example.com"}]');
    }
  }
  const trustProxy = parseTrustProxy(e.TRUST_PROXY, problems);
  if (e.SEED_DEMO && e.NODE_ENV === 'production') {
    problems.push(
      'SEED_DEMO: the demo data has published passwords and is refused when NODE_ENV=production; unset SEED_DEMO and create users with `dialer user create`',
    );
  }
  if (e.LOGIN_THROTTLE_MAX_SECONDS < e.LOGIN_THROTTLE_BASE_SECONDS) {
    problems.push('LOGIN_THROTTLE_MAX_SECONDS: must be at least LOGIN_THROTTLE_BASE_SECONDS');
  }
  if (e.CREDENTIALS_KEY !== undefined && !parseCredentialsKey(e.CREDENTIALS_KEY)) {
    problems.push(`CREDENTIALS_KEY: ${CREDENTIALS_KEY_FORMAT}`);
  }
  if (e.METRICS_TOKEN !== undefined && (e.METRICS_TOKEN.length < 24 || /\s/.test(e.METRICS_TOKEN))) {
    problems.push(
      'METRICS_TOKEN: must be at least 24 characters without spaces (e.g. the output of `openssl rand -hex 24`)',
    );
  }
  if (problems.length) throw new ConfigError(problems);

  const dataDir = path.resolve(e.DATA_DIR);
  const url = e.DATABASE_URL;
  const limits: DatabaseLimits = {
    poolSize: e.DATABASE_POOL_SIZE,
    connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
  };
  const database: DatabaseConfig =
    url && !url.startsWith('sqlite:')
      ? { kind: 'postgres', url, limits }
      : {
          kind: 'sqlite',
          file: url ? url.slice('sqlite:'.length) : path.join(dataDir, 'dialer.sqlite'),
          limits,
        };

  return Object.freeze({
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    dataDir,
    database,
    logLevel: e.LOG_LEVEL,
    credentialsKey: e.CREDENTIALS_KEY,
    sessionTtlMs: e.SESSION_TTL_HOURS * 3600_000,
    cookieSecure: e.COOKIE_SECURE ?? e.NODE_ENV === 'production',
    loginRateLimit: e.LOGIN_RATE_LIMIT,
    loginThrottle: {
      failuresBeforeBackoff: e.LOGIN_THROTTLE_FAILURES,
      baseBackoffMs: e.LOGIN_THROTTLE_BASE_SECONDS * 1000,
      maxBackoffMs: e.LOGIN_THROTTLE_MAX_SECONDS * 1000,
    },
    trustProxy,
    defaultCountry: e.DEFAULT_COUNTRY,
    defaultSip: {
      wsServer: e.DEFAULT_SIP_WS_SERVER,
      sipUri: e.DEFAULT_SIP_URI,
      username: e.DEFAULT_SIP_USERNAME,
      password: e.DEFAULT_SIP_PASSWORD,
    },
    defaultTelnyx: { login: e.DEFAULT_TELNYX_LOGIN, password: e.DEFAULT_TELNYX_PASSWORD },
    telnyx: {
      apiKey: e.TELNYX_API_KEY,
      baseUrl: e.TELNYX_BASE_URL,
      timeoutMs: e.TELNYX_TIMEOUT_MS,
      rtcHost: e.TELNYX_RTC_HOST,
      syncIntervalMinutes: e.TELNYX_SYNC_INTERVAL_MINUTES,
    },
    callAbandonTimeoutMs: e.CALL_ABANDON_TIMEOUT_SECONDS * 1000,
    iceServers,
    webDistDir: path.resolve(e.WEB_DIST_DIR ?? 'dist/web'),
    seedDemo: e.SEED_DEMO,
    serveSourceMaps: e.SERVE_SOURCE_MAPS ?? e.NODE_ENV !== 'production',
    connectionsCache: e.CONNECTIONS_CACHE === 'on',
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    health: {
      intervalSeconds: e.HEALTH_CHECK_INTERVAL_SECONDS,
      concurrency: e.HEALTH_CHECK_CONCURRENCY,
      retentionDays: e.HEALTH_SAMPLE_RETENTION_DAYS,
    },
    metricsToken: e.METRICS_TOKEN,
  });
}
