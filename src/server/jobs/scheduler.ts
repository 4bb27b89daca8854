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
  run(): Promise<void>;
}

export interface JobLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export class Scheduler {
  private readonly crons: Cron[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: JobLogger) {}

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
    const p = job.run().catch((err: unknown) => {
      this.logger.error({ job: job.name, err }, 'job failed');
    });
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
    return p;
  }
}
