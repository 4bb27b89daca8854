/**
 * Closes call records whose browser stopped reporting (CALL_ABANDON_TIMEOUT_SECONDS), as "abandoned".
 * Runs on one instance at a time (job leases); even so each close is conditional on the row being unchanged.
 */
import type { CallService } from '../services/call-service.js';
import type { Job, JobLogger } from './scheduler.js';

/** A quarter of the timeout, between 1 and 30 seconds: a vanished call is closed soon after it times out. */
export function sweepIntervalSeconds(abandonTimeoutMs: number): number {
  return Math.min(30, Math.max(1, Math.floor(abandonTimeoutMs / 4 / 1000)));
}

export function abandonedCallsJob(options: {
  calls: CallService;
  abandonTimeoutMs: number;
  logger: Pick<JobLogger, 'info'>;
  /** Default sweepIntervalSeconds(abandonTimeoutMs). */
  everySeconds?: number;
}): Job {
  return {
    name: 'abandoned-calls',
    everySeconds: options.everySeconds ?? sweepIntervalSeconds(options.abandonTimeoutMs),
    async run() {
      const closed = await options.calls.sweepAbandoned();
      if (closed > 0) options.logger.info({ closed }, 'closed abandoned call records');
    },
  };
}
