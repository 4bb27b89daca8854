/**
 * The periodic trunk health round (HEALTH_CHECK_INTERVAL_SECONDS, 0 = off). Single flight across app
 * instances: the round runs under a PostgreSQL advisory lock, and an instance that gets the lock just
 * after another instance finished a round skips (the newest probe is younger than most of an interval),
 * so several instances probe once per interval between them. Old samples are pruned once an hour.
 */
import type { HealthService } from '../services/health/health-service.js';
import type { SyncLock } from '../repositories/telnyx/sync-lock.js';
import type { Job, JobLogger } from './scheduler.js';

export function healthJob(options: {
  health: HealthService;
  lock: Pick<SyncLock, 'tryAcquire'>;
  intervalSeconds: number;
  retentionDays: number;
  logger: Pick<JobLogger, 'info' | 'warn'>;
  now?: () => number;
}): Job | null {
  const { health, lock, intervalSeconds, retentionDays, logger } = options;
  if (intervalSeconds <= 0) return null;
  const now = options.now ?? Date.now;
  let lastPrune = 0;
  return {
    name: 'trunk-health',
    everySeconds: intervalSeconds,
    async run() {
      const release = await lock.tryAcquire();
      if (!release) return; // another instance is probing right now
      try {
        const last = await health.lastRoundAt();
        if (last && now() - Date.parse(last) < intervalSeconds * 800) return; // another instance just did
        const items = await health.checkAll();
        const down = items.filter((i) => i.state === 'down').length;
        if (down > 0) logger.warn({ probed: items.length, down }, 'trunk health: connections down');
        if (now() - lastPrune > 3_600_000) {
          lastPrune = now();
          await health.pruneSamples(retentionDays);
        }
      } finally {
        await release();
      }
    },
  };
}
