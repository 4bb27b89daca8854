/**
 * The scheduler's job leases, kept in the database (job_leases, migration 0011), so that several app
 * instances on one PostgreSQL run each periodic job on one instance at a time. On SQLite there is one
 * instance; the same leases hold there too (and cost one small write per tick).
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { Clock } from '../clock.js';
import type { JobLeaseRepository } from '../repositories/job-lease-repository.js';
import type { JobLeases } from './scheduler.js';

/** This process, as a lease holder: readable in the table (host and pid) and unique (random part). */
export function instanceId(): string {
  return `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
}

export function databaseJobLeases(
  repository: Pick<JobLeaseRepository, 'acquire' | 'release'>,
  clock: Clock,
  holder: string = instanceId(),
): JobLeases & { holder: string } {
  return {
    holder,
    acquire(job, ttlMs) {
      const now = clock.now();
      return repository.acquire(
        job,
        holder,
        now.toISOString(),
        new Date(now.getTime() + ttlMs).toISOString(),
      );
    },
    release: (job) => repository.release(job, holder),
  };
}
