/**
 * Imports Telnyx credential connections (as trunks), phone numbers and each number's connection (as an
 * active assignment), page by page, one transaction per page, the next page read from the API while the
 * current one is written (so a sync takes about as long as paging through the API): a run killed at any point leaves a
 * consistent database, and the next run completes the import (pages already in are simply unchanged).
 * Nothing is deleted: what Telnyx no longer has gets missing_at_telnyx_at, at the end of a complete run.
 *
 * Owner of imported trunks and numbers: the admin who started the sync; for the periodic job and the
 * CLI (no user), the `--owner` given or else the oldest active admin. Existing rows keep their owner.
 */
import { setImmediate } from 'node:timers/promises';
import type { SyncCounts, SyncErrorDto, SyncRunDto, DriftReportDto } from '../../shared/telnyx.js';
import {
  ConflictError,
  DomainError,
  ErrorCode,
  NotFoundError,
  ValidationError,
} from '../../shared/errors.js';
import { nowIso } from '../db/json.js';
import type { Repositories, UnitOfWork } from '../repositories/index.js';
import type { SyncLock } from '../repositories/telnyx/sync-lock.js';
import { emptyCounts } from '../repositories/telnyx/sync-run-repository.js';
import type { TelnyxRepository } from '../repositories/telnyx/telnyx-repository.js';
import { telnyxNotConfigured } from '../repositories/telnyx/telnyx-repository.js';

export interface SyncProgress {
  runId: string;
  phase: 'connections' | 'numbers' | 'finishing';
  pagesDone: number;
  pagesTotal: number | null;
  counts: SyncCounts;
}

export interface StartSyncOptions {
  /** User id of whoever asked (an admin via the API); null for the job and the CLI. */
  triggeredBy?: string | null;
  /** Owner of newly imported trunks/numbers; defaults as described above. */
  ownerId?: string | null;
  onProgress?: (p: SyncProgress) => void;
}

export interface StartedSync {
  run: SyncRunDto;
  /** Resolves with the finished run (also when it failed: see run.status / run.errors). */
  done: Promise<SyncRunDto>;
}

const HEARTBEAT_MS = 10_000;

/**
 * Pages of numbers written per transaction, and read ahead while one is written. Most of a first sync's
 * database time was the commit of each page (SQLite: every commit writes the index pages the page's
 * random ids touched, and the WAL checkpoint's fsync follows every few): 1,000 numbers per commit
 * write each touched page once instead of four times. Still a short transaction (no network inside).
 */
const PAGES_PER_TRANSACTION = 4;

/**
 * `pages`, with the requests of the next `depth` pages already under way while the caller works on the
 * current one (never more: memory stays depth + 1 pages). A failed read-ahead is rethrown when its turn
 * comes.
 */
export async function* readAhead<T>(pages: AsyncIterable<T>, depth = 1): AsyncGenerator<T> {
  const it = pages[Symbol.asyncIterator]();
  const pending: Promise<IteratorResult<T>>[] = [];
  const request = (): void => {
    const next = it.next();
    next.catch(() => undefined); // rethrown below, in order
    pending.push(next);
  };
  request();
  try {
    for (;;) {
      const current = await pending.shift()!;
      if (current.done) return;
      while (pending.length < depth) request();
      yield current.value;
    }
  } finally {
    // The consumer stopped early (or a write failed): let the source close its requests.
    for (const next of pending) await next.catch(() => undefined);
    await it.return?.(undefined);
  }
}

/**
 * Lets I/O callbacks run (a resolved promise would not: microtasks run before I/O). From
 * node:timers/promises, which test doubles for the clock leave alone: a faked global setImmediate would
 * hold the sync between two pages until the test moved the clock.
 */
const yieldToEventLoop = (): Promise<void> => setImmediate();

/** `items` in arrays of up to `size`, in order. */
export async function* inBatches<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/**
 * Runs started by this process (any service instance), to tell our own live runs from crashed ones
 * that happened to have the same pid.
 */
const liveRuns = new Set<string>();

export class TelnyxSyncService {
  private readonly runs: Repositories['syncRuns'];

  constructor(
    private readonly repos: Pick<Repositories, 'users' | 'telnyxSync' | 'syncRuns' | 'telnyxDrift'>,
    private readonly transaction: UnitOfWork,
    private readonly telnyx: TelnyxRepository,
    private readonly lock: SyncLock,
    private readonly isPostgres: boolean,
  ) {
    this.runs = repos.syncRuns;
  }

  get configured(): boolean {
    return this.telnyx.configured;
  }

  /** Starts a run in the background; 409 (ConflictError) when one is already running anywhere. */
  async start(options: StartSyncOptions = {}): Promise<StartedSync> {
    if (!this.telnyx.configured) throw telnyxNotConfigured();
    const ownerId = await this.resolveOwner(options);
    const release = await this.lock.tryAcquire();
    if (!release) throw await this.alreadyRunning();
    let run: SyncRunDto | null = null;
    try {
      await this.runs.interruptDead(liveRuns, this.isPostgres);
      run = await this.runs.create(options.triggeredBy ?? null);
      if (!run) throw await this.alreadyRunning();
    } catch (err) {
      await release();
      throw err;
    }
    const started = run;
    liveRuns.add(started.id);
    const done = this.execute(started.id, ownerId, options.onProgress)
      .finally(async () => {
        liveRuns.delete(started.id);
        await release();
      })
      .then(async () => (await this.runs.get(started.id)) ?? started);
    return { run: started, done };
  }

  /** Starts and waits (CLI, job). */
  async run(options: StartSyncOptions = {}): Promise<SyncRunDto> {
    const { done } = await this.start(options);
    return done;
  }

  async getRun(id: string): Promise<SyncRunDto> {
    const run = await this.runs.get(id);
    if (!run) throw new NotFoundError('Sync run');
    return run;
  }

  listRuns(limit = 50): Promise<SyncRunDto[]> {
    return this.runs.list(limit);
  }

  async driftReport(): Promise<DriftReportDto> {
    const [items, last] = await Promise.all([this.repos.telnyxDrift.items(), this.runs.lastSucceeded()]);
    const byKind: DriftReportDto['byKind'] = {};
    for (const i of items) byKind[i.kind] = (byKind[i.kind] ?? 0) + 1;
    return {
      generatedAt: nowIso(),
      basedOnRunId: last?.id ?? null,
      basedOnSyncAt: last?.finishedAt ?? null,
      count: items.length,
      byKind,
      items,
    };
  }

  private async alreadyRunning(): Promise<ConflictError> {
    const running = await this.runs.running();
    return new ConflictError('A Telnyx sync is already running', running ? { runId: running.id } : undefined);
  }

  private async resolveOwner(options: StartSyncOptions): Promise<string> {
    const candidates = [options.ownerId, options.triggeredBy];
    for (const c of candidates) {
      if (c && (await this.repos.users.isActiveAdmin(c))) return c;
    }
    if (options.ownerId) throw new ValidationError('The owner of imported trunks must be an active admin');
    const fallback = await this.repos.users.oldestActiveAdminId();
    if (!fallback) throw new ValidationError('Create an admin user first: imported trunks need an owner');
    return fallback;
  }

  private async execute(
    runId: string,
    ownerId: string,
    onProgress?: (p: SyncProgress) => void,
  ): Promise<void> {
    const counts = emptyCounts();
    const errors: SyncErrorDto[] = [];
    let pagesDone = 0;
    let connectionPages: number | null = null;
    let numberPages: number | null = null;
    const total = (): number | null =>
      connectionPages === null ? null : connectionPages + (numberPages ?? 1);
    const report = (phase: SyncProgress['phase']): void =>
      onProgress?.({ runId, phase, pagesDone, pagesTotal: total(), counts });
    // The API can be slow between pages; the heartbeat shows the run is alive meanwhile.
    const beat = setInterval(() => void this.runs.heartbeat(runId).catch(() => undefined), HEARTBEAT_MS);
    beat.unref();
    try {
      // What Telnyx has in this run, kept in memory (ids only), so that nothing is written for rows that
      // did not change: the missing ones are found at the end by difference.
      const seenConnections = new Set<string>();
      const seenNumbers = new Set<string>();
      for await (const page of readAhead(this.telnyx.connectionPages())) {
        connectionPages = page.totalPages;
        for (const c of page.items) seenConnections.add(c.id);
        const now = nowIso();
        await this.transaction.run(async ({ telnyxSync, syncRuns }) => {
          await telnyxSync.applyConnections(runId, page.items, ownerId, counts.connections, now);
          pagesDone++;
          await syncRuns.progress(runId, { pagesDone, pagesTotal: total(), counts });
        });
        report('connections');
      }
      const trunkByConnection = await this.repos.telnyxSync.trunkIdsByConnection();
      const pages = readAhead(this.telnyx.phoneNumberPages(), PAGES_PER_TRANSACTION);
      for await (const batch of inBatches(pages, PAGES_PER_TRANSACTION)) {
        numberPages = batch.at(-1)!.totalPages;
        for (const page of batch) for (const n of page.items) seenNumbers.add(n.id);
        const now = nowIso();
        await this.transaction.run(async ({ telnyxSync, syncRuns }) => {
          for (const page of batch) {
            await telnyxSync.applyNumbers(runId, page.items, trunkByConnection, ownerId, counts, now);
            // SQLite writes block the event loop; between pages the next page's answer is taken in and
            // the request after it sent, so the API keeps working while we write.
            await yieldToEventLoop();
          }
          pagesDone += batch.length;
          await syncRuns.progress(runId, { pagesDone, pagesTotal: total(), counts });
        });
        report('numbers');
      }
      // Only a complete run knows what Telnyx no longer has.
      const now = nowIso();
      counts.connections.missing = await this.repos.telnyxSync.markMissingConnections(seenConnections, now);
      counts.numbers.missing = await this.repos.telnyxSync.markMissingNumbers(seenNumbers, now);
      counts.drift = (await this.repos.telnyxDrift.items()).length;
      report('finishing');
      await this.runs.finish(runId, 'succeeded', { pagesDone, pagesTotal: total(), counts, errors });
    } catch (err) {
      const e =
        err instanceof DomainError
          ? err
          : new DomainError(ErrorCode.Internal, String((err as Error)?.message ?? err));
      errors.push({ at: nowIso(), code: e.code, message: e.message });
      await this.runs
        .finish(runId, 'failed', { pagesDone, pagesTotal: total(), counts, errors })
        .catch(() => undefined);
    } finally {
      clearInterval(beat);
    }
  }
}
