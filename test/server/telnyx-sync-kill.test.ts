/**
 * A sync killed for real (SIGKILL of the CLI process mid-run) leaves a consistent database, and the next
 * run marks the dead run interrupted and completes the import; a third run changes nothing.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncRunDto } from '../../src/shared/telnyx.js';
import { UserRepository } from '../../src/server/repositories/user-repository.js';
import { createTelnyxServices } from '../../src/server/telnyx-wiring.js';
import { closeThenDrop, countRows, expectConsistent } from '../fakes/telnyx-api/helpers.js';
import { startFakeTelnyx, type FakeTelnyx } from '../fakes/telnyx-api/server.js';
import { cliEnv, exited, spawnDialer } from '../support/cli.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.js';

const NUMBERS = 2_500; // 10 pages of 250
const CONNECTIONS = 3;

/** The compiled `dialer` (bin/dialer.js), as an operator runs it. */
function runCli(d: TestDatabase, fake: FakeTelnyx, args: string[]): ChildProcess {
  return spawnDialer(args, cliEnv(d, { TELNYX_API_KEY: fake.apiKey, TELNYX_BASE_URL: fake.baseUrl }));
}

describe.each(DATABASE_KINDS)('Telnyx sync killed mid-run (%s)', (kind) => {
  let fake: FakeTelnyx;
  let d: TestDatabase;

  beforeAll(async () => {
    fake = await startFakeTelnyx({ connections: CONNECTIONS, numbers: NUMBERS, unassignedNumbers: 0 });
    d = await createTestDatabase(kind);
    await new UserRepository(d.handle.db).create({
      email: 'admin@example.com',
      name: 'Admin',
      passwordHash: 'x',
      role: 'admin',
      status: 'active',
      defaultCountry: 'US',
    });
  });
  afterAll(async () => {
    if (d) await closeThenDrop(d);
    await fake?.close();
  });

  it('leaves a consistent database and the next run completes it', async () => {
    const db = d.handle.db;
    // Slow pages so the kill lands in the middle of the run.
    fake.setDelay(120);
    const child = runCli(d, fake, ['sync', 'telnyx', '--no-progress']);
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const done = exited(child);
    const until = Date.now() + 60_000;
    let pagesDone = 0;
    while (pagesDone < 5) {
      if (Date.now() > until) throw new Error(`the CLI sync made no progress: ${stderr}`);
      const run = await db.selectFrom('sync_runs').select(['pages_done', 'status']).executeTakeFirst();
      pagesDone = Number(run?.pages_done ?? 0);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    fake.setDelay(0);

    // What the killed run left: whole pages only, every invariant holding.
    const dead = await db.selectFrom('sync_runs').selectAll().executeTakeFirstOrThrow();
    expect(dead.status).toBe('running');
    const numbersIn = await countRows(db, 'phone_numbers');
    expect(numbersIn).toBeGreaterThan(0);
    expect(numbersIn).toBeLessThan(NUMBERS);
    expect(numbersIn % 250).toBe(0);
    // The counts recorded with each page match what is in the database.
    const counts = JSON.parse(dead.counts) as SyncRunDto['counts'];
    expect(counts.numbers.created).toBe(numbersIn);
    expect(await countRows(db, 'trunk_phone_numbers')).toBe(numbersIn);
    expect(await countRows(db, 'sip_trunks')).toBe(CONNECTIONS);
    await expectConsistent(db);

    // The next run (here in-process, as the app or the job would) completes the import.
    const telnyx = createTelnyxServices(
      { telnyx: { ...d.config.telnyx, apiKey: fake.apiKey, baseUrl: fake.baseUrl } },
      db,
      d.kind,
    );
    const second = await telnyx.sync.run();
    expect(second.status, JSON.stringify(second.errors)).toBe('succeeded');
    expect(second.counts.numbers).toMatchObject({
      created: NUMBERS - numbersIn,
      updated: 0,
      unchanged: numbersIn,
      missing: 0,
    });
    expect(await countRows(db, 'phone_numbers')).toBe(NUMBERS);
    expect(await countRows(db, 'trunk_phone_numbers')).toBe(NUMBERS);
    await expectConsistent(db);
    const previous = await telnyx.sync.getRun(dead.id);
    expect(previous.status).toBe('interrupted');
    expect(previous.errors.at(-1)?.code).toBe('INTERRUPTED');

    // And the CLI, run again to the end, finds nothing left to do.
    const third = runCli(d, fake, ['sync', 'telnyx', '--json', '--no-progress']);
    let out = '';
    third.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    expect((await exited(third)).code).toBe(0);
    const run = JSON.parse(out) as SyncRunDto;
    expect(run.counts.numbers).toMatchObject({ created: 0, updated: 0, unchanged: NUMBERS });
    expect(run.counts.connections).toMatchObject({ created: 0, updated: 0, unchanged: CONNECTIONS });
    expect(run.counts.assignments).toMatchObject({ created: 0, unchanged: NUMBERS });

    // `dialer sync drift` prints the (empty) report and exits 0 even with --exit-code.
    const drift = runCli(d, fake, ['sync', 'drift', '--exit-code']);
    let driftOut = '';
    drift.stdout!.on('data', (b: Buffer) => (driftOut += b.toString()));
    expect((await exited(drift)).code).toBe(0);
    expect(driftOut).toMatch(/0 difference\(s\)/);
  }, 120_000);
});
