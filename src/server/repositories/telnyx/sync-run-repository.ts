/**
 * sync_runs rows: one per run, with progress (pages, counts, heartbeat) written as the run goes, so any
 * app instance (or the CLI) can show a run's progress, and a crashed run can be told from a live one.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { SyncCounts, SyncErrorDto, SyncRunDto, SyncRunStatus } from '../../../shared/telnyx.js';
import type { Db } from '../../db/database.js';
import { nowIso, parseJson } from '../../db/json.js';
import type { SyncRunRow } from '../../db/schema.js';
import { constraintViolation } from '../db-errors.js';

export const TELNYX_PROVIDER = 'telnyx';

/** A run on another host whose heartbeat is older than this is considered dead. */
export const STALE_HEARTBEAT_MS = 2 * 60_000;

export function emptyCounts(): SyncCounts {
  return {
    connections: { created: 0, updated: 0, unchanged: 0, missing: 0 },
    numbers: { created: 0, updated: 0, unchanged: 0, missing: 0 },
    assignments: { created: 0, unchanged: 0, conflicts: 0 },
    drift: 0,
  };
}

export const THIS_RUNNER = `${os.hostname()}:${process.pid}`;

/** True when `runner` names a process on this host that no longer exists. */
export function runnerIsDead(runner: string | null, liveRunIds: Set<string>, runId: string): boolean {
  if (!runner) return false;
  const idx = runner.lastIndexOf(':');
  const host = runner.slice(0, idx);
  const pid = Number(runner.slice(idx + 1));
  if (host !== os.hostname() || !Number.isInteger(pid)) return false;
  if (pid === process.pid) return !liveRunIds.has(runId);
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

type RunRow = SyncRunRow;

function toDto(r: RunRow): SyncRunDto {
  return {
    id: r.id,
    provider: 'telnyx',
    status: r.status as SyncRunStatus,
    triggeredBy: r.triggered_by,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    heartbeatAt: r.heartbeat_at,
    pagesDone: Number(r.pages_done),
    pagesTotal: r.pages_total === null ? null : Number(r.pages_total),
    counts: { ...emptyCounts(), ...parseJson<Partial<SyncCounts>>(r.counts, {}) },
    errors: parseJson<SyncErrorDto[]>(r.errors, []),
  };
}

export class SyncRunRepository {
  constructor(private readonly db: Db) {}

  /** Inserts a running run; null when another run of the provider is already running (unique index). */
  async create(triggeredBy: string | null): Promise<SyncRunDto | null> {
    const now = nowIso();
    const row: RunRow = {
      id: crypto.randomUUID(),
      provider: TELNYX_PROVIDER,
      status: 'running',
      triggered_by: triggeredBy,
      started_at: now,
      finished_at: null,
      heartbeat_at: now,
      pages_total: null,
      pages_done: 0,
      counts: JSON.stringify(emptyCounts()),
      errors: '[]',
      runner: THIS_RUNNER,
    };
    try {
      await this.db.insertInto('sync_runs').values(row).execute();
    } catch (err) {
      if (constraintViolation(err)?.kind === 'unique') return null;
      throw err;
    }
    return toDto(row);
  }

  async running(): Promise<RunRow | undefined> {
    return this.db
      .selectFrom('sync_runs')
      .selectAll()
      .where('provider', '=', TELNYX_PROVIDER)
      .where('status', '=', 'running')
      .executeTakeFirst();
  }

  /**
   * Marks runs whose process is gone as interrupted (their pages stay imported; the next run completes
   * them). `allDead` is used on PostgreSQL once the advisory lock is ours: no live run can exist then.
   */
  async interruptDead(liveRunIds: Set<string>, allDead: boolean): Promise<number> {
    const rows = await this.db
      .selectFrom('sync_runs')
      .selectAll()
      .where('provider', '=', TELNYX_PROVIDER)
      .where('status', '=', 'running')
      .execute();
    let n = 0;
    for (const r of rows) {
      const stale = Date.now() - Date.parse(r.heartbeat_at) > STALE_HEARTBEAT_MS;
      if (allDead || stale || runnerIsDead(r.runner, liveRunIds, r.id)) {
        const errors = parseJson<SyncErrorDto[]>(r.errors, []);
        errors.push({
          at: nowIso(),
          code: 'INTERRUPTED',
          message: 'The process running this sync stopped before it finished',
        });
        await this.db
          .updateTable('sync_runs')
          .set({ status: 'interrupted', finished_at: nowIso(), errors: JSON.stringify(errors) })
          .where('id', '=', r.id)
          .where('status', '=', 'running')
          .execute();
        n++;
      }
    }
    return n;
  }

  /** Progress; the sync writes it in the page's transaction so counts always match what was imported. */
  async progress(
    id: string,
    p: { pagesDone: number; pagesTotal: number | null; counts: SyncCounts },
  ): Promise<void> {
    await this.db
      .updateTable('sync_runs')
      .set({
        pages_done: p.pagesDone,
        pages_total: p.pagesTotal,
        counts: JSON.stringify(p.counts),
        heartbeat_at: nowIso(),
      })
      .where('id', '=', id)
      .execute();
  }

  async heartbeat(id: string): Promise<void> {
    await this.db.updateTable('sync_runs').set({ heartbeat_at: nowIso() }).where('id', '=', id).execute();
  }

  async finish(
    id: string,
    status: SyncRunStatus,
    p: { pagesDone: number; pagesTotal: number | null; counts: SyncCounts; errors: SyncErrorDto[] },
  ): Promise<void> {
    const now = nowIso();
    await this.db
      .updateTable('sync_runs')
      .set({
        status,
        finished_at: now,
        heartbeat_at: now,
        pages_done: p.pagesDone,
        pages_total: p.pagesTotal,
        counts: JSON.stringify(p.counts),
        errors: JSON.stringify(p.errors),
      })
      .where('id', '=', id)
      .execute();
  }

  async get(id: string): Promise<SyncRunDto | undefined> {
    const r = await this.db.selectFrom('sync_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toDto(r) : undefined;
  }

  async list(limit = 50): Promise<SyncRunDto[]> {
    const rows = await this.db
      .selectFrom('sync_runs')
      .selectAll()
      .where('provider', '=', TELNYX_PROVIDER)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toDto);
  }

  async lastSucceeded(): Promise<SyncRunDto | undefined> {
    const r = await this.db
      .selectFrom('sync_runs')
      .selectAll()
      .where('provider', '=', TELNYX_PROVIDER)
      .where('status', '=', 'succeeded')
      .orderBy('finished_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r ? toDto(r) : undefined;
  }
}
