/** phone_numbers: the team's numbers, stored in E.164 (unique). */
import type { Insertable, Updateable } from 'kysely';
import type { Db } from '../db/database.js';
import type { PhoneNumberRow, PhoneNumbersTable } from '../db/schema.js';
import { deleteOrExplain, writeOrExplain, type ConstraintMessages } from './db-errors.js';
import type { NumberSortField } from '../../shared/schemas/admin.js';
import {
  anyColumnContains,
  chunked,
  fetchPage,
  orderBySort,
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

export class PhoneNumberRepository {
  constructor(private readonly db: Db) {}

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

  /**
   * The numbers `filters` match, on phone_numbers alone: the assignment filters are `id in (…)` over
   * trunk_phone_numbers (its partial unique index on active rows), so counting 100,000 numbers joins
   * nothing and a page joins only its own rows' trunks.
   */
  private matching(filters: PhoneNumberFilters) {
    let q = this.db.selectFrom('phone_numbers as pn');
    if (filters.ownerId) q = q.where('pn.owner_id', '=', filters.ownerId);
    if (filters.status) q = q.where('pn.status', '=', filters.status);
    if (filters.numberType) q = q.where('pn.number_type', '=', filters.numberType);
    if (filters.country) q = q.where('pn.country', '=', filters.country);
    if (filters.areaCode) q = q.where('pn.area_code', '=', filters.areaCode);
    const { trunkId, assignmentType } = filters;
    if (trunkId || assignmentType || filters.assigned === true) {
      q = q.where('pn.id', 'in', (eb) => {
        let sub = eb
          .selectFrom('trunk_phone_numbers as a')
          .select('a.phone_number_id')
          .where('a.is_active', '=', 1);
        if (trunkId) sub = sub.where('a.trunk_id', '=', trunkId);
        if (assignmentType) sub = sub.where('a.assignment_type', '=', assignmentType);
        return sub;
      });
    }
    if (filters.assigned === false) {
      q = q.where('pn.id', 'not in', (eb) =>
        eb.selectFrom('trunk_phone_numbers as a').select('a.phone_number_id').where('a.is_active', '=', 1),
      );
    }
    const text = filters.q;
    if (text) {
      q = q.where((eb) =>
        eb.or([
          anyColumnContains(eb, ['pn.number'], text, { caseSensitive: true }),
          anyColumnContains(eb, ['pn.city', 'pn.region'], text),
        ]),
      );
    }
    return q;
  }

  list(filters: PhoneNumberFilters, page: PageRequest): Promise<PageResult<PhoneNumberView>> {
    const sort = filters.sort ?? { field: 'number', direction: 'asc' };
    const byTrunkName = sort.field === 'connection';
    return fetchPage(
      this.matching(filters),
      (f) =>
        orderBySort(
          f
            .leftJoin('trunk_phone_numbers as tpn', (j) =>
              j.onRef('tpn.phone_number_id', '=', 'pn.id').on('tpn.is_active', '=', 1),
            )
            .leftJoin('sip_trunks as t', 't.id', 'tpn.trunk_id')
            .selectAll('pn')
            .select(ACTIVE_TRUNK_COLUMNS),
          SORT_COLUMNS,
          sort,
          sort,
          byTrunkName ? 'pn.number' : 'pn.id',
        ),
      page,
    );
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

  /** The numbers (E.164) among `numbers` that exist, with their ids. */
  async idsByNumbers(numbers: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const part of chunked([...new Set(numbers)])) {
      const rows = await this.db
        .selectFrom('phone_numbers')
        .select(['id', 'number'])
        .where('number', 'in', part)
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
