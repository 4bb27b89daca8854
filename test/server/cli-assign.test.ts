/**
 * `dialer assign import|export` and `dialer user list` as an operator runs them (the compiled bin), on
 * both databases: exit codes, the problems listed by line with nothing written, --json on success and
 * on error, and an export that the import reads back.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CsvImportReportDto } from '../../src/shared/admin-api.js';
import type { UserDto } from '../../src/shared/api.js';
import { createServices, type Services } from '../../src/server/container.js';
import { cliEnv, runDialer } from '../support/cli.js';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { addNumber, addTrunk, addUser, assign, tableCounts } from '../support/dialer-fixtures.js';

describe.each(DATABASE_KINDS)('dialer assign and user list (%s)', (kind) => {
  let database: TestDatabase;
  let services: Services;
  let dir: string;
  let trunkId: string;
  const run = (...args: string[]) => runDialer(args, cliEnv(database));
  const file = (name: string, lines: string[]) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, lines.join('\n') + '\n');
    return p;
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    services = createServices({ config: database.config, db: database.handle.db, databaseKind: kind });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-assign-'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await database?.drop();
  });

  it('user list says so when there are no users, as text and as JSON', async () => {
    const text = await run('user', 'list');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('There are no users');
    const json = await run('user', 'list', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it('user list prints every user', async () => {
    const owner = await addUser(services, { email: 'owner@example.com', name: 'Olive Owner' });
    await addUser(services, { email: 'boss@example.com', name: 'Bo Boss', role: 'admin' });
    trunkId = (await addTrunk(services, owner.id, { name: 'Main Trunk' })).id;
    const text = await run('user', 'list');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/owner@example\.com {2}Olive Owner {2}agent {2}active {2}never logged in/);
    expect(text.stdout).toContain('2 users.');
    const json = JSON.parse((await run('user', 'list', '--json')).stdout) as UserDto[];
    expect(json.map((u) => u.email).sort()).toEqual(['boss@example.com', 'owner@example.com']);
    expect(JSON.stringify(json)).not.toMatch(/hash|password/i);
  });

  it('import: a file with a bad line lists the problem by line, exits 1 and writes nothing', async () => {
    await addNumber(services, { number: '+13125550700', country: 'US', area_code: '312' });
    await addNumber(services, { number: '+13125550701', country: 'US', area_code: '312' });
    const bad = file('bad.csv', [
      'number,connection,type,action',
      '+13125550700,Main Trunk,primary,assign',
      '+13125550701,No Such Trunk,secondary,assign',
    ]);
    const before = await tableCounts(services);
    const res = await run('assign', 'import', bad);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/line 3: .*No Such Trunk/);
    expect(res.stderr).toContain('Nothing was written');
    const json = await run('assign', 'import', bad, '--json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as CsvImportReportDto;
    expect(report).toMatchObject({ applied: false, rows: 2 });
    expect(report.problems).toEqual([expect.objectContaining({ line: 3, code: 'unknown_connection' })]);
    expect(await tableCounts(services)).toEqual(before);
  });

  it('import: a clean dry run exits 0 and writes nothing; applying writes every row', async () => {
    const good = file('good.csv', [
      'number,connection,type,action',
      '+13125550700,Main Trunk,primary,assign',
      '(312) 555-0701,Main Trunk,secondary,assign',
    ]);
    const before = await tableCounts(services);
    const dry = await run('assign', 'import', good, '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('2 rows: 2 would change, 0 unchanged, 0 problems.');
    expect(dry.stdout).toContain('Dry run: nothing was written');
    expect(await tableCounts(services)).toEqual(before);

    const applied = await run('assign', 'import', good, '--json');
    expect(applied.code, applied.stderr).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ applied: true, counts: { changed: 2 } });
    const after = await tableCounts(services);
    expect(after.trunk_phone_numbers).toBe(before.trunk_phone_numbers! + 2);
    expect(after.audit_log).toBe(before.audit_log! + 1);
  });

  it('import: a missing file is an error in plain words, as JSON with --json', async () => {
    const res = await run('assign', 'import', path.join(dir, 'nope.csv'), '--json');
    expect(res.code).toBe(2);
    expect(JSON.parse(res.stdout)).toEqual({
      error: { code: 'FILE_UNREADABLE', message: expect.stringContaining('does not exist') },
    });
  });

  it('export prints the active assignments as CSV (one connection with --connection), which import reads back', async () => {
    const other = await addTrunk(services, (await addUser(services)).id, { name: 'Other Trunk' });
    const n = await addNumber(services, { number: '+13125550702', country: 'US', area_code: '312' });
    await assign(services, other.id, n.id, 'backup');

    const all = await run('assign', 'export');
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout.split('\r\n').filter(Boolean).sort()).toEqual([
      '+13125550700,Main Trunk,primary,assign',
      '+13125550701,Main Trunk,secondary,assign',
      '+13125550702,Other Trunk,backup,assign',
      'number,connection,type,action',
    ]);
    const one = await run('assign', 'export', '--connection', trunkId);
    expect(one.stdout.split('\r\n').filter(Boolean)).toEqual([
      'number,connection,type,action',
      '+13125550700,Main Trunk,primary,assign',
      '+13125550701,Main Trunk,secondary,assign',
    ]);

    const exported = path.join(dir, 'exported.csv');
    fs.writeFileSync(exported, all.stdout);
    const back = await run('assign', 'import', exported, '--dry-run', '--json');
    expect(back.code, back.stdout).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ counts: { changed: 0, unchanged: 3, refused: 0 } });

    const unknown = await run('assign', 'export', '--connection', 'no such id');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--connection must be a connection id');
  });
});
