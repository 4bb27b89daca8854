/**
 * Prometheus metrics (prom-client), one registry per app: request latency by route pattern, the
 * PostgreSQL pool, calls in progress, job runs by result, live event streams open on this instance, and
 * (for `serve`) the process's own figures.
 * Read at GET /api/metrics (routes/health-routes.ts). Figures that need the database are read at scrape
 * time; while the database is down they are left out rather than failing the scrape.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DatabaseHealthRepository } from './repositories/database-health-repository.js';

export type JobResult = 'success' | 'failure' | 'skipped';

export class Metrics {
  private readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  private readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly jobRuns: Counter<'job' | 'result'>;
  private readonly jobDuration: Histogram<'job'>;

  constructor(
    database: DatabaseHealthRepository,
    options: { processMetrics?: boolean; liveStreams?: { readonly size: number } } = {},
  ) {
    const registers = [this.registry];
    this.requestDuration = new Histogram({
      name: 'dialer_http_request_duration_seconds',
      help: 'HTTP request latency by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.jobRuns = new Counter({
      name: 'dialer_job_runs_total',
      help: 'Periodic job runs by result (skipped: another instance held the job)',
      labelNames: ['job', 'result'],
      registers,
    });
    this.jobDuration = new Histogram({
      name: 'dialer_job_duration_seconds',
      help: 'Duration of periodic job runs',
      labelNames: ['job'],
      buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers,
    });
    const pool = (
      name: string,
      help: string,
      read: (s: NonNullable<ReturnType<typeof database.poolStats>>) => number,
    ) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const stats = database.poolStats();
          if (stats) this.set(read(stats));
        },
      });
    pool(
      'dialer_db_pool_max',
      'Most PostgreSQL connections this instance opens (DATABASE_POOL_SIZE)',
      (s) => s.max,
    );
    pool('dialer_db_pool_connections', 'PostgreSQL connections open', (s) => s.total);
    pool('dialer_db_pool_idle', 'PostgreSQL connections open and idle', (s) => s.idle);
    pool('dialer_db_pool_waiting', 'Requests waiting for a PostgreSQL connection', (s) => s.waiting);
    new Gauge({
      name: 'dialer_db_up',
      help: '1 when the database answered the scrape, else 0',
      registers,
      async collect() {
        try {
          await database.ping();
          this.set(1);
        } catch {
          this.set(0);
        }
      },
    });
    new Gauge({
      name: 'dialer_active_calls',
      help: 'Call records in progress (all instances: read from the database)',
      registers,
      async collect() {
        try {
          this.set(await database.callsInProgress());
        } catch {
          this.reset(); // the database is down: no figure rather than a stale one
        }
      },
    });
    const streams = options.liveStreams;
    if (streams) {
      // Per instance: behind a load balancer, where the browsers' event streams landed.
      new Gauge({
        name: 'dialer_event_streams',
        help: 'Live event streams (GET /api/events) open on this instance',
        registers,
        collect() {
          this.set(streams.size);
        },
      });
    }
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'dialer_' });
  }

  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.requestDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  observeJob(job: string, result: JobResult, seconds: number): void {
    this.jobRuns.inc({ job, result });
    this.jobDuration.observe({ job }, seconds);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
