/** Every periodic job of the server, on one scheduler. Started by `serve` only (main.ts). */
import type { Services } from '../container.js';
import { abandonedCallsJob } from './abandoned-calls-job.js';
import { healthJob } from './health-job.js';
import type { Metrics } from '../metrics.js';
import { databaseJobLeases } from './job-leases.js';
import { rollupFoldJob } from './rollup-fold-job.js';
import { Scheduler, type Job, type JobLogger } from './scheduler.js';
import { telnyxSyncJob } from './telnyx-sync-job.js';

export function serverJobs(services: Services, logger: JobLogger): Job[] {
  const jobs: (Job | null)[] = [
    abandonedCallsJob({
      calls: services.calls,
      abandonTimeoutMs: services.config.callAbandonTimeoutMs,
      logger,
    }),
    telnyxSyncJob({
      sync: services.telnyx.sync,
      intervalMinutes: services.config.telnyx.syncIntervalMinutes,
      logger,
    }),
    healthJob({
      health: services.health,
      intervalSeconds: services.config.health.intervalSeconds,
      retentionDays: services.config.health.retentionDays,
      logger,
    }),
    rollupFoldJob({ analytics: services.repos.analytics, logger }),
  ];
  return jobs.filter((j): j is Job => j !== null);
}

/** Starts the server's jobs; stop the returned scheduler on shutdown. */
export function startJobs(services: Services, logger: JobLogger, metrics?: Metrics): Scheduler {
  const scheduler = new Scheduler(logger, {
    onRunEnd: (job, outcome, seconds) => metrics?.observeJob(job, outcome, seconds),
    leases: databaseJobLeases(services.jobLeases, services.clock),
  });
  scheduler.start(serverJobs(services, logger));
  return scheduler;
}
