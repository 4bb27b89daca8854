/**
 * The size limit of a bulk request and of a CSV import (BULK_MAX_NUMBERS), at the limit and one over,
 * with the limit made 1,000 here so the tests stay fast (100,000 rows take seconds to read).
 */
import { describe, expect, it, vi } from 'vitest';
import { AssignmentImportService } from '../../../src/server/services/assignment-import-service.js';
import { BulkAssignmentService } from '../../../src/server/services/bulk-assignment-service.js';
import * as domain from '../../../src/shared/domain.js';
import { ErrorCode } from '../../../src/shared/errors.js';
import { bulkRepositories } from './fake-bulk-repositories.js';
import { aNumber, aUser, emptyStore, failure, fakeUnitOfWork } from './fake-repositories.js';

vi.mock('../../../src/shared/domain.js', async (importOriginal) => ({
  ...(await importOriginal<typeof domain>()),
  BULK_MAX_NUMBERS: 1000,
}));

const LIMIT = 1000;
const admin = aUser({ role: 'admin' });
const e164 = (i: number) => `+1312555${String(1000 + i).padStart(4, '0')}`;

function world(numbers: number) {
  const store = emptyStore();
  store.users.push(admin);
  for (let i = 1; i <= numbers; i++) store.numbers.push(aNumber(e164(i), { id: `n${i}` }));
  const fakes = bulkRepositories(store);
  return { store, fakes, transaction: fakeUnitOfWork(store, fakes.repos) };
}

describe('the bulk size limit', () => {
  it('is 1,000 in this file', () => {
    expect(domain.BULK_MAX_NUMBERS).toBe(LIMIT);
  });

  it('takes a filter matching exactly the limit, and refuses one more', async () => {
    const unassignAll = (transaction: ReturnType<typeof world>['transaction']) =>
      new BulkAssignmentService(transaction).run(
        { operation: 'unassign', target: { filter: {} }, dryRun: true },
        admin.id,
      );
    const at = world(LIMIT);
    expect((await unassignAll(at.transaction)).counts.requested).toBe(LIMIT);
    expect(at.fakes.matchLimits).toEqual([LIMIT + 1]);
    const err = await failure(unassignAll(world(LIMIT + 1).transaction));
    expect(err.code).toBe(ErrorCode.ValidationFailed);
    expect(err.message).toBe('target.filter: matches more than 1,000 numbers; narrow the filter.');
  });

  it('imports a file of exactly the limit, and refuses one row more', async () => {
    // The same number on every row: read once, then duplicates (a row problem, not a file problem).
    const file = (rows: number) =>
      Buffer.from(
        ['number,connection,type,action', ...Array<string>(rows).fill(`${e164(1)},,,unassign`)].join('\n'),
      );
    const at = world(1);
    const service = new AssignmentImportService(at.fakes.repos, at.transaction, 'US');
    const ok = await service.importCsv(file(LIMIT), { dryRun: true }, admin.id);
    expect(ok.rows).toBe(LIMIT);
    expect(ok.problems.filter((p) => p.code === 'file')).toEqual([]);
    const over = await service.importCsv(file(LIMIT + 1), { dryRun: true }, admin.id);
    expect(over.problems).toEqual([
      { line: 1, code: 'file', message: 'The file has 1,001 rows; at most 1,000 can be imported at once.' },
    ]);
  });
});
