/**
 * `dialer sync` as an operator runs it (the compiled bin, against the local Telnyx API): `--owner` picks who
 * owns imported trunks (an unknown email is refused before anything runs), `sync runs --limit` prints that
 * many runs, newest first, and `sync drift --exit-code` exits 1 when Telnyx and the database differ.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncRunDto } from '../../src/shared/telnyx.js';
import { UserRepository } from '../../src/server/repositories/user-repository.js';
import { closeThenDrop } from '../fakes/telnyx-api/helpers.js';
import { startFakeTelnyx, type FakeTelnyx } from '../fakes/telnyx-api/server.js';
import { cliEnv, runDialer, type CliResult } from '../support/cli.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.js';

describe.each(DATABASE_KINDS)('dialer sync (%s)', (kind) => {
  let fake: FakeTelnyx;
  let d: TestDatabase;
  let opsId: string;
  const cli = (...args: string[]): Promise<CliResult> =>
    runDialer(args, cliEnv(d, { TELNYX_API_KEY: fake.apiKey, TELNYX_BASE_URL: fake.baseUrl }));

  beforeAll(async () => {
    fake = await startFakeTelnyx({ connections: 2, numbers: 6, unassignedNumbers: 0 });
    d = await createTestDatabase(kind);
    const users = new UserRepository(d.handle.db);
    const admin = { passwordHash: 'x', role: 'admin', status: 'active', defaultCountry: 'US' };
    await users.create({ ...admin, email: 'first-admin@example.com', name: 'First' });
    opsId = (await users.create({ ...admin, email: 'ops@example.com', name: 'Ops' })).id;
  });
  afterAll(async () => {
    if (d) await closeThenDrop(d);
    await fake?.close();
  });

  const trunkOwners = async () =>
    (await d.handle.db.selectFrom('sip_trunks').select('owner_id').execute()).map((t) => t.owner_id);

  it('imports trunks owned by --owner, and refuses an unknown owner before syncing', async () => {
    const unknown = await cli('sync', 'telnyx', '--owner', 'nobody@example.com', '--no-progress');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No user with email nobody@example.com');
    expect(await trunkOwners()).toEqual([]);

    const r = await cli('sync', 'telnyx', '--owner', 'ops@example.com', '--json', '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as SyncRunDto;
    expect(run.status).toBe('succeeded');
    expect(run.counts.connections).toMatchObject({ created: 2 });
    // Not the oldest admin (the default): the one named.
    expect(await trunkOwners()).toEqual([opsId, opsId]);
  });

  it('prints the latest runs, as many as --limit asks, and refuses a limit that is not a positive number', async () => {
    expect((await cli('sync', 'telnyx', '--no-progress')).code).toBe(0);
    const all = await cli('sync', 'runs');
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    const one = await cli('sync', 'runs', '--limit', '1');
    expect(one.code).toBe(0);
    expect(one.stdout.trim().split('\n')).toEqual([lines[0]]);
    expect(lines[0]).toMatch(/ succeeded /);
    const zero = await cli('sync', 'runs', '--limit', '0');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--limit must be a positive whole number');
  });

  it('exits 1 with --exit-code when a number moved at Telnyx, 0 without it', async () => {
    const [c1, c2] = [...fake.connections.keys()] as [string, string];
    const moved = fake.numbersOf(c1)[0]!;
    fake.moveNumber(moved.id, c2);
    expect((await cli('sync', 'telnyx', '--no-progress')).code).toBe(0);

    const strict = await cli('sync', 'drift', '--exit-code');
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/1 difference\(s\)/);
    expect(strict.stdout).toContain(moved.phone_number);
    const lenient = await cli('sync', 'drift');
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toBe(strict.stdout);
  });
});
