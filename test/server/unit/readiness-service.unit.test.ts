/**
 * GET /api/ready's rule (ReadinessService): ready only when the database answers and has every
 * migration of this build; otherwise a 503 SERVICE_UNAVAILABLE saying why, the driver's words kept
 * for the log only.
 */
import { describe, expect, it } from 'vitest';
import { NotReadyError, ReadinessService } from '../../../src/server/services/readiness-service.js';
import { ErrorCode } from '../../../src/shared/errors.js';
import { failure } from './fake-repositories.js';

function database(o: { ping?: () => Promise<void>; pending?: () => Promise<string[]> } = {}) {
  const calls: string[] = [];
  return {
    calls,
    db: {
      kind: 'postgres' as const,
      ping: () => {
        calls.push('ping');
        return o.ping ? o.ping() : Promise.resolve();
      },
      pendingMigrations: () => {
        calls.push('pending');
        return o.pending ? o.pending() : Promise.resolve([]);
      },
    },
  };
}

describe('ReadinessService', () => {
  it('is ready, naming the database, when it answers and is current', async () => {
    const { db, calls } = database();
    await expect(new ReadinessService(db).check()).resolves.toEqual({
      status: 'ready',
      database: 'postgres',
    });
    expect(calls).toEqual(['ping', 'pending']);
  });

  it('is not ready when the database does not answer; the cause is kept but not in the message', async () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    const { db, calls } = database({ ping: () => Promise.reject(cause) });
    const err = await failure(new ReadinessService(db).check());
    expect(err).toBeInstanceOf(NotReadyError);
    expect(err.code).toBe(ErrorCode.ServiceUnavailable);
    expect(err.message).toBe('Not ready: the database is not reachable');
    expect(err.details).toEqual({ database: 'unreachable' });
    expect(err.cause).toBe(cause);
    expect(calls).toEqual(['ping']);
  });

  it('is not ready when reading the migrations fails', async () => {
    const cause = new Error('relation "kysely_migration" is locked');
    const { db } = database({ pending: () => Promise.reject(cause) });
    const err = await failure(new ReadinessService(db).check());
    expect(err.details).toEqual({ database: 'unreachable' });
    expect(err.cause).toBe(cause);
  });

  it('is not ready when migrations are missing, listing them and saying what to run', async () => {
    const { db } = database({ pending: () => Promise.resolve(['0011_calls_mos', '0012_health']) });
    const err = await failure(new ReadinessService(db).check());
    expect(err.code).toBe(ErrorCode.ServiceUnavailable);
    expect(err.message).toBe(
      'Not ready: the database lacks 2 migration(s) of this version; run `dialer migrate`',
    );
    expect(err.details).toEqual({ database: 'behind', pendingMigrations: ['0011_calls_mos', '0012_health'] });
    expect(err.cause).toBeUndefined();
  });
});
