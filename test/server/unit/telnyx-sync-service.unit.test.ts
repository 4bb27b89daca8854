/**
 * The Telnyx sync's run (TelnyxSyncService) on in-memory repositories and an in-memory Telnyx account:
 * who owns what it imports, one run at a time, the pages written one transaction each (numbers four pages
 * per transaction) with the progress in the same transaction, what only a complete run marks missing,
 * a failed run recorded with its error, the heartbeat, and the drift report.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type {
  TelnyxPage,
  TelnyxRepository,
} from '../../../src/server/repositories/telnyx/telnyx-repository.js';
import { TelnyxSyncService, type SyncProgress } from '../../../src/server/services/telnyx-sync-service.js';
import { DomainError, ErrorCode } from '../../../src/shared/errors.js';
import type { DriftItemDto } from '../../../src/shared/telnyx.js';
import {
  emptySyncWorld,
  syncLock,
  syncRepositories,
  syncUnitOfWork,
  type SyncWorld,
} from './fake-telnyx-sync.js';
import { aTelnyxConnection, aTelnyxNumber, fakeTelnyx, partial, type FakeTelnyx } from './fake-telnyx.js';
import { failure } from './fake-repositories.js';

describe('TelnyxSyncService', () => {
  let world: SyncWorld;
  let telnyx: FakeTelnyx;
  let service: TelnyxSyncService;
  const build = (api: TelnyxRepository = telnyx.api, isPostgres = false) => {
    const repos = syncRepositories(world);
    return new TelnyxSyncService(repos, syncUnitOfWork(world, repos), api, syncLock(world), isPostgres);
  };

  beforeEach(() => {
    world = emptySyncWorld();
    world.admins = ['admin-old', 'admin-1'];
    telnyx = fakeTelnyx({
      connections: [aTelnyxConnection('c1'), aTelnyxConnection('c2'), aTelnyxConnection('c3')],
      numbers: [
        aTelnyxNumber('n1', '+15550001', 'c1'),
        aTelnyxNumber('n2', '+15550002', 'c1'),
        aTelnyxNumber('n3', '+15550003', 'c9'),
        aTelnyxNumber('n4', '+15550004', null),
        aTelnyxNumber('n5', '+15550005', 'c3'),
      ],
    });
    service = build();
  });

  describe('a complete run', () => {
    it('imports connections page by page, then numbers, and marks what Telnyx no longer has', async () => {
      world.connections.add('c1').add('c-old');
      world.trunks.set('c1', 'trunk-c1');
      world.numbers.add('n-old');
      world.drift = [driftItem('number_only_local'), driftItem('number_only_local')];
      const progress: SyncProgress[] = [];
      const { run, done } = await service.start({
        triggeredBy: 'admin-1',
        onProgress: (p) => progress.push(structuredClone(p)),
      });
      expect(run).toMatchObject({ id: 'run-1', status: 'running', triggeredBy: 'admin-1' });
      const finished = await done;

      expect(world.log).toEqual([
        'run-1 connections c1,c2 owner admin-1',
        'run-1 progress 1/3',
        'run-1 connections c3 owner admin-1',
        'run-1 progress 2/3',
        'run-1 numbers n1,n2 owner admin-1',
        'run-1 numbers n3,n4 owner admin-1',
        'run-1 numbers n5 owner admin-1',
        'run-1 progress 5/5',
        'missing connections, seen c1,c2,c3',
        'missing numbers, seen n1,n2,n3,n4,n5',
        'run-1 succeeded 5/5',
      ]);
      expect(finished).toMatchObject({
        id: 'run-1',
        status: 'succeeded',
        pagesDone: 5,
        pagesTotal: 5,
        errors: [],
      });
      expect(finished.counts).toStrictEqual({
        connections: { created: 2, updated: 0, unchanged: 1, missing: 1 },
        numbers: { created: 5, updated: 0, unchanged: 0, missing: 1 },
        // n1, n2 on c1 and n5 on c3 (linked once imported); n3's c9 and n4 are on no trunk.
        assignments: { created: 3, unchanged: 0, conflicts: 0 },
        drift: 2,
      });
      expect(progress.map((p) => `${p.runId} ${p.phase} ${p.pagesDone}/${p.pagesTotal}`)).toEqual([
        'run-1 connections 1/3',
        'run-1 connections 2/3',
        'run-1 numbers 5/5',
        'run-1 finishing 5/5',
      ]);
      expect(progress[1]?.counts.connections).toEqual({ created: 2, updated: 0, unchanged: 1, missing: 0 });
      expect(progress[3]?.counts).toStrictEqual(finished.counts);
      expect(world.lock).toEqual({ held: false, acquired: 1, released: 1 });
    });

    it('writes numbers four pages per transaction, the progress with each', async () => {
      for (let i = 6; i <= 9; i++) telnyx.numbers.push(aTelnyxNumber(`n${i}`, `+1555000${i}`, 'c2'));
      const finished = await service.run({ triggeredBy: 'admin-1' });
      expect(world.log.filter((l) => l.includes('progress'))).toEqual([
        'run-1 progress 1/3',
        'run-1 progress 2/3',
        'run-1 progress 6/7',
        'run-1 progress 7/7',
      ]);
      const numbersLines = world.log.filter((l) => l.includes('numbers n'));
      expect(numbersLines).toHaveLength(5);
      expect(world.log.indexOf('run-1 progress 6/7')).toBe(world.log.indexOf(numbersLines[3]!) + 1);
      expect(finished).toMatchObject({ status: 'succeeded', pagesDone: 7, pagesTotal: 7 });
    });

    it('writes a last batch of exactly four pages once', async () => {
      for (let i = 6; i <= 8; i++) telnyx.numbers.push(aTelnyxNumber(`n${i}`, `+1555000${i}`, 'c2'));
      const finished = await service.run({ triggeredBy: 'admin-1' });
      expect(finished).toMatchObject({ status: 'succeeded', pagesDone: 6, pagesTotal: 6 });
      expect(world.log.filter((l) => l.includes('progress'))).toEqual([
        'run-1 progress 1/3',
        'run-1 progress 2/3',
        'run-1 progress 6/6',
      ]);
    });

    it('closes the Telnyx page requests when a write fails', async () => {
      // Ten pages of numbers: the first batch (pages 1-4) fails with pages 5-8 requested and 9-10 not.
      for (let i = 6; i <= 20; i++) telnyx.numbers.push(aTelnyxNumber(`n${i}`, `+155500${i}`, 'c2'));
      let closed = false;
      const api = partial<TelnyxRepository>('telnyx', {
        configured: true,
        connectionPages: () => telnyx.api.connectionPages(),
        phoneNumberPages: async function* () {
          try {
            yield* telnyx.api.phoneNumberPages();
          } finally {
            closed = true;
          }
        },
      });
      world.failOn.applyNumbers = new Error('disk full');
      const finished = await build(api).run({ triggeredBy: 'admin-1' });
      expect(finished.status).toBe('failed');
      expect(closed).toBe(true);
    });

    it('counts one page for an account without numbers', async () => {
      telnyx.numbers = [];
      const progress: string[] = [];
      const finished = await service.run({
        triggeredBy: 'admin-1',
        onProgress: (p) => progress.push(`${p.phase} ${p.pagesDone}/${p.pagesTotal}`),
      });
      expect(progress).toEqual(['connections 1/3', 'connections 2/3', 'numbers 3/3', 'finishing 3/3']);
      expect(finished).toMatchObject({ status: 'succeeded', pagesDone: 3, pagesTotal: 3 });
    });

    it('answers the run as started when its row cannot be read back', async () => {
      world.getForgets = true;
      const { run, done } = await service.start({ triggeredBy: 'admin-1' });
      expect(await done).toBe(run);
    });
  });

  describe('the owner of what is imported', () => {
    const ownerOf = async (options: Parameters<TelnyxSyncService['run']>[0]) => {
      await service.run(options);
      return /owner (\S+)/.exec(world.log[0]!)?.[1];
    };

    it('is the owner given, else whoever asked, else the oldest active admin', async () => {
      expect(await ownerOf({ ownerId: 'admin-1', triggeredBy: 'admin-old' })).toBe('admin-1');
      world.log = [];
      expect(await ownerOf({ triggeredBy: 'admin-1' })).toBe('admin-1');
      world.log = [];
      expect(await ownerOf({ triggeredBy: 'agent-7' })).toBe('admin-old');
      world.log = [];
      expect(await ownerOf({})).toBe('admin-old');
      world.log = [];
      expect(await ownerOf({ triggeredBy: null, ownerId: null })).toBe('admin-old');
    });

    it('refuses an owner who is not an active admin, and a sync without any admin', async () => {
      const notAdmin = await failure(service.start({ ownerId: 'agent-7' }));
      expect(notAdmin.code).toBe(ErrorCode.ValidationFailed);
      expect(notAdmin.message).toBe('The owner of imported trunks must be an active admin');
      world.admins = [];
      const none = await failure(service.start({ triggeredBy: 'agent-7' }));
      expect(none.code).toBe(ErrorCode.ValidationFailed);
      expect(none.message).toBe('Create an admin user first: imported trunks need an owner');
      expect(world.runs).toEqual([]);
      expect(world.lock.acquired).toBe(0);
    });
  });

  describe('one run at a time', () => {
    it('refuses without an API key before anything else', async () => {
      telnyx.configured = false;
      expect(service.configured).toBe(false);
      const err = await failure(service.start({ triggeredBy: 'admin-1' }));
      expect(err.code).toBe(ErrorCode.TelnyxNotConfigured);
      expect(world.lock.acquired).toBe(0);
      telnyx.configured = true;
      expect(service.configured).toBe(true);
    });

    it('answers 409 with the running run while the lock is held', async () => {
      const gate = gated();
      const first = await build(gate.api).start({ triggeredBy: 'admin-1' });
      // Another start in this process: the lock is taken.
      const err = await failure(
        new TelnyxSyncService(
          syncRepositories(world),
          syncUnitOfWork(world, syncRepositories(world)),
          telnyx.api,
          syncLock(world),
          false,
        ).start({ triggeredBy: 'admin-1' }),
      );
      expect(err.code).toBe(ErrorCode.Conflict);
      expect(err.message).toBe('A Telnyx sync is already running');
      expect(err.details).toEqual({ runId: first.run.id });
      gate.open();
      await first.done;
    });

    it('answers 409 without details when the lock is held but no run is recorded', async () => {
      world.lock.held = true;
      const err = await failure(service.start({ triggeredBy: 'admin-1' }));
      expect(err.code).toBe(ErrorCode.Conflict);
      expect(err.details).toBeUndefined();
    });

    it('answers 409 and lets the lock go when another instance created its run first', async () => {
      world.createRefused = true;
      const err = await failure(service.start({ triggeredBy: 'admin-1' }));
      expect(err.code).toBe(ErrorCode.Conflict);
      expect(err.message).toBe('A Telnyx sync is already running');
      expect(world.lock).toEqual({ held: false, acquired: 1, released: 1 });
    });

    it('lets the lock go when the start fails', async () => {
      const broken = new Error('database gone');
      world.failOn.interruptDead = broken;
      await expect(service.start({ triggeredBy: 'admin-1' })).rejects.toBe(broken);
      expect(world.lock).toEqual({ held: false, acquired: 1, released: 1 });
      expect(world.runs).toEqual([]);
    });

    it('tells crashed runs from the live runs of this process (all dead on PostgreSQL)', async () => {
      const gate = gated();
      const first = await build(gate.api).start({ triggeredBy: 'admin-1' });
      world.lock.held = false; // as if another app instance, with a lock of its own
      world.runs[0]!.status = 'succeeded'; // let create() insert a second run
      const second = await build(telnyx.api, true).start({ triggeredBy: 'admin-1' });
      await second.done;
      expect(world.interruptCalls).toEqual([
        { live: [], allDead: false },
        { live: ['run-1'], allDead: true },
      ]);
      gate.open();
      await first.done;
      world.lock.held = false;
      await service.run({ triggeredBy: 'admin-1' });
      expect(world.interruptCalls.at(-1)).toEqual({ live: [], allDead: false });
    });
  });

  describe('a failed run', () => {
    it('is finished as failed with the Telnyx error, and marks nothing missing', async () => {
      telnyx.failOn.phoneNumberPages = new DomainError(
        ErrorCode.TelnyxUnavailable,
        'Telnyx API failed (503)',
      );
      const before = new Date().toISOString();
      const finished = await service.run({ triggeredBy: 'admin-1' });
      expect(finished).toMatchObject({ status: 'failed', pagesDone: 2, pagesTotal: 3 });
      expect(finished.errors).toEqual([
        { at: expect.any(String) as string, code: 'TELNYX_UNAVAILABLE', message: 'Telnyx API failed (503)' },
      ]);
      expect(finished.errors[0]!.at >= before).toBe(true);
      expect(world.log.some((l) => l.startsWith('missing'))).toBe(false);
      expect(world.log.at(-1)).toBe('run-1 failed 2/3');
      expect(world.lock).toEqual({ held: false, acquired: 1, released: 1 });
    });

    it('rolls back the transaction that failed and records any other error as INTERNAL', async () => {
      for (let i = 6; i <= 9; i++) telnyx.numbers.push(aTelnyxNumber(`n${i}`, `+1555000${i}`, 'c2'));
      world.failOn.applyNumbers = new Error('disk full');
      const finished = await service.run({ triggeredBy: 'admin-1' });
      expect(world.log.filter((l) => l.includes('numbers n'))).toEqual([]);
      expect(finished).toMatchObject({ status: 'failed', pagesDone: 2, pagesTotal: 7 });
      expect(finished.errors.map((e) => [e.code, e.message])).toEqual([['INTERNAL', 'disk full']]);
    });

    it('has no page total when the first page of connections fails', async () => {
      telnyx.failOn.connectionPages = new DomainError(ErrorCode.TelnyxError, 'Telnyx rejected the API key');
      const finished = await service.run({ triggeredBy: 'admin-1' });
      expect(finished).toMatchObject({ status: 'failed', pagesDone: 0, pagesTotal: null });
      expect(finished.errors.map((e) => e.code)).toEqual(['TELNYX_ERROR']);
    });

    it('records a rejection without a reason', async () => {
      world.failOn.applyNumbers = null;
      const finished = await service.run({ triggeredBy: 'admin-1' });
      expect(finished.errors.map((e) => [e.code, e.message])).toEqual([['INTERNAL', 'null']]);
    });

    it('records a thrown value that is not an Error by its text', async () => {
      world.failOn.applyNumbers = 'socket hang up';
      const finished = await service.run({ triggeredBy: 'admin-1' });
      expect(finished.errors.map((e) => [e.code, e.message])).toEqual([['INTERNAL', 'socket hang up']]);
    });

    it('still ends (and lets the lock go) when even recording the failure fails', async () => {
      world.failOn.applyNumbers = new Error('disk full');
      world.failOn.finish = new Error('database gone');
      const finished = await service.run({ triggeredBy: 'admin-1' });
      expect(finished.status).toBe('running'); // what the row still says
      expect(world.lock.held).toBe(false);
    });
  });

  describe('the heartbeat', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('beats every ten seconds while a page is slow, and stops with the run', async () => {
      vi.useFakeTimers();
      const gate = gated();
      const { done } = await build(gate.api).start({ triggeredBy: 'admin-1' });
      await vi.advanceTimersByTimeAsync(9_999);
      expect(world.heartbeats).toEqual([]);
      world.failOn.heartbeat = new Error('busy'); // a failed beat is not the run's failure
      await vi.advanceTimersByTimeAsync(1);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(world.heartbeats).toEqual(['run-1', 'run-1']);
      gate.open();
      expect((await done).status).toBe('succeeded');
      await vi.advanceTimersByTimeAsync(60_000);
      expect(world.heartbeats).toHaveLength(2);
    });
  });

  describe('runs and drift', () => {
    it('reads a run, answers 404 for an unknown one, lists the newest first', async () => {
      await service.run({ triggeredBy: 'admin-1' });
      await service.run({ triggeredBy: 'admin-1' });
      expect((await service.getRun('run-2')).status).toBe('succeeded');
      const err = await failure(service.getRun('run-9'));
      expect(err.code).toBe(ErrorCode.NotFound);
      expect(err.message).toBe('Sync run was not found');
      expect((await service.listRuns()).map((r) => r.id)).toEqual(['run-2', 'run-1']);
      expect((await service.listRuns(1)).map((r) => r.id)).toEqual(['run-2']);
    });

    it('lists at most fifty runs unless told otherwise', async () => {
      for (let i = 0; i < 55; i++) await service.run({ triggeredBy: 'admin-1' });
      expect(await service.listRuns()).toHaveLength(50);
    });

    it('reports drift by kind, based on the last successful run', async () => {
      world.drift = [
        driftItem('number_only_local'),
        driftItem('connection_missing_at_telnyx'),
        driftItem('number_only_local'),
      ];
      const empty = await service.driftReport();
      expect(empty).toMatchObject({ basedOnRunId: null, basedOnSyncAt: null, count: 3 });
      const run = await service.run({ triggeredBy: 'admin-1' });
      const before = new Date().toISOString();
      const report = await service.driftReport();
      expect(report).toStrictEqual({
        generatedAt: expect.any(String) as string,
        basedOnRunId: run.id,
        basedOnSyncAt: run.finishedAt,
        count: 3,
        byKind: { number_only_local: 2, connection_missing_at_telnyx: 1 },
        items: world.drift,
      });
      expect(report.generatedAt >= before).toBe(true);
    });
  });

  /** The fake account, with its first connection page held back until `open()`. */
  function gated() {
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    const api = partial<TelnyxRepository>('telnyx', {
      configured: true,
      connectionPages: async function* (): AsyncGenerator<TelnyxPage<ReturnType<typeof aTelnyxConnection>>> {
        await opened;
        yield* telnyx.api.connectionPages();
      },
      phoneNumberPages: (o) => telnyx.api.phoneNumberPages(o),
    });
    return { api, open };
  }
});

function driftItem(kind: DriftItemDto['kind']): DriftItemDto {
  return {
    kind,
    message: kind,
    trunkId: null,
    trunkName: null,
    telnyxConnectionId: null,
    phoneNumberId: null,
    number: null,
  };
}
