/**
 * The one in-process scheduler for periodic work (croner). Each job runs every `everySeconds`; croner's
 * `protect` skips a tick while the job's previous run is still going, so a slow run never overlaps the
 * next. A failing run is logged and the job keeps its schedule. Only `serve` starts it (main.ts): the
 * CLI and tests build services without any timer.
 *
 * Across several app instances, a job runs on one at a time: with `leases` (jobs/job-leases.ts, a row per
 * job in the database), each tick runs the job only on the instance that holds (or can take) its lease;
 * the others count the tick as skipped. On stop the leases are given up, so another instance takes over
 * at its next tick; a killed instance's lease expires after two intervals.
 */
import { Cron } from 'croner';
import { isDatabaseUnavailable } from '../repositories/db-errors.js';

export interface Job {
  /** For logs, e.g. "abandoned-calls". */
  name: string;
  /** At least this many seconds between the starts of two runs (1 or more). */
  everySeconds: number;
  /** 'skipped' when there was nothing this instance should do (another one holds the job). */
  run(): Promise<void | 'skipped'>;
}

/** How a run ended, for the metrics. */
export type JobOutcome = 'success' | 'failure' | 'skipped';

export interface JobLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Who runs a job now, across instances (jobs/job-leases.ts). */
export interface JobLeases {
  /** True when this instance holds `job`'s lease for `ttlMs` from now (taken or renewed). */
  acquire(job: string, ttlMs: number): Promise<boolean>;
  release(job: string): Promise<void>;
}

export interface SchedulerOptions {
  onRunEnd?: (job: string, outcome: JobOutcome, seconds: number) => void;
  leases?: JobLeases;
}

/** A lease outlives two intervals (and a few seconds of a late tick) so its holder keeps it by renewing. */
export function leaseTtlMs(everySeconds: number): number {
  return (everySeconds * 2 + 5) * 1000;
}

export class Scheduler {
  private readonly crons: Cron[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly names: string[] = [];

  constructor(
    private readonly logger: JobLogger,
    private readonly options: SchedulerOptions = {},
  ) {}

  /** Schedules each job; the first run comes `everySeconds` (at most one second late) after this call. */
  start(jobs: Job[]): void {
    for (const job of jobs) {
      const cron = new Cron(
        '* * * * * *',
        { interval: Math.max(1, Math.round(job.everySeconds)), protect: true, unref: true },
        () => this.track(job),
      );
      this.crons.push(cron);
      this.names.push(job.name);
    }
  }

  /** Stops every schedule and waits for the runs in progress. */
  async stop(): Promise<void> {
    for (const cron of this.crons.splice(0)) cron.stop();
    await Promise.allSettled([...this.running]);
    const { leases } = this.options;
    if (leases) {
      await Promise.allSettled(
        this.names.splice(0).map((name) =>
          leases.release(name).catch((err: unknown) => {
            this.logger.warn({ job: name, err }, 'job lease not released (it expires by itself)');
          }),
        ),
      );
    }
  }

  /** The job's run, when this instance holds its lease (or there are no leases); else 'skipped'. */
  private async runOnce(job: Job): Promise<void | 'skipped'> {
    const { leases } = this.options;
    if (leases && !(await leases.acquire(job.name, leaseTtlMs(job.everySeconds)))) return 'skipped';
    return job.run();
  }

  private track(job: Job): Promise<void> {
    const started = performance.now();
    const p = this.runOnce(job).then(
      (result) =>
        this.options.onRunEnd?.(
          job.name,
          result === 'skipped' ? 'skipped' : 'success',
          (performance.now() - started) / 1000,
        ),
      (err: unknown) => {
        // An outage is the operator's database alert, not a bug: one warning line per tick, no stack.
        if (isDatabaseUnavailable(err))
          this.logger.warn(
            { job: job.name, err: (err as Error).message },
            'job failed: database unavailable',
          );
        else this.logger.error({ job: job.name, err }, 'job failed');
        this.options.onRunEnd?.(job.name, 'failure', (performance.now() - started) / 1000);
      },
    );
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
    return p;
  }
}
