/**
 * The CSV import and export of assignments (AssignmentImportService) on in-memory repositories: files
 * that cannot be read (not UTF-8, not CSV, wrong header, empty, too long), every row problem with its
 * line, column, code and words, formula cells refused, connections by id or name, the plan's refusals
 * as problems, a dry run's report, applying all or nothing (400 with the report), and an export that
 * the import reads back.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { AssignmentImportService } from '../../../src/server/services/assignment-import-service.js';
import { isFormulaCell } from '../../../src/server/services/csv-file-checks.js';
import type { CsvImportReportDto } from '../../../src/shared/admin-api.js';
import { ErrorCode } from '../../../src/shared/errors.js';
import { bulkRepositories, type BulkFakes } from './fake-bulk-repositories.js';
import {
  aNumber,
  anAssignment,
  aTrunk,
  aUser,
  emptyStore,
  failure,
  fakeUnitOfWork,
  type FakeStore,
} from './fake-repositories.js';

const admin = aUser({ role: 'admin' });
const HEADER = 'number,connection,type,action';
const csv = (...lines: string[]) => Buffer.from(lines.join('\n'), 'utf8');
const num = (i: number) => `+1312555010${i}`;

describe('AssignmentImportService', () => {
  let store: FakeStore;
  let fakes: BulkFakes;
  let service: AssignmentImportService;

  beforeEach(() => {
    store = emptyStore();
    store.users.push(admin);
    store.trunks.push(
      aTrunk(admin.id, { id: 't-sales', name: 'Sales' }),
      aTrunk(admin.id, { id: 't-support', name: 'Support' }),
      aTrunk(admin.id, { id: 't-sh1', name: 'Shared' }),
      aTrunk(admin.id, { id: 't-sh2', name: ' shared ' }),
    );
    for (const i of [1, 2, 3, 4, 5]) store.numbers.push(aNumber(num(i), { id: `n${i}` }));
    store.assignments.push(
      anAssignment('t-sales', 'n1', 'primary', { id: 'a1' }),
      anAssignment('t-support', 'n2', 'secondary', { id: 'a2' }),
    );
    fakes = bulkRepositories(store);
    service = new AssignmentImportService(fakes.repos, fakeUnitOfWork(store, fakes.repos), 'US');
  });

  const dryRun = (file: Buffer) => service.importCsv(file, { dryRun: true }, admin.id);
  const apply = (file: Buffer) => service.importCsv(file, { dryRun: false }, admin.id);
  const problems = (r: CsvImportReportDto) =>
    r.problems.map((p) => `${p.line} ${p.column ?? '-'} ${p.code}: ${p.message}`);
  const active = () =>
    store.assignments
      .filter((a) => a.is_active === 1)
      .map((a) => `${a.phone_number_id}@${a.trunk_id}:${a.assignment_type}`)
      .sort();

  describe('a good file', () => {
    const file = () =>
      csv(
        HEADER,
        `${num(3)},Sales,secondary,assign`,
        '',
        `(312) 555-0104, t-support ,BACKUP,Assign`,
        `${num(2)},,,unassign`,
        `${num(5)},,,unassign`,
      );

    it('reports every row in a dry run, by line, and writes nothing', async () => {
      const report = await dryRun(file());
      expect(report).toStrictEqual({
        dryRun: true,
        applied: false,
        rows: 4,
        counts: { requested: 4, changed: 3, unchanged: 1, refused: 0 },
        problems: [],
        outcomes: [
          {
            phoneNumberId: 'n3',
            number: num(3),
            outcome: 'assigned',
            before: null,
            after: { trunkId: 't-sales', trunkName: 'Sales', assignmentType: 'secondary' },
            line: 2,
            action: 'assign',
          },
          {
            phoneNumberId: 'n4',
            number: num(4),
            outcome: 'assigned',
            before: null,
            after: { trunkId: 't-support', trunkName: 'Support', assignmentType: 'backup' },
            line: 4,
            action: 'assign',
          },
          {
            phoneNumberId: 'n2',
            number: num(2),
            outcome: 'unassigned',
            before: { trunkId: 't-support', trunkName: 'Support', assignmentType: 'secondary' },
            after: null,
            line: 5,
            action: 'unassign',
          },
          {
            phoneNumberId: 'n5',
            number: num(5),
            outcome: 'unchanged',
            before: null,
            after: null,
            line: 6,
            action: 'unassign',
          },
        ],
        formulaPolicy: 'refused',
      });
      expect(fakes.writes).toEqual([]);
      expect(store.audit).toEqual([]);
    });

    it('applies every row with one audit entry', async () => {
      const report = await apply(file());
      expect(report.applied).toBe(true);
      expect(report.dryRun).toBe(false);
      expect(active()).toEqual(['n1@t-sales:primary', 'n3@t-sales:secondary', 'n4@t-support:backup']);
      expect(store.audit).toStrictEqual([
        {
          actorId: admin.id,
          action: 'assignment.import',
          entityType: 'assignment',
          entityId: null,
          details: { rows: 4, counts: { requested: 4, changed: 3, unchanged: 1, refused: 0 } },
        },
      ]);
    });

    it('reads a byte-order mark, CRLF line ends and a header in any case', async () => {
      const bom = Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from(` Number , CONNECTION,Type,action\r\n${num(3)},Sales,primary,assign\r\n`),
      ]);
      const report = await dryRun(bom);
      expect(report.problems.map((p) => `${p.line} ${p.code}`)).toEqual(['2 primary_taken']);
      expect(report.outcomes[0]).toMatchObject({ line: 2, outcome: 'refused', code: 'primary_taken' });
    });

    it('unassigns only from the connection named', async () => {
      const report = await dryRun(csv(HEADER, `${num(1)},Support,,unassign`, `${num(2)},Support,,unassign`));
      expect(report.outcomes.map((o) => o.outcome)).toEqual(['unchanged', 'unassigned']);
    });
  });

  describe('files that cannot be read', () => {
    const fileProblem = async (file: Buffer) => {
      const report = await dryRun(file);
      expect(report).toMatchObject({
        dryRun: true,
        applied: false,
        rows: 0,
        outcomes: [],
        formulaPolicy: 'refused',
      });
      expect(report.counts).toEqual({ requested: 0, changed: 0, unchanged: 0, refused: 0 });
      expect(report.problems).toHaveLength(1);
      expect(report.problems[0]?.code).toBe('file');
      return `${report.problems[0]!.line}: ${report.problems[0]!.message}`;
    };
    const notUtf8 =
      'The file is not UTF-8 text (from a spreadsheet, save it as "CSV UTF-8"); nothing was read.';

    it('names the first line that is not UTF-8', async () => {
      const latin1 = (text: string) => Buffer.from(text, 'latin1');
      expect(
        await fileProblem(
          Buffer.concat([
            csv(HEADER, `${num(1)},Sales,primary,assign`, ''),
            latin1('+1,Z\xfcrich,,unassign'),
          ]),
        ),
      ).toBe(`3: ${notUtf8}`);
      expect(await fileProblem(latin1('n\xfcmber,connection,type,action\n'))).toBe(`1: ${notUtf8}`);
      expect(await fileProblem(Buffer.concat([csv(HEADER, ''), latin1('\xff\n'), csv('x')]))).toBe(
        `2: ${notUtf8}`,
      );
      // The very last byte, in a file without a final line end.
      expect(await fileProblem(Buffer.concat([csv(HEADER, ''), latin1('+1,Sales,,unassign\xfc')]))).toBe(
        `2: ${notUtf8}`,
      );
    });

    it('refuses CSV it cannot parse, with the line', async () => {
      const message = await fileProblem(
        csv(HEADER, `${num(1)},Sales,primary,assign`, `"${num(2)},Sales,primary,assign`),
      );
      expect(message).toMatch(/^3: The file is not valid CSV: .+\.$/);
    });

    it('refuses a wrong header, quoting what it found', async () => {
      expect(await fileProblem(csv('number,trunk,type,action', `${num(1)},Sales,primary,assign`))).toBe(
        '1: The first line must be the header number,connection,type,action (found: "number,trunk,type,action").',
      );
      expect(await fileProblem(csv('number,connection,type', `${num(1)},Sales,primary`))).toContain(
        'found: "number,connection,type"',
      );
      expect(await fileProblem(csv('', '', `${HEADER},extra`))).toBe(
        '3: The first line must be the header number,connection,type,action (found: "number,connection,type,action,extra").',
      );
    });

    it('refuses an empty file and a file without rows', async () => {
      expect(await fileProblem(Buffer.alloc(0))).toBe(
        '1: The file is empty; its first line must be the header number,connection,type,action.',
      );
      expect(await fileProblem(csv(HEADER, '', ''))).toBe('1: The file has a header but no rows.');
    });

    it('answers 400 with the report when applying', async () => {
      const err = await failure(apply(Buffer.alloc(0)));
      expect(err.code).toBe(ErrorCode.ValidationFailed);
      expect(err.message).toBe(
        'The CSV file has 1 problem (line 1: The file is empty; its first line must be the header number,connection,type,action.); nothing was written.',
      );
      expect(err.details).toMatchObject({
        dryRun: false,
        applied: false,
        problems: [{ line: 1, code: 'file' }],
      });
    });
  });

  describe('row problems', () => {
    it('reports each problem with its line, column and code, and refuses the row', async () => {
      const report = await dryRun(
        csv(
          HEADER,
          `${num(3)},Sales,primary`,
          `${num(3)},Sales,main,assign`,
          `12,Sales,secondary,assign`,
          `${num(3)},Nowhere,secondary,assign`,
          `${num(3)},shared,secondary,assign`,
          `${num(3)},,secondary,assign`,
          `${num(3)},Sales,secondary,move`,
          `+13125550199,Sales,secondary,assign`,
          `${num(4)},Sales,secondary,assign`,
          `(312) 555-0104,Support,backup,assign`,
          `${num(2)},Sales,backup,assign`,
        ),
      );
      expect(problems(report)).toEqual([
        '2 - invalid_row: Expected 4 fields (number,connection,type,action), found 3.',
        '2 action invalid_row: action: must be assign or unassign (found "").',
        '3 type invalid_row: type: must be primary, secondary or backup (found "main").',
        '4 number invalid_row: number: "12" is not a valid phone number in US: check the number of digits and the area code.',
        '5 connection unknown_connection: connection: no connection has the id or name "Nowhere".',
        `6 connection ambiguous_connection: connection: 2 connections are named "shared"; use the connection's id.`,
        '7 connection invalid_row: connection: is required to assign (its name or id).',
        '8 action invalid_row: action: must be assign or unassign (found "move").',
        "9 number unknown_number: number: +13125550199 is not one of the team's numbers (add it first).",
        `11 number duplicate: number: ${num(4)} is already on line 10; one row per number.`,
        `12 - assigned_elsewhere: ${num(2)} is actively assigned to trunk Support; reassign it, or unassign it there first.`,
      ]);
      expect(report.counts).toEqual({ requested: 11, changed: 1, unchanged: 0, refused: 10 });
      expect(report.outcomes.map((o) => o.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(report.outcomes.find((o) => o.line === 4)).toStrictEqual({
        phoneNumberId: null,
        number: '12',
        outcome: 'refused',
        before: null,
        after: null,
        code: 'invalid_row',
        reason:
          'number: "12" is not a valid phone number in US: check the number of digits and the area code.',
        line: 4,
        action: 'assign',
      });
      expect(report.outcomes.find((o) => o.line === 8)).toMatchObject({ number: num(3), action: null });
      expect(report.outcomes.find((o) => o.line === 9)).toStrictEqual({
        phoneNumberId: null,
        number: '+13125550199',
        outcome: 'refused',
        before: null,
        after: null,
        code: 'unknown_number',
        reason: "number: +13125550199 is not one of the team's numbers (add it first).",
        line: 9,
        action: 'assign',
      });
      expect(report.outcomes.find((o) => o.line === 11)).toMatchObject({ code: 'duplicate', number: num(4) });
      expect(report.outcomes.find((o) => o.line === 12)).toMatchObject({
        phoneNumberId: 'n2',
        code: 'assigned_elsewhere',
        action: 'assign',
      });
    });

    it('ignores the type of an unassign row and takes a connection by its id', async () => {
      const report = await dryRun(
        csv(HEADER, `${num(1)},t-sales,whatever,unassign`, `${num(3)},t-sh2,backup,assign`),
      );
      expect(report.problems).toEqual([]);
      expect(report.outcomes.map((o) => [o.outcome, o.after?.trunkId ?? null])).toEqual([
        ['unassigned', null],
        ['assigned', 't-sh2'],
      ]);
    });

    it('refuses cells a spreadsheet would run, quoting them printable and short', async () => {
      const report = await dryRun(
        csv(
          HEADER,
          `=HYPERLINK("http://x.test"),Sales,primary,assign`,
          `${num(3)},@Sales,secondary,assign`,
          `${num(3)},Sales,-secondary,assign`,
          `${num(3)},Sales,secondary,+assign${'x'.repeat(50)}`,
          `${num(3)},"\tSales",secondary,assign`,
          `${num(4)},Sales,secondary,+${'y'.repeat(39)}`,
        ),
      );
      const formula = report.problems.filter((p) => p.message.includes('formula'));
      expect(new Set(formula.map((p) => p.code))).toEqual(new Set(['invalid_row']));
      expect(formula.map((p) => `${p.line} ${p.column}: ${p.message}`)).toEqual([
        '2 number: number: "=HYPERLINK("http://x.test")" looks like a spreadsheet formula and is refused.',
        '3 connection: connection: "@Sales" looks like a spreadsheet formula and is refused.',
        '4 type: type: "-secondary" looks like a spreadsheet formula and is refused.',
        `5 action: action: "${`+assign${'x'.repeat(50)}`.slice(0, 40)}…" looks like a spreadsheet formula and is refused.`,
        '6 connection: connection: "?Sales" looks like a spreadsheet formula and is refused.',
        `7 action: action: "+${'y'.repeat(39)}" looks like a spreadsheet formula and is refused.`,
      ]);
      expect(report.outcomes.every((o) => o.outcome === 'refused')).toBe(true);
    });

    it('writes nothing and answers 400 with the report when applying a file with problems', async () => {
      const before = structuredClone(store);
      const err = await failure(
        apply(
          csv(
            HEADER,
            `${num(3)},Sales,secondary,assign`,
            `${num(4)},Nowhere,secondary,assign`,
            `9,Sales,backup,assign`,
          ),
        ),
      );
      expect(err.code).toBe(ErrorCode.ValidationFailed);
      expect(err.message).toBe(
        'The CSV file has 2 problems (line 3: connection: no connection has the id or name "Nowhere".); nothing was written.',
      );
      expect((err.details as CsvImportReportDto).outcomes).toHaveLength(3);
      expect(store).toEqual(before);
      expect(fakes.writes).toEqual([]);
    });
  });

  describe('isFormulaCell', () => {
    it('refuses =, @, tab and CR first, and + or - unless a phone number follows', () => {
      for (const cell of ['=1+1', '@SUM(A1)', '\tx', '\rx', '-1', '+', '+x', '+1a', '-+13125550101', '+1x'])
        expect(isFormulaCell(cell), cell).toBe(true);
      for (const cell of [
        '',
        'Sales',
        '+13125550101',
        '+1 (312) 555-0101',
        '+1.312.555.0101',
        '3125550101',
        'a=b',
      ])
        expect(isFormulaCell(cell), cell).toBe(false);
    });
  });

  describe('exportRecords', () => {
    it('writes the header and each active assignment by number, naming a connection by id when its name is shared', async () => {
      store.trunks.push(aTrunk(admin.id, { id: 't-padded', name: ' Padded ' }));
      store.assignments.push(
        anAssignment('t-sh2', 'n4', 'backup', { id: 'a4' }),
        anAssignment('t-sales', 'n3', 'secondary', { id: 'a3', is_active: 0 }),
        anAssignment('t-padded', 'n5', 'secondary', { id: 'a5' }),
      );
      const records: string[][] = [];
      for await (const r of service.exportRecords({})) records.push(r);
      expect(records).toEqual([
        ['number', 'connection', 'type', 'action'],
        [num(1), 'Sales', 'primary', 'assign'],
        [num(2), 'Support', 'secondary', 'assign'],
        [num(4), 't-sh2', 'backup', 'assign'],
        [num(5), ' Padded ', 'secondary', 'assign'],
      ]);
      const only: string[][] = [];
      for await (const r of service.exportRecords({ trunkId: 't-support' })) only.push(r);
      expect(only).toEqual([
        ['number', 'connection', 'type', 'action'],
        [num(2), 'Support', 'secondary', 'assign'],
      ]);
    });

    it('exports what the import reads back unchanged', async () => {
      store.assignments.push(anAssignment('t-sh2', 'n4', 'backup', { id: 'a4' }));
      const records: string[][] = [];
      for await (const r of service.exportRecords({})) records.push(r);
      const report = await dryRun(csv(...records.map((r) => r.join(','))));
      expect(report.problems).toEqual([]);
      expect(report.counts).toEqual({ requested: 3, changed: 0, unchanged: 3, refused: 0 });
    });
  });
});
