/**
 * Periodic jobs run on one instance at a time (job_leases, migration 0011), on both databases: two
 * schedulers on one database, each with its own connection like two app instances, run a job on one
 * instance only, the other counting its ticks as skipped; when the holder stops, the other takes the job
 * over at its next tick; a holder that died (its lease expired) is taken over too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/server/db/database.js';
import { databaseJobLeases } from '../../src/server/jobs/job-leases.js';
import { Scheduler, type JobOutcome } from '../../src/server/jobs/scheduler.js';
import { JobLeaseRepository } from '../../src/server/repositories/job-lease-repository.js';
import { systemClock } from '../../src/server/clock.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe.each(DATABASE_KINDS)('job leases (%s)', (kind) => {
  let d: TestDatabase;
  let other: DatabaseHandle;
  beforeAll(async () => {
    d = await createTestDatabase(kind);
    other = openDatabase(d.config.database, { poolSize: 2 });
  });
  afterAll(async () => {
    await other.close();
    await d.drop();
  });

  it('gives a lease to one holder at a time; an expired one is taken over, a released one is free', async () => {
    const a = new JobLeaseRepository(d.handle.db);
    const b = new JobLeaseRepository(other.db);
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    // Both race for a free lease: exactly one wins.
    const race = await Promise.all([
      a.acquire('job', 'A', at(0), at(10)),
      b.acquire('job', 'B', at(0), at(10)),
    ]);
    expect(race.filter(Boolean)).toHaveLength(1);
    const [winner, loser] = race[0] ? ['A', 'B'] : ['B', 'A'];
    expect(await a.holderOf('job', at(1))).toBe(winner);
    expect(await b.acquire('job', loser, at(5), at(15))).toBe(false); // held
    expect(await a.acquire('job', winner, at(5), at(15))).toBe(true); // renewed by its holder
    expect(await b.acquire('job', loser, at(14), at(24))).toBe(false); // still held after the renewal
    expect(await b.acquire('job', loser, at(15), at(25))).toBe(true); // expired: taken over
    expect(await a.holderOf('job', at(16))).toBe(loser);
    await a.release('job', winner); // not the holder any more: changes nothing
    expect(await a.holderOf('job', at(16))).toBe(loser);
    await b.release('job', loser);
    expect(await a.holderOf('job', at(16))).toBeNull();
  });

  it('runs a job on one of two instances per tick, and the other takes over when the holder stops', async () => {
    const runs = { A: 0, B: 0 };
    const outcomes: Record<'A' | 'B', JobOutcome[]> = { A: [], B: [] };
    const instance = (name: 'A' | 'B', handle: DatabaseHandle) => {
      const scheduler = new Scheduler(quiet, {
        leases: databaseJobLeases(new JobLeaseRepository(handle.db), systemClock, `instance-${name}`),
        onRunEnd: (_job, outcome) => outcomes[name].push(outcome),
      });
      scheduler.start([
        {
          name: 'sweep',
          everySeconds: 1,
          run: () => {
            runs[name]++;
            return Promise.resolve();
          },
        },
      ]);
      return scheduler;
    };
    const a = instance('A', d.handle);
    const b = instance('B', other);
    try {
      await expect
        .poll(() => outcomes.A.length + outcomes.B.length, { timeout: 6000, interval: 50 })
        .toBeGreaterThanOrEqual(6);
      // Each tick ran on exactly one instance: one ran every time, the other skipped every time.
      const holder = runs.A > 0 ? 'A' : 'B';
      const standby = holder === 'A' ? 'B' : 'A';
      expect(runs[standby]).toBe(0);
      expect(outcomes[standby].every((o) => o === 'skipped')).toBe(true);
      expect(outcomes[holder].every((o) => o === 'success')).toBe(true);
      expect(runs[holder]).toBeGreaterThanOrEqual(3);

      await (holder === 'A' ? a : b).stop(); // gives the lease up
      await expect.poll(() => runs[standby], { timeout: 3000, interval: 50 }).toBeGreaterThanOrEqual(1);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
