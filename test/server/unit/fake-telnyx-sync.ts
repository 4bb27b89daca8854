/**
 * In-memory repositories of the Telnyx sync (TelnyxSyncService's users, telnyxSync, syncRuns, telnyxDrift,
 * its unit of work and its lock) for the unit tier. The sync's writes are recorded as a log of what each
 * page's transaction did; a transaction that throws leaves nothing in the log (a rollback). Counts follow
 * the repository's rules loosely (a connection or number not seen before is created, else unchanged; a
 * number on a linked connection gets an assignment) so a test can follow them through a run.
 */
import type { Repositories, UnitOfWork } from '../../../src/server/repositories/index.js';
import type { ReleaseLock, SyncLock } from '../../../src/server/repositories/telnyx/sync-lock.js';
import { emptyCounts } from '../../../src/server/repositories/telnyx/sync-run-repository.js';
import type { DriftItemDto, SyncRunDto, SyncRunStatus } from '../../../src/shared/telnyx.js';
import { partial } from './fake-telnyx.js';

export type SyncRepos = Pick<Repositories, 'users' | 'telnyxSync' | 'syncRuns' | 'telnyxDrift'>;

export interface SyncWorld {
  /** Active admins, oldest first. */
  admins: string[];
  runs: SyncRunDto[];
  /** Connection / number ids imported so far (what the database knows). */
  connections: Set<string>;
  numbers: Set<string>;
  /** Telnyx connection id -> trunk id for every linked trunk. */
  trunks: Map<string, string>;
  drift: DriftItemDto[];
  /** What the committed transactions and the other writes did, in order. */
  log: string[];
  /** Every `interruptDead` call: the live run ids it was given and `allDead`. */
  interruptCalls: { live: string[]; allDead: boolean }[];
  heartbeats: string[];
  /** Thrown by the next call of that member (then cleared). */
  failOn: Partial<Record<'applyNumbers' | 'interruptDead' | 'finish' | 'heartbeat', unknown>>;
  /** `create` answers null (another instance's run won the unique index). */
  createRefused: boolean;
  /** `get` forgets runs (as if the row were gone). */
  getForgets: boolean;
  lock: { held: boolean; acquired: number; released: number };
}

export function emptySyncWorld(): SyncWorld {
  return {
    admins: [],
    runs: [],
    connections: new Set(),
    numbers: new Set(),
    trunks: new Map(),
    drift: [],
    log: [],
    interruptCalls: [],
    heartbeats: [],
    failOn: {},
    createRefused: false,
    getForgets: false,
    lock: { held: false, acquired: 0, released: 0 },
  };
}

const at = '2026-12-02T05:00:00.000Z';

export function syncRepositories(w: SyncWorld): SyncRepos {
  let runs = 0;
  /** `write()`, or a rejection when the test set one up for `what` (an async repository rejects, never throws). */
  const guard = <T>(what: keyof SyncWorld['failOn'], write: () => T): Promise<T> => {
    if (what in w.failOn) {
      const err = w.failOn[what];
      delete w.failOn[what];
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the sync must also cope with a non-Error
      return Promise.reject(err);
    }
    return Promise.resolve(write());
  };
  const run = (id: string) => w.runs.find((r) => r.id === id)!;
  const counts = (c: unknown) => structuredClone(c) as SyncRunDto['counts'];
  return {
    users: partial<Repositories['users']>('users', {
      isActiveAdmin: (id) => Promise.resolve(w.admins.includes(id)),
      oldestActiveAdminId: () => Promise.resolve(w.admins[0] ?? null),
    }),
    telnyxSync: partial<Repositories['telnyxSync']>('telnyxSync', {
      applyConnections: (runId, items, ownerId, c) => {
        for (const x of items) {
          if (w.connections.has(x.id)) c.unchanged++;
          else {
            c.created++;
            w.connections.add(x.id);
            w.trunks.set(x.id, `trunk-${x.id}`);
          }
        }
        w.log.push(`${runId} connections ${items.map((x) => x.id).join(',')} owner ${ownerId}`);
        return Promise.resolve();
      },
      trunkIdsByConnection: () => Promise.resolve(new Map(w.trunks)),
      applyNumbers: (runId, items, trunkByConnection, ownerId, c) =>
        guard('applyNumbers', () => {
          for (const n of items) {
            if (w.numbers.has(n.id)) c.numbers.unchanged++;
            else {
              c.numbers.created++;
              w.numbers.add(n.id);
            }
            if (n.connectionId && trunkByConnection.has(n.connectionId)) c.assignments.created++;
          }
          w.log.push(`${runId} numbers ${items.map((x) => x.id).join(',')} owner ${ownerId}`);
        }),
      markMissingConnections: (seen) => {
        w.log.push(`missing connections, seen ${[...seen].sort().join(',')}`);
        return Promise.resolve([...w.connections].filter((id) => !seen.has(id)).length);
      },
      markMissingNumbers: (seen) => {
        w.log.push(`missing numbers, seen ${[...seen].sort().join(',')}`);
        return Promise.resolve([...w.numbers].filter((id) => !seen.has(id)).length);
      },
    }),
    syncRuns: partial<Repositories['syncRuns']>('syncRuns', {
      interruptDead: (live, allDead) => {
        w.interruptCalls.push({ live: [...live].sort(), allDead });
        return guard('interruptDead', () => {
          let n = 0;
          for (const r of w.runs) {
            if (r.status === 'running' && (allDead || !live.has(r.id))) {
              r.status = 'interrupted';
              n++;
            }
          }
          return n;
        });
      },
      create: (triggeredBy) => {
        if (w.createRefused || w.runs.some((r) => r.status === 'running')) return Promise.resolve(null);
        runs++;
        const r: SyncRunDto = {
          id: `run-${runs}`,
          provider: 'telnyx',
          status: 'running',
          triggeredBy,
          startedAt: at,
          finishedAt: null,
          heartbeatAt: at,
          pagesDone: 0,
          pagesTotal: null,
          counts: emptyCounts(),
          errors: [],
        };
        w.runs.push(r);
        return Promise.resolve(structuredClone(r));
      },
      running: () => {
        const r = w.runs.find((x) => x.status === 'running');
        return Promise.resolve(
          r && {
            id: r.id,
            provider: r.provider,
            status: r.status,
            triggered_by: r.triggeredBy,
            started_at: r.startedAt,
            finished_at: r.finishedAt,
            heartbeat_at: r.heartbeatAt,
            pages_done: r.pagesDone,
            pages_total: r.pagesTotal,
            counts: JSON.stringify(r.counts),
            errors: JSON.stringify(r.errors),
            runner: null,
          },
        );
      },
      get: (id) =>
        Promise.resolve(w.getForgets ? undefined : structuredClone(w.runs.find((r) => r.id === id))),
      list: (limit = 50) => Promise.resolve([...w.runs].reverse().slice(0, limit)),
      lastSucceeded: () => Promise.resolve(w.runs.filter((r) => r.status === 'succeeded').at(-1)),
      heartbeat: (id) => {
        w.heartbeats.push(id);
        return guard('heartbeat', () => undefined);
      },
      progress: (id, p) => {
        Object.assign(run(id), {
          pagesDone: p.pagesDone,
          pagesTotal: p.pagesTotal,
          counts: counts(p.counts),
        });
        w.log.push(`${id} progress ${p.pagesDone}/${p.pagesTotal}`);
        return Promise.resolve();
      },
      finish: (id, status: SyncRunStatus, p) =>
        guard('finish', () => {
          Object.assign(run(id), {
            status,
            finishedAt: at,
            pagesDone: p.pagesDone,
            pagesTotal: p.pagesTotal,
            counts: counts(p.counts),
            errors: structuredClone(p.errors),
          });
          w.log.push(`${id} ${status} ${p.pagesDone}/${p.pagesTotal}`);
        }),
    }),
    telnyxDrift: partial<Repositories['telnyxDrift']>('telnyxDrift', {
      items: () => Promise.resolve(structuredClone(w.drift)),
    }),
  };
}

/** Runs the work on the same repositories; a throw takes its log lines back out (a rollback). */
export function syncUnitOfWork(w: SyncWorld, repos: SyncRepos): UnitOfWork {
  return {
    async run(fn) {
      const logged = w.log.length;
      try {
        return await fn(repos as Repositories);
      } catch (err) {
        w.log.length = logged;
        throw err;
      }
    },
  };
}

/** A lock one holder at a time, like SyncLock in one process. */
export function syncLock(w: SyncWorld): SyncLock {
  return partial<SyncLock>('lock', {
    tryAcquire: (): Promise<ReleaseLock | null> => {
      if (w.lock.held) return Promise.resolve(null);
      w.lock.held = true;
      w.lock.acquired++;
      return Promise.resolve(() => {
        w.lock.held = false;
        w.lock.released++;
        return Promise.resolve();
      });
    },
  });
}
