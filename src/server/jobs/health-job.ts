/**
 * The periodic trunk health round (HEALTH_CHECK_INTERVAL_SECONDS, 0 = off). Single flight across app
 * instances comes from the scheduler's job lease (jobs/job-leases.ts, a row in the database: the same on
 * SQLite and PostgreSQL), like every other job: the instance that holds the 'trunk-health' lease probes,
 * the others skip their ticks. Old samples are pruned once an hour.
 */
import type { HealthService } from '../services/health/health-service.js';
import type { Job, JobLogger } from './scheduler.js';

export function healthJob(options: {
  health: Pick<HealthService, 'checkAll' | 'pruneSamples'>;
  intervalSeconds: number;
  retentionDays: number;
  logger: Pick<JobLogger, 'info' | 'warn'>;
  now?: () => number;
}): Job | null {
  const { health, intervalSeconds, retentionDays, logger } = options;
  if (intervalSeconds <= 0) return null;
  const now = options.now ?? Date.now;
  let lastPrune = 0;
  return {
    name: 'trunk-health',
    everySeconds: intervalSeconds,
    async run() {
      const items = await health.checkAll();
      const down = items.filter((i) => i.state === 'down').length;
      if (down > 0) logger.warn({ probed: items.length, down }, 'trunk health: connections down');
      if (now() - lastPrune > 3_600_000) {
        lastPrune = now();
        await health.pruneSamples(retentionDays);
      }
    },
  };
}
