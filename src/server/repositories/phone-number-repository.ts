/**
 * phone_numbers: the team's numbers, stored in E.164 (unique).
 *
 * A little over 400 lines because the admin list's filter and text search live here with the query they
 * shape: the trigram candidates (0016), the one-column search for short texts (0018, and its narrow
 * PostgreSQL copy 0022) and the page/count plans each needs only make sense read next to `list`. A split
 * would put them in a module with one caller.
 */
import { PostgresAdapter, sql } from 'kysely';
import type { Expression, ExpressionBuilder, Insertable, SqlBool, Updateable } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database, PhoneNumberRow, PhoneNumbersTable } from '../db/schema.js';
import { deleteOrExplain, writeOrExplain, type ConstraintMessages } from './db-errors.js';
import type { NumberSortField } from '../../shared/schemas/admin.js';
import {
  anyColumnContains,
  chunked,
  containsPattern,
  orderBySort,
  valuesTable,
  type PageRequest,
  type PageResult,
  type SortColumn,
  type SortRequest,
} from './query-helpers.js';

export interface PhoneNumberFilters {
  ownerId?: string;
  status?: string;
  numberType?: string;
  country?: string;
  areaCode?: string;
  /** Only numbers actively assigned to this trunk. */
  trunkId?: string;
  /** Only numbers actively assigned with this type. */
  assignmentType?: string;
  /** Digits or text matched against the number, city and region. */
  q?: string;
  /** true: only numbers actively assigned to a trunk; false: only unassigned ones. */
  assigned?: boolean;
  sort?: SortRequest<NumberSortField>;
}

const SORT_COLUMNS: Record<NumberSortField, SortColumn> = {
  number: { column: 'pn.number', unique: true },
  country: { column: 'pn.country', nullable: true },
  areaCode: { column: 'pn.area_code', nullable: true },
  numberType: { column: 'pn.number_type' },
  status: { column: 'pn.status' },
  connection: { column: 't.name', nullable: true },
  createdAt: { column: 'pn.created_at' },
};

/** A number with its active assignment's trunk, for the CSV export. */
export interface AssignedNumberExportRow {
  number: string;
  trunk_id: string;
  trunk_name: string;
  assignment_type: string;
}

/** A number with the trunk it is actively assigned to (if any). */
export type PhoneNumberView = PhoneNumberRow & {
  active_trunk_id: string | null;
  active_trunk_name: string | null;
  active_assignment_type: string | null;
};

const CONSTRAINT_MESSAGES: ConstraintMessages = {
  unique: [
    [['number'], 'This phone number already exists.'],
    [['telnyx_number_id'], 'Another phone number already uses this Telnyx number id.'],
    [['id'], 'A phone number with this id already exists.'],
  ],
  foreignKey: 'ownerId: no user with this id exists.',
};

const ACTIVE_TRUNK_COLUMNS = [
  't.id as active_trunk_id',
  't.name as active_trunk_name',
  'tpn.assignment_type as active_assignment_type',
] as const;

/** The scope a numbers filter reads: phone_numbers as `pn` (alone, or joined after sip_trunks). */
type NumbersScope = Database & { pn: PhoneNumbersTable };

/**
 * The condition `filters` put on `pn`. The assignment filters read the number's copy of its active
 * assignment (assigned_trunk_id, assigned_type: migration 0014, kept by triggers), so each filter has an
 * index that ends with the number and counting joins nothing.
 */
function numberFilter(
  eb: ExpressionBuilder<NumbersScope, 'pn'>,
  filters: PhoneNumberFilters,
  postgres: boolean,
) {
  const conditions: Expression<SqlBool>[] = [];
  if (filters.ownerId) conditions.push(eb('pn.owner_id', '=', filters.ownerId));
  if (filters.status) conditions.push(eb('pn.status', '=', filters.status));
  if (filters.numberType) conditions.push(eb('pn.number_type', '=', filters.numberType));
  if (filters.country) conditions.push(eb('pn.country', '=', filters.country));
  if (filters.areaCode) conditions.push(eb('pn.area_code', '=', filters.areaCode));
  if (filters.trunkId) conditions.push(eb('pn.assigned_trunk_id', '=', filters.trunkId));
  if (filters.assignmentType) conditions.push(eb('pn.assigned_type', '=', filters.assignmentType));
  // A literal `is null`, no bound value: the partial index phone_numbers_unassigned_idx serves it.
  // "Assigned" goes without saying with a trunk or a type (both copies are null together): leaving it
  // out lets "assigned as backup" be counted from (assigned_type, number) alone, with no row read.
  if (filters.assigned === true && !filters.trunkId && !filters.assignmentType) {
    conditions.push(eb('pn.assigned_trunk_id', 'is not', null));
  }
  if (filters.assigned === false) conditions.push(eb('pn.assigned_trunk_id', 'is', null));
  const text = filters.q;
  if (text && searchedAsOneColumn(text)) {
    conditions.push(searchTextContains(text));
  } else if (text) {
    // SQLite: the trigram table (migration 0016) names the candidates, the LIKE has the final word.
    if (!postgres && trigramSearchable(text)) conditions.push(trigramCandidates(eb, text));
    conditions.push(
      eb.or([
        anyColumnContains(eb, ['pn.number'], text, { caseSensitive: true }),
        anyColumnContains(eb, ['pn.city', 'pn.region'], text),
      ]),
    );
  }
  return eb.and(conditions);
}

/**
 * A trigram index can only narrow a search of three characters or more (shorter has no trigram): a
 * shorter one reads every number, cheapest from the one-column copy `search_text` (migration 0018) and
 * its index. It joins the fields with U+0001, so a text holding that character keeps the per-field LIKEs.
 */
function searchedAsOneColumn(text: string): boolean {
  return !trigramSearchable(text) && !text.includes(SEARCH_TEXT_SEPARATOR);
}

function trigramSearchable(text: string): boolean {
  return [...text].length >= 3;
}

const SEARCH_TEXT_SEPARATOR = '\u0001';

const SEARCH_TEXT_INDEX = 'phone_numbers_search_text_idx';

/** PostgreSQL: the narrow (search_text, id) copy kept by triggers (migration 0022). */
const SEARCH_TEXT_COPY = 'phone_number_search_text';

/** Whether `filters` narrow by text alone (the sort aside). */
function onlyText(filters: PhoneNumberFilters): boolean {
  return Object.entries(filters).every(
    ([key, value]) => key === 'q' || key === 'sort' || value === undefined,
  );
}

/** Up to this many matches a short search's page is fetched by id and sorted (see list). */
const FEW_MATCHES = 2_000;

/**
 * `search_text` contains `text`: the number as typed (digits and `+`, which lower-casing leaves alone),
 * or the city or region ignoring case, exactly as the per-field condition above.
 */
function searchTextContains(text: string): Expression<SqlBool> {
  return sql<SqlBool>`pn.search_text like ${containsPattern(text.toLowerCase())} escape '\\'`;
}

/**
 * SQLite: the numbers whose number, city or region contains `text` ignoring case, from the FTS5 trigram
 * table phone_numbers_search (0016). Its case folding covers more letters than SQLite's lower(), so it
 * finds every number the LIKE would and perhaps a few more, which the LIKE then drops. The text is one
 * quoted phrase: `"` doubled, every other character (`%`, `_`, `*`, spaces) literal.
 */
function trigramCandidates(eb: ExpressionBuilder<NumbersScope, 'pn'>, text: string): Expression<SqlBool> {
  const phrase = `"${text.replace(/"/g, '""')}"`;
  return eb(
    sql.ref('pn.rowid'),
    'in',
    sql`(select rowid from phone_numbers_search where phone_numbers_search match ${phrase})`,
  );
}

export class PhoneNumberRepository {
  /** PostgreSQL reads its trigram indexes from the LIKE itself; SQLite is pointed at its FTS5 table. */
  private readonly postgres: boolean;

  constructor(private readonly db: Db) {
    this.postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  private view() {
    // The partial unique index on trunk_phone_numbers(phone_number_id) where is_active = 1 makes this
    // join yield at most one row per number.
    return this.db
      .selectFrom('phone_numbers as pn')
      .leftJoin('trunk_phone_numbers as tpn', (j) =>
        j.onRef('tpn.phone_number_id', '=', 'pn.id').on('tpn.is_active', '=', 1),
      )
      .leftJoin('sip_trunks as t', 't.id', 'tpn.trunk_id');
  }

  findById(id: string): Promise<PhoneNumberView | undefined> {
    return this.view()
      .selectAll('pn')
      .select(ACTIVE_TRUNK_COLUMNS)
      .where('pn.id', '=', id)
      .executeTakeFirst();
  }

  findByNumber(e164: string): Promise<PhoneNumberRow | undefined> {
    return this.db.selectFrom('phone_numbers').selectAll().where('number', '=', e164).executeTakeFirst();
  }

  /** The numbers `filters` match, on phone_numbers alone (see numberFilter). */
  private matching(filters: PhoneNumberFilters) {
    return this.db.selectFrom('phone_numbers as pn').where((eb) => numberFilter(eb, filters, this.postgres));
  }

  async list(filters: PhoneNumberFilters, page: PageRequest): Promise<PageResult<PhoneNumberView>> {
    const sort = filters.sort ?? { field: 'number', direction: 'asc' };
    // Every row the filter keeps has a trunk: an inner join, and no "unassigned last" term in the order.
    const onlyAssigned = Boolean(filters.trunkId || filters.assignmentType || filters.assigned === true);
    const columns = onlyAssigned ? { ...SORT_COLUMNS, connection: { column: 't.name' } } : SORT_COLUMNS;
    const tiebreak = sort.field === 'connection' ? 'pn.number' : 'pn.id';
    const selected = [
      't.id as active_trunk_id',
      't.name as active_trunk_name',
      'pn.assigned_type as active_assignment_type',
    ] as const;
    // "Assigned (as backup), sorted by connection" with no narrow filter: the trunks in name order, each
    // one's numbers from (assigned_trunk_id, number), stop after a page. CROSS JOIN tells SQLite to keep
    // that order (it would rather sort all 40,000 backups by trunk name); PostgreSQL plans it as any
    // inner join (an incremental sort). A narrow filter (trunk, area code, owner, text) is left to the planner.
    const trunksFirst =
      onlyAssigned &&
      sort.field === 'connection' &&
      !filters.trunkId &&
      !filters.areaCode &&
      !filters.ownerId &&
      !filters.q;
    const rows = trunksFirst
      ? orderBySort(
          this.db
            .selectFrom('sip_trunks as t')
            .crossJoin('phone_numbers as pn')
            .whereRef('t.id', '=', 'pn.assigned_trunk_id')
            .where((eb) => numberFilter(eb, filters, this.postgres))
            .selectAll('pn')
            .select(selected),
          columns,
          sort,
          sort,
          tiebreak,
        )
      : orderBySort(
          (onlyAssigned
            ? this.matching(filters).innerJoin('sip_trunks as t', 't.id', 'pn.assigned_trunk_id')
            : this.matching(filters).leftJoin('sip_trunks as t', 't.id', 'pn.assigned_trunk_id')
          )
            .selectAll('pn')
            .select(selected),
          columns,
          sort,
          sort,
          tiebreak,
        );
    const counted = () =>
      this.matching(filters)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow()
        .then((c) => Number(c.n));
    if (filters.q && searchedAsOneColumn(filters.q)) {
      // A search too short for a trigram: with text alone, the count reads the narrowest copy of
      // search_text (cheap), and says how to fetch the page. Many matches: walk the sort order and stop after a page (as without
      // text). Few: fetch them by their ids from that copy and sort them, instead of reading every
      // number in sort order to find that nothing else matches.
      const total = await (onlyText(filters) ? this.countSearchText(filters.q) : counted());
      if (total === 0 || page.offset >= total) return { rows: [], total };
      const paged = total <= FEW_MATCHES ? rows.where(this.searchTextCandidates(filters.q)) : rows;
      return { rows: await paged.limit(page.limit).offset(page.offset).execute(), total };
    }
    // The page and the count of the same filter, as fetchPage does (the page may start from sip_trunks).
    const [items, total] = await Promise.all([
      rows.limit(page.limit).offset(page.offset).execute(),
      counted(),
    ]);
    return { rows: items, total };
  }

  /**
   * The numbers whose search_text contains `text`, by key without the rows. SQLite is told to read
   * search_text's index (0018): left to itself it reads the table and computes the (virtual) column for
   * every row, five times slower. PostgreSQL reads the narrow copy phone_number_search_text (0022).
   */
  private searchTextCandidates(text: string): Expression<SqlBool> {
    const pattern = containsPattern(text.toLowerCase());
    return this.postgres
      ? sql<SqlBool>`pn.id in (select id from ${sql.id(SEARCH_TEXT_COPY)} where search_text like ${pattern} escape '\\')`
      : sql<SqlBool>`pn.rowid in (select rowid from phone_numbers indexed by ${sql.id(SEARCH_TEXT_INDEX)}
          where search_text like ${pattern} escape '\\')`;
  }

  /** A short text and no other filter: the count from the narrowest copy of search_text (see above). */
  private async countSearchText(text: string): Promise<number> {
    const pattern = containsPattern(text.toLowerCase());
    const source = this.postgres
      ? sql`${sql.id(SEARCH_TEXT_COPY)}`
      : sql`phone_numbers indexed by ${sql.id(SEARCH_TEXT_INDEX)}`;
    const result = await sql<{ n: number | string }>`select count(*) as n from ${source}
      where search_text like ${pattern} escape '\\'`.execute(this.db);
    return Number(result.rows[0]?.n ?? 0);
  }

  /** Ids of every number `filters` match, by number (a bulk request's "all that match"). */
  async idsMatching(filters: PhoneNumberFilters, limit: number): Promise<string[]> {
    const rows = await this.matching(filters).select('pn.id').orderBy('pn.number').limit(limit).execute();
    return rows.map((r) => r.id);
  }

  /** Active assignments of the numbers `filters` match, by number (the CSV export), in pages of `batch`. */
  async *assignedMatching(
    filters: PhoneNumberFilters,
    batch = 1000,
  ): AsyncGenerator<AssignedNumberExportRow> {
    let after = '';
    for (;;) {
      const rows = await this.matching(filters)
        .innerJoin('trunk_phone_numbers as tpn', (j) =>
          j.onRef('tpn.phone_number_id', '=', 'pn.id').on('tpn.is_active', '=', 1),
        )
        .innerJoin('sip_trunks as t', 't.id', 'tpn.trunk_id')
        .select(['pn.number', 't.id as trunk_id', 't.name as trunk_name', 'tpn.assignment_type'])
        .where('pn.number', '>', after)
        .orderBy('pn.number')
        .limit(batch)
        .execute();
      yield* rows;
      if (rows.length < batch) return;
      after = rows[rows.length - 1]!.number;
    }
  }

  /** The numbers (E.164) among `numbers` that exist, with their ids (the CSV import; see valuesTable). */
  async idsByNumbers(numbers: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const part of chunked([...new Set(numbers)])) {
      const rows = await this.db
        .with('wanted(number)', () => valuesTable<'number'>(part))
        .selectFrom('wanted')
        .innerJoin('phone_numbers', 'phone_numbers.number', 'wanted.number')
        .select(['phone_numbers.id', 'phone_numbers.number'])
        .execute();
      for (const r of rows) out.set(r.number, r.id);
    }
    return out;
  }

  /** Id and number of each of `ids` that exists. */
  async numbersByIds(ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const part of chunked([...new Set(ids)])) {
      const rows = await this.db
        .selectFrom('phone_numbers')
        .select(['id', 'number'])
        .where('id', 'in', part)
        .execute();
      for (const r of rows) out.set(r.id, r.number);
    }
    return out;
  }

  /** Distinct countries, area codes and types for the filter dropdowns, sorted, at most `limit` each. */
  async facets(limit: number): Promise<{ countries: string[]; areaCodes: string[]; numberTypes: string[] }> {
    const distinct = async (column: 'country' | 'area_code' | 'number_type') => {
      const rows = await this.db
        .selectFrom('phone_numbers')
        .select(column)
        .distinct()
        .where(column, 'is not', null)
        .orderBy(column)
        .limit(limit)
        .execute();
      return rows.map((r) => String(r[column]));
    };
    const [countries, areaCodes, numberTypes] = await Promise.all([
      distinct('country'),
      distinct('area_code'),
      distinct('number_type'),
    ]);
    return { countries, areaCodes, numberTypes };
  }

  /** Status of each number (by id), for diagnostics; unknown ids are absent. */
  async statusesByIds(ids: string[]): Promise<Map<string, string>> {
    const statuses = new Map<string, string>();
    for (const part of chunked([...new Set(ids)])) {
      const rows = await this.db
        .selectFrom('phone_numbers')
        .select(['id', 'status'])
        .where('id', 'in', part)
        .execute();
      for (const r of rows) statuses.set(r.id, r.status);
    }
    return statuses;
  }

  async insert(row: Insertable<PhoneNumbersTable>): Promise<void> {
    await writeOrExplain(CONSTRAINT_MESSAGES, () =>
      this.db.insertInto('phone_numbers').values(row).execute(),
    );
  }

  async update(id: string, patch: Updateable<PhoneNumbersTable>): Promise<boolean> {
    const r = await writeOrExplain(CONSTRAINT_MESSAGES, () =>
      this.db.updateTable('phone_numbers').set(patch).where('id', '=', id).executeTakeFirst(),
    );
    return Number(r.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<boolean> {
    const r = await deleteOrExplain('This number', () =>
      this.db.deleteFrom('phone_numbers').where('id', '=', id).executeTakeFirst(),
    );
    return Number(r.numDeletedRows) > 0;
  }
}
