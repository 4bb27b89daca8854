/**
 * The one in-process scheduler for periodic work (croner). Each job runs every `everySeconds`; croner's
 * `protect` skips a tick while the job's previous run is still going, so a slow run never overlaps the
 * next. A failing run is logged and the job keeps its schedule. Only `serve` starts it (main.ts): the
 * CLI and tests build services without any timer.
 *
 * Work that must run once across several app instances takes its own lock inside `run` (the Telnyx sync
 * holds a PostgreSQL advisory lock); this scheduler only keeps one process from overlapping itself.
 */
import { Cron } from 'croner';

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

export class Scheduler {
  private readonly crons: Cron[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly logger: JobLogger,
    private readonly onRunEnd?: (job: string, outcome: JobOutcome, seconds: number) => void,
  ) {}

  /** Schedules each job; the first run comes `everySeconds` (at most one second late) after this call. */
  start(jobs: Job[]): void {
    for (const job of jobs) {
      const cron = new Cron(
        '* * * * * *',
        { name: job.name, interval: Math.max(1, Math.round(job.everySeconds)), protect: true, unref: true },
        () => this.track(job),
      );
      this.crons.push(cron);
    }
  }

  /** Stops every schedule and waits for the runs in progress. */
  async stop(): Promise<void> {
    for (const cron of this.crons.splice(0)) cron.stop();
    await Promise.allSettled([...this.running]);
  }

  private track(job: Job): Promise<void> {
    const started = performance.now();
    const p = job.run().then(
      (result) =>
        this.onRunEnd?.(
          job.name,
          result === 'skipped' ? 'skipped' : 'success',
          (performance.now() - started) / 1000,
        ),
      (err: unknown) => {
        this.logger.error({ job: job.name, err }, 'job failed');
        this.onRunEnd?.(job.name, 'failure', (performance.now() - started) / 1000);
      },
    );
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
    return p;
  }
}
