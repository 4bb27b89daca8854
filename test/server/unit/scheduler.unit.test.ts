/**
 * The job scheduler (croner): a run that outlasts its interval is not overlapped by the next tick
 * (croner's `protect`), a failing run is logged and the job keeps its schedule, and stop() waits for the
 * run in progress.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/server/jobs/scheduler.js';

describe('Scheduler', () => {
  it('never overlaps a slow run, logs a failing one and keeps going, and waits for the last on stop', async () => {
    const errors: object[] = [];
    const scheduler = new Scheduler({
      info: () => undefined,
      warn: () => undefined,
      error: (obj) => errors.push(obj),
    });
    let starts = 0;
    let running = 0;
    let mostAtOnce = 0;
    let finished = 0;
    scheduler.start([
      {
        name: 'slow-and-flaky',
        everySeconds: 1,
        async run() {
          starts++;
          running++;
          mostAtOnce = Math.max(mostAtOnce, running);
          await sleep(1_300); // longer than the interval: the ticks in between must be skipped
          running--;
          finished++;
          if (starts === 1) throw new Error('first run fails');
        },
      },
    ]);
    await expect.poll(() => starts, { timeout: 8_000, interval: 50 }).toBeGreaterThanOrEqual(2);
    await scheduler.stop();
    expect(mostAtOnce).toBe(1);
    expect(finished).toBe(starts); // stop() waited for the run in progress
    expect(errors).toEqual([expect.objectContaining({ job: 'slow-and-flaky' })]);
  });
});
