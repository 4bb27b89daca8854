/**
 * The security-relevant configuration: which proxies may set the client address (TRUST_PROXY), the
 * login throttle, the demo data refused in production, and source maps off in production by default.
 * Bad values fail at start-up with the key named.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/server/config.js';

const base = { DATA_DIR: '/tmp/dialer-config-test', LOG_LEVEL: 'silent' };
const load = (env: Record<string, string>) => loadConfig({ ...base, ...env });

function problemsOf(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('trusts no proxy unless TRUST_PROXY names a hop count or addresses', () => {
    expect(load({}).trustProxy).toBe(false);
    expect(load({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(load({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(load({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(load({ TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,::1,fd00::/8,loopback' }).trustProxy).toEqual([
      '10.0.0.5',
      '10.1.0.0/16',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
  });

  it('refuses TRUST_PROXY=true (any client could choose its address) and anything that is not an address', () => {
    expect(problemsOf({ TRUST_PROXY: 'true' })).toEqual([
      expect.stringMatching(/^TRUST_PROXY: "true" would let every client choose its address/),
    ]);
    for (const bad of ['10.0.0.300', '10.0.0.0/33', 'proxy.example.com', '::1/129', ',']) {
      expect(problemsOf({ TRUST_PROXY: bad }), bad).toEqual([expect.stringMatching(/^TRUST_PROXY: /)]);
    }
  });

  it('accepts a METRICS_TOKEN only when it is long enough to guess by no one', () => {
    expect(load({}).metricsToken).toBeUndefined();
    const token = 'a'.repeat(24);
    expect(load({ METRICS_TOKEN: token }).metricsToken).toBe(token);
    expect(problemsOf({ METRICS_TOKEN: 'short' })).toEqual([expect.stringMatching(/^METRICS_TOKEN: /)]);
    expect(problemsOf({ METRICS_TOKEN: `${token} x` })).toEqual([expect.stringMatching(/^METRICS_TOKEN: /)]);
  });

  it('bounds the database: pool size and connect/statement timeouts, with defaults', () => {
    const url = 'postgres://dialer@db.example/dialer';
    expect(load({ DATABASE_URL: url }).database).toEqual({
      kind: 'postgres',
      url,
      limits: { poolSize: 10, connectTimeoutMs: 3000, statementTimeoutMs: 10_000 },
    });
    const set = load({
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: '4',
      DATABASE_CONNECT_TIMEOUT_MS: '500',
      DATABASE_STATEMENT_TIMEOUT_MS: '2000',
    });
    expect(set.database.limits).toEqual({ poolSize: 4, connectTimeoutMs: 500, statementTimeoutMs: 2000 });
    expect(problemsOf({ DATABASE_POOL_SIZE: '0', DATABASE_CONNECT_TIMEOUT_MS: 'soon' })).toEqual([
      expect.stringMatching(/^DATABASE_POOL_SIZE: /),
      expect.stringMatching(/^DATABASE_CONNECT_TIMEOUT_MS: /),
    ]);
  });

  it('refuses SEED_DEMO in production, naming the key', () => {
    expect(load({ SEED_DEMO: 'true' }).seedDemo).toBe(true);
    expect(problemsOf({ SEED_DEMO: 'true', NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^SEED_DEMO: .*refused when NODE_ENV=production/),
    ]);
    expect(load({ SEED_DEMO: 'false', NODE_ENV: 'production' }).seedDemo).toBe(false);
  });

  it('serves source maps in development only, unless SERVE_SOURCE_MAPS says otherwise', () => {
    expect(load({ NODE_ENV: 'development' }).serveSourceMaps).toBe(true);
    expect(load({ NODE_ENV: 'production' }).serveSourceMaps).toBe(false);
    expect(load({ NODE_ENV: 'production', SERVE_SOURCE_MAPS: 'true' }).serveSourceMaps).toBe(true);
    expect(load({ NODE_ENV: 'development', SERVE_SOURCE_MAPS: 'false' }).serveSourceMaps).toBe(false);
  });

  it('throttles an account after 5 failures by default, from 30 s up to 15 min', () => {
    expect(load({}).loginThrottle).toEqual({
      failuresBeforeBackoff: 5,
      baseBackoffMs: 30_000,
      maxBackoffMs: 900_000,
    });
    expect(problemsOf({ LOGIN_THROTTLE_BASE_SECONDS: '60', LOGIN_THROTTLE_MAX_SECONDS: '10' })).toEqual([
      expect.stringMatching(/^LOGIN_THROTTLE_MAX_SECONDS/),
    ]);
  });
});
