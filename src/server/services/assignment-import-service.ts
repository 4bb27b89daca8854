/**
 * CSV import and export of assignments (`number,connection,type,action`), for the admin console and
 * `dialer assign import|export`. An import goes through the same plan as a bulk request
 * (bulk-assignment-plan.ts): a dry run reports every row's outcome and every problem with its line
 * number; applying writes every row or, when there is any problem, nothing.
 *
 * What a file may hold: UTF-8 text (a byte-order mark is fine), the header line first (the four
 * columns in this order, any case), one row per number. Numbers are normalised to E.164 with the
 * default country, as when an admin types one. A connection is named by its id or its name. Cells a
 * spreadsheet would run as a formula (=, @, tab or CR first; + or - first unless a phone number follows)
 * are refused, not rewritten: their line is a problem, since guessing what was meant could assign the
 * wrong number.
 */
import { parse } from 'csv-parse/sync';
import { LRUCache } from 'lru-cache';
import type {
  CsvImportReportDto,
  CsvProblemDto,
  CsvRowOutcomeDto,
  BulkOutcomeDto,
} from '../../shared/admin-api.js';
import {
  ASSIGNMENT_CSV_COLUMNS,
  ASSIGNMENT_TYPES,
  BULK_MAX_NUMBERS,
  CSV_ACTIONS,
  type AssignmentType,
  type CsvAction,
} from '../../shared/domain.js';
import { ValidationError } from '../../shared/errors.js';
import { normalisePhoneNumber } from '../../shared/phone-number.js';
import type { NumberFilterBody } from '../../shared/schemas/admin.js';
import { nowIso } from '../db/json.js';
import type { Repositories, UnitOfWork } from '../repositories/index.js';
import type { ActorId } from './admin-rules.js';
import { loadPlanState, planBulk, type BulkIntent, type PlanInput } from './bulk-assignment-plan.js';
import { firstNonUtf8Line, isFormulaCell, lineOfOffset, quote } from './csv-file-checks.js';

type Column = (typeof ASSIGNMENT_CSV_COLUMNS)[number];

interface ParsedRow {
  line: number;
  cells: string[];
}

interface ResolvedRow {
  line: number;
  action: CsvAction;
  input: PlanInput;
}

interface ConnectionIndex {
  byId: Map<string, string>;
  byName: Map<string, string[]>;
}

type Normalised = ReturnType<typeof normalisePhoneNumber>;

export class AssignmentImportService {
  /**
   * Cells already read (number text -> E.164 or why not), so applying a file right after its dry run,
   * as the console does, does not parse its 10,000 numbers again (about a third of the request).
   * A few MB at most; the result depends only on the text and the (fixed) default country.
   */
  private readonly numbers = new LRUCache<string, Normalised>({ max: 20_000 });

  constructor(
    private readonly repos: Pick<Repositories, 'trunks' | 'phoneNumbers'>,
    private readonly transaction: UnitOfWork,
    private readonly defaultCountry: string,
  ) {}

  /**
   * Reads, checks and (unless `dryRun`) applies a CSV file. A file with a problem answers its report:
   * as the result of a dry run, or in a 400's details when applying (nothing written).
   */
  async importCsv(file: Buffer, options: { dryRun: boolean }, actorId: ActorId): Promise<CsvImportReportDto> {
    const report = (problems: CsvProblemDto[], rows = 0): CsvImportReportDto => ({
      dryRun: options.dryRun,
      applied: false,
      rows,
      counts: { requested: rows, changed: 0, unchanged: 0, refused: 0 },
      problems,
      outcomes: [],
      formulaPolicy: 'refused',
    });
    const parsed = this.readFile(file);
    if ('problem' in parsed) return this.finish(report([parsed.problem]), options);
    const { rows } = parsed;

    return this.transaction.run(async (repos) => {
      const problems: CsvProblemDto[] = [];
      const outcomes: CsvRowOutcomeDto[] = [];
      const resolved = await this.resolveRows(repos, rows, problems, outcomes);
      const state = await loadPlanState(
        repos,
        resolved.map((r) => r.input.phoneNumberId),
      );
      const plan = planBulk(
        state,
        resolved.map((r) => r.input),
      );
      plan.outcomes.forEach((o, i) => {
        const row = resolved[i]!;
        outcomes.push({ ...o, line: row.line, action: row.action });
        if (o.outcome === 'refused') {
          problems.push({ line: row.line, code: o.code ?? 'invalid_row', message: o.reason ?? 'refused' });
        }
      });
      outcomes.sort((a, b) => a.line - b.line);
      problems.sort((a, b) => a.line - b.line);
      const counts = { requested: rows.length, changed: 0, unchanged: 0, refused: 0 };
      for (const o of outcomes) {
        if (o.outcome === 'refused') counts.refused += 1;
        else if (o.outcome === 'unchanged') counts.unchanged += 1;
        else counts.changed += 1;
      }
      const result: CsvImportReportDto = { ...report(problems, rows.length), counts, outcomes };
      if (options.dryRun || problems.length > 0) return this.finish(result, options);
      await plan.apply(repos, nowIso());
      await repos.audit.record({
        actorId,
        action: 'assignment.import',
        entityType: 'assignment',
        entityId: null,
        details: { rows: rows.length, counts },
      });
      return { ...result, applied: true };
    });
  }

  /** A dry run's report is the answer; applying with problems is a 400 carrying the report. */
  private finish(report: CsvImportReportDto, options: { dryRun: boolean }): CsvImportReportDto {
    if (options.dryRun || report.problems.length === 0) return report;
    const first = report.problems[0]!;
    throw new ValidationError(
      `The CSV file has ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} (line ${first.line}: ${first.message}); nothing was written.`,
      report,
    );
  }

  private readFile(file: Buffer): { rows: ParsedRow[] } | { problem: CsvProblemDto } {
    const fileProblem = (line: number, message: string) => ({
      problem: { line, code: 'file' as const, message },
    });
    const badLine = firstNonUtf8Line(file);
    if (badLine !== null) {
      return fileProblem(
        badLine,
        'The file is not UTF-8 text (from a spreadsheet, save it as "CSV UTF-8"); nothing was read.',
      );
    }
    const nul = file.indexOf(0);
    if (nul !== -1) {
      return fileProblem(
        lineOfOffset(file, nul),
        'The file holds a NUL character, so it is not a text file (save it from the spreadsheet as "CSV UTF-8"); nothing was read.',
      );
    }
    let records: { record: string[]; info: { lines: number } }[];
    try {
      records = parse(file, {
        bom: true,
        info: true,
        relax_column_count: true,
        // A quote inside an unquoted cell (=HYPERLINK("…")) is read as text, so its line gets a precise problem.
        relax_quotes: true,
        skip_empty_lines: true,
      }) as unknown as { record: string[]; info: { lines: number } }[];
    } catch (err) {
      const line = (err as { lines?: unknown }).lines;
      return fileProblem(
        typeof line === 'number' ? line : 1,
        `The file is not valid CSV: ${err instanceof Error ? err.message.slice(0, 200) : 'unreadable'}.`,
      );
    }
    const [header, ...rest] = records;
    const expected = ASSIGNMENT_CSV_COLUMNS.join(',');
    const found = header?.record.map((c) => c.trim().toLowerCase()).join(',');
    if (found !== expected) {
      return fileProblem(
        header?.info.lines ?? 1,
        header
          ? `The first line must be the header ${expected} (found: ${quote(header.record.join(','))}).`
          : `The file is empty; its first line must be the header ${expected}.`,
      );
    }
    if (rest.length === 0) return fileProblem(1, 'The file has a header but no rows.');
    if (rest.length > BULK_MAX_NUMBERS) {
      return fileProblem(
        1,
        `The file has ${rest.length.toLocaleString('en')} rows; at most ${BULK_MAX_NUMBERS.toLocaleString('en')} can be imported at once.`,
      );
    }
    return { rows: rest.map((r) => ({ line: r.info.lines, cells: r.record })) };
  }

  private normalise(text: string): Normalised {
    let parsed = this.numbers.get(text);
    if (!parsed) {
      parsed = normalisePhoneNumber(text, this.defaultCountry);
      this.numbers.set(text, parsed);
    }
    return parsed;
  }

  private async connectionIndex(repos: Pick<Repositories, 'trunks'>): Promise<ConnectionIndex> {
    const byId = new Map<string, string>();
    const byName = new Map<string, string[]>();
    for (const t of await repos.trunks.listNames()) {
      byId.set(t.id, t.name);
      const k = t.name.trim().toLowerCase();
      byName.set(k, [...(byName.get(k) ?? []), t.id]);
    }
    return { byId, byName };
  }

  /** Checks every row; the good ones become plan inputs, the rest problems (and refused outcomes). */
  private async resolveRows(
    repos: Pick<Repositories, 'trunks' | 'phoneNumbers'>,
    rows: ParsedRow[],
    problems: CsvProblemDto[],
    outcomes: CsvRowOutcomeDto[],
  ): Promise<ResolvedRow[]> {
    const connections = await this.connectionIndex(repos);
    const checked: { row: ParsedRow; e164: string; action: CsvAction; intent: BulkIntent }[] = [];
    const seen = new Map<string, number>();
    for (const row of rows) {
      const rowProblems: CsvProblemDto[] = [];
      const problem = (column: Column | undefined, code: CsvProblemDto['code'], message: string) =>
        rowProblems.push({ line: row.line, ...(column ? { column } : {}), code, message });
      if (row.cells.length !== ASSIGNMENT_CSV_COLUMNS.length) {
        problem(
          undefined,
          'invalid_row',
          `Expected ${ASSIGNMENT_CSV_COLUMNS.length} fields (${ASSIGNMENT_CSV_COLUMNS.join(',')}), found ${row.cells.length}.`,
        );
      }
      const cell = (c: Column) => (row.cells[ASSIGNMENT_CSV_COLUMNS.indexOf(c)] ?? '').trim();
      for (const c of ASSIGNMENT_CSV_COLUMNS) {
        const raw = row.cells[ASSIGNMENT_CSV_COLUMNS.indexOf(c)] ?? '';
        if (isFormulaCell(raw)) {
          problem(c, 'invalid_row', `${c}: ${quote(raw)} looks like a spreadsheet formula and is refused.`);
        }
      }
      const actionText = cell('action').toLowerCase();
      const action = CSV_ACTIONS.find((a) => a === actionText);
      if (!action)
        problem(
          'action',
          'invalid_row',
          `action: must be assign or unassign (found ${quote(cell('action'))}).`,
        );
      const parsed = this.normalise(cell('number'));
      if (!parsed.ok) problem('number', 'invalid_row', `number: ${parsed.message}`);
      const typeText = cell('type').toLowerCase();
      const type = ASSIGNMENT_TYPES.find((t) => t === typeText);
      if (action === 'assign' && !type) {
        problem(
          'type',
          'invalid_row',
          `type: must be primary, secondary or backup (found ${quote(cell('type'))}).`,
        );
      }
      let trunkId: string | undefined;
      const connection = cell('connection');
      if (connection) {
        const byName = connections.byName.get(connection.toLowerCase()) ?? [];
        if (connections.byId.has(connection)) trunkId = connection;
        else if (byName.length === 1) trunkId = byName[0];
        else if (byName.length > 1) {
          problem(
            'connection',
            'ambiguous_connection',
            `connection: ${byName.length} connections are named ${quote(connection)}; use the connection's id.`,
          );
        } else
          problem(
            'connection',
            'unknown_connection',
            `connection: no connection has the id or name ${quote(connection)}.`,
          );
      } else if (action === 'assign') {
        problem('connection', 'invalid_row', 'connection: is required to assign (its name or id).');
      }
      if (parsed.ok && rowProblems.length === 0) {
        const earlier = seen.get(parsed.e164);
        if (earlier !== undefined) {
          problem(
            'number',
            'duplicate',
            `number: ${parsed.e164} is already on line ${earlier}; one row per number.`,
          );
        } else {
          seen.set(parsed.e164, row.line);
        }
      }
      if (rowProblems.length > 0 || !parsed.ok || !action) {
        problems.push(...rowProblems);
        outcomes.push(
          refusedRow(row.line, action ?? null, parsed.ok ? parsed.e164 : cell('number'), rowProblems[0]),
        );
        continue;
      }
      const intent: BulkIntent =
        action === 'assign'
          ? { kind: 'assign', trunkId: trunkId!, type: type as AssignmentType }
          : { kind: 'unassign', ...(trunkId ? { trunkId } : {}) };
      checked.push({ row, e164: parsed.e164, action, intent });
    }

    const ids = await repos.phoneNumbers.idsByNumbers(checked.map((c) => c.e164));
    const resolved: ResolvedRow[] = [];
    for (const c of checked) {
      const id = ids.get(c.e164);
      if (!id) {
        const p: CsvProblemDto = {
          line: c.row.line,
          column: 'number',
          code: 'unknown_number',
          message: `number: ${c.e164} is not one of the team's numbers (add it first).`,
        };
        problems.push(p);
        outcomes.push(refusedRow(c.row.line, c.action, c.e164, p));
        continue;
      }
      resolved.push({
        line: c.row.line,
        action: c.action,
        input: { phoneNumberId: id, number: c.e164, intent: c.intent },
      });
    }
    return resolved;
  }

  /**
   * The active assignments of the numbers `filters` match, as CSV records (header first) that
   * `importCsv` reads back: the connection by name, or by id where two connections share the name.
   */
  async *exportRecords(filters: NumberFilterBody): AsyncGenerator<string[]> {
    const { byName } = await this.connectionIndex(this.repos);
    yield [...ASSIGNMENT_CSV_COLUMNS];
    for await (const r of this.repos.phoneNumbers.assignedMatching(filters)) {
      const unique = (byName.get(r.trunk_name.trim().toLowerCase()) ?? []).length === 1;
      yield [r.number, unique ? r.trunk_name : r.trunk_id, r.assignment_type, 'assign'];
    }
  }
}

function refusedRow(
  line: number,
  action: CsvAction | null,
  number: string,
  problem: CsvProblemDto | undefined,
): CsvRowOutcomeDto {
  const outcome: BulkOutcomeDto = {
    phoneNumberId: null,
    number,
    outcome: 'refused',
    before: null,
    after: null,
    code: problem?.code === 'file' || !problem ? 'invalid_row' : problem.code,
    reason: problem?.message ?? 'refused',
  };
  return { ...outcome, line, action };
}
