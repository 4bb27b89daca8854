/**
 * Folds the roll-up contributions that call writes appended (analytics-rollup-pending.ts) into the
 * analytics roll-ups, every few seconds, so the rows the reads add on the fly stay a handful. Runs on one
 * instance at a time (job leases); a fold is safe even when two overlap (its own lock, see foldPending).
 */
import type { AnalyticsRepository } from '../repositories/analytics-repository.js';
import type { Job, JobLogger } from './scheduler.js';

/** Often enough that a busy minute leaves a few hundred rows waiting, not tens of thousands. */
export const ROLLUP_FOLD_INTERVAL_SECONDS = 2;

export function rollupFoldJob(options: {
  analytics: Pick<AnalyticsRepository, 'foldPending'>;
  logger: Pick<JobLogger, 'info'>;
  everySeconds?: number;
}): Job {
  return {
    name: 'rollup-fold',
    everySeconds: options.everySeconds ?? ROLLUP_FOLD_INTERVAL_SECONDS,
    async run() {
      await options.analytics.foldPending();
    },
  };
}
