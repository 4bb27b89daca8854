/** `dialer report kpis` through the compiled CLI, on both databases: the same figures as the API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/server/container.js';
import { addCall } from '../support/call-fixtures.js';
import { cliEnv, runDialer } from '../support/cli.js';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { addNumber, addTrunk, addUser, assign } from '../support/dialer-fixtures.js';

describe.each(DATABASE_KINDS)('dialer report kpis (%s)', (kind) => {
  let database: TestDatabase;
  let trunkId: string;
  const run = (args: string[]) => runDialer(['report', 'kpis', ...args], cliEnv(database));

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const s = createServices({ config: database.config, db: database.handle.db, databaseKind: kind });
    const a = await addUser(s, { name: 'Agent A' });
    const b = await addUser(s, { name: 'Agent B' });
    const trunk = await addTrunk(s, a.id, { name: 'Main trunk' });
    const number = await addNumber(s, { number: '+13125550011' });
    await assign(s, trunk.id, number.id, 'primary');
    trunkId = trunk.id;
    const line = { trunkId: trunk.id, numberId: number.id };
    const day = '2026-10-05T09:00:00.000Z';
    await addCall(s, {
      ...line,
      userId: a.id,
      start: day,
      remote: '+13125550101',
      outcome: 'answered',
      pddMs: 900,
      answerMs: 4000,
      endMs: 94_000,
      mos: 4.5,
    });
    await addCall(s, {
      ...line,
      userId: a.id,
      start: day,
      remote: '+13125550102',
      outcome: 'busy',
      sip: 486,
      pddMs: 700,
      endMs: 3000,
    });
    await addCall(s, {
      ...line,
      userId: b.id,
      start: day,
      remote: '+13125550103',
      outcome: 'failed',
      sip: 503,
      endMs: 1000,
    });
    await addCall(s, {
      ...line,
      userId: b.id,
      start: day,
      remote: '+13125550104',
      outcome: 'answered',
      pddMs: 1100,
      answerMs: 2000,
      endMs: 32_000,
      mos: 3.5,
    });
  });
  afterAll(() => database.drop());

  it('prints JSON rows per connection with ratios 0-1', async () => {
    const res = await run(['--from', '2026-10-01', '--to', '2026-10-31', '--tz', 'UTC', '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual([
      expect.objectContaining({
        key: trunkId,
        name: 'Main trunk',
        calls: 4,
        answered: 2,
        asr: 0.5,
        ner: 0.75,
        acdSeconds: 60, // (90 + 30) / 2
        pddMsMedian: 900, // 700 900 1100
        mosAvg: 4,
      }),
    ]);
  });

  it('groups by agent, prints a table, and nulls what is undefined', async () => {
    const agents = await run([
      '--from',
      '2026-10-05',
      '--to',
      '2026-10-05',
      '--tz',
      'UTC',
      '--by',
      'agent',
      '--json',
    ]);
    const rows = JSON.parse(agents.stdout) as { name: string; calls: number; asr: number }[];
    expect(rows.map((r) => [r.name, r.calls, r.asr]).sort()).toEqual([
      ['Agent A', 2, 0.5],
      ['Agent B', 2, 0.5],
    ]);
    const empty = await run([
      '--from',
      '2026-09-01',
      '--to',
      '2026-09-02',
      '--tz',
      'UTC',
      '--by',
      'number',
      '--json',
    ]);
    expect(JSON.parse(empty.stdout)).toEqual([]);
    const text = await run(['--from', '2026-10-01', '--to', '2026-10-31', '--tz', 'UTC']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Main trunk\s+4\s+2\s+50\.0%\s+75\.0%\s+60\.0\s+900\s+4\.00/m);
  });

  it('exits 2 on a bad --by, date or time zone', async () => {
    for (const args of [
      ['--by', 'planet'],
      ['--from', '5 Oct'],
      ['--tz', 'Mars/Olympus'],
    ]) {
      const res = await run(args);
      expect(res.code).toBe(2);
      expect(res.stderr).not.toMatch(/at .*\.js/);
    }
  });
});
