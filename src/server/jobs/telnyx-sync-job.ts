/**
 * The periodic Telnyx sync (TELNYX_SYNC_INTERVAL_MINUTES > 0 and an API key). Each run tries to start a
 * sync; when another instance (PostgreSQL advisory lock) or an admin's run already holds it, the run is
 * skipped quietly. The scheduler keeps runs of this process from overlapping.
 */
import { DomainError, ErrorCode } from '../../shared/errors.js';
import type { TelnyxSyncService } from '../services/telnyx-sync-service.js';
import type { Job, JobLogger } from './scheduler.js';

/** The job, or null when it is off (no interval, or no Telnyx API key). */
export function telnyxSyncJob(options: {
  sync: TelnyxSyncService;
  intervalMinutes: number;
  logger: Pick<JobLogger, 'info' | 'warn'>;
}): Job | null {
  const { sync, intervalMinutes, logger } = options;
  if (intervalMinutes <= 0 || !sync.configured) return null;
  return {
    name: 'telnyx-sync',
    everySeconds: intervalMinutes * 60,
    async run() {
      try {
        const run = await sync.run({ triggeredBy: null });
        logger.info({ runId: run.id, status: run.status, counts: run.counts }, 'telnyx sync finished');
      } catch (err) {
        if (err instanceof DomainError && err.code === ErrorCode.Conflict) return 'skipped'; // another run has it
        throw err; // the scheduler logs it and counts the run as failed
      }
    },
  };
}
