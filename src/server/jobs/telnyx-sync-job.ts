/**
 * The periodic Telnyx sync (TELNYX_SYNC_INTERVAL_MINUTES > 0 and an API key). Each tick tries to start a
 * run; when another instance (PostgreSQL advisory lock) or an admin's run already holds it, the tick is
 * skipped quietly. Croner's `protect` keeps ticks of this process from overlapping.
 */
import { Cron } from 'croner';
import { DomainError, ErrorCode } from '../../shared/errors.js';
import type { TelnyxSyncService } from '../services/telnyx-sync-service.js';

export interface TelnyxSyncJobLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface TelnyxSyncJob {
  /** Runs one tick now (tests; also what the timer calls). */
  tick(): Promise<void>;
  stop(): void;
}

export function startTelnyxSyncJob(options: {
  sync: TelnyxSyncService;
  intervalMinutes: number;
  logger: TelnyxSyncJobLogger;
}): TelnyxSyncJob | null {
  const { sync, intervalMinutes, logger } = options;
  if (intervalMinutes <= 0 || !sync.configured) return null;
  const tick = async (): Promise<void> => {
    try {
      const run = await sync.run({ triggeredBy: null });
      logger.info({ runId: run.id, status: run.status, counts: run.counts }, 'telnyx sync finished');
    } catch (err) {
      if (err instanceof DomainError && err.code === ErrorCode.Conflict) return; // another run has it
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'telnyx sync did not run');
    }
  };
  const job = new Cron('* * * * * *', { interval: intervalMinutes * 60, protect: true, unref: true }, tick);
  return {
    tick,
    stop: () => job.stop(),
  };
}
