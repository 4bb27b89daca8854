/**
 * trunk_phone_numbers: which number is assigned to which trunk, as primary, secondary or backup.
 * The database enforces "a number is actively assigned to at most one trunk" and "at most one active
 * primary per trunk" (partial unique indexes, migration 0001); violations become 409s here.
 */
import { sql, type Insertable, type Updateable } from 'kysely';
import { databaseKindOf, type Db } from '../db/database.js';
import type { AssignmentRow, TrunkPhoneNumbersTable } from '../db/schema.js';
import { writeOrExplain, type ConstraintMessages } from './db-errors.js';
import type { AssignmentSortField } from '../../shared/schemas/admin.js';
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

/** One actively assigned number, as the connections list shows it. */
export interface ConnectionNumberRow {
  assignment_id: string;
  trunk_id: string;
  phone_number_id: string;
  assignment_type: string;
  assigned_at: string;
  number: string;
  country: string | null;
  city: string | null;
  region: string | null;
  number_type: string;
  capabilities: string;
}

/** One trunk's actively assigned numbers as the JSON text of an AssignedNumberDto[] (SQLite only). */
export interface ConnectionNumbersJsonRow {
  trunk_id: string;
  numbers: string;
}

export interface AssignmentFilters {
  trunkId?: string;
  phoneNumberId?: string;
  ownerId?: string;
  assignmentType?: string;
  isActive?: boolean;
  /** Digits in the number, or text in the trunk's name. */
  q?: string;
  sort?: SortRequest<AssignmentSortField>;
}

const SORT_COLUMNS: Record<AssignmentSortField, SortColumn> = {
  number: { column: 'pn.number' },
  connection: { column: 't.name' },
  assignmentType: { column: 'type_order' },
  assignedAt: { column: 'tpn.assigned_at' },
  lastUsedAt: { column: 'tpn.last_used_at', nullable: true },
};

/** What a bulk plan needs of one assignment. */
export interface BulkAssignmentRow {
  id: string;
  trunk_id: string;
  phone_number_id: string;
  assignment_type: string;
  is_active: number;
}

/** An assignment with its number and trunk name, for admin lists. */
export type AssignmentView = AssignmentRow & { number: string; trunk_name: string; owner_id: string };

/** primary, secondary, backup: the order of ASSIGNMENT_TYPES, in SQL. */
const TYPE_ORDER = sql<number>`case tpn.assignment_type when 'primary' then 0 when 'secondary' then 1 else 2 end`;

const CONSTRAINT_MESSAGES: ConstraintMessages = {
  unique: [
    [['phone_number_id'], 'This number is already actively assigned to another trunk.'],
    [['trunk_id'], 'This trunk already has an active primary number.'],
    [['trunk_id', 'phone_number_id'], 'This number is already assigned to this trunk.'],
    [['id'], 'An assignment with this id already exists.'],
  ],
  foreignKey: 'The trunk or the phone number does not exist.',
};

const VIEW_EXTRA_COLUMNS = ['pn.number', 't.name as trunk_name', 't.owner_id'] as const;

const NUMBER_COLUMNS = [
  'tpn.id as assignment_id',
  'tpn.trunk_id',
  'tpn.phone_number_id',
  'tpn.assignment_type',
  'tpn.assigned_at',
  'pn.number',
  'pn.country',
  'pn.city',
  'pn.region',
  'pn.number_type',
  'pn.capabilities',
] as const;

export class AssignmentRepository {
  /** Whether `listActiveJsonForOwner` is available (SQLite; see there why PostgreSQL does not use it). */
  readonly buildsConnectionJson: boolean;

  constructor(private readonly db: Db) {
    this.buildsConnectionJson = databaseKindOf(db) === 'sqlite';
  }

  /**
   * The hot read of GET /api/connections: every active assignment on one owner's active trunks, in
   * display order, in one query whatever the number of trunks. A join on owner_id rather than
   * `trunk_id in (…)` keeps it one statement without SQLite's bound-parameter limit.
   */
  listActiveForOwner(ownerId: string): Promise<ConnectionNumberRow[]> {
    return this.db
      .selectFrom('sip_trunks as t')
      .innerJoin('trunk_phone_numbers as tpn', 'tpn.trunk_id', 't.id')
      .innerJoin('phone_numbers as pn', 'pn.id', 'tpn.phone_number_id')
      .select(NUMBER_COLUMNS)
      .where('t.owner_id', '=', ownerId)
      .where('t.status', '=', 'active')
      .where('tpn.is_active', '=', 1)
      .orderBy('tpn.trunk_id')
      .orderBy(TYPE_ORDER)
      .orderBy('pn.number')
      .execute();
  }

  /**
   * The same rows as `listActiveForOwner`, built by SQLite into one JSON array per trunk, in display
   * order: the AssignedNumberDto[] of each trunk as text (SQLite only: json_group_array(… ORDER BY …)
   * needs SQLite 3.44). better-sqlite3 otherwise spends most of this request building 12,000 strings and
   * 1,000 row objects that are only serialised again; here the rows never become JS values (measured on
   * the benchmark's 1,000 numbers: ~3.7 ms CPU for the rows vs ~2 ms for the JSON, before the mapping and
   * JSON.stringify the rows would still need). Byte for byte what JSON.stringify of
   * `groupNumbersByTrunk(listActiveForOwner(…))` gives, `capabilities` included: a JSON array is
   * embedded as stored (the app writes it with JSON.stringify), anything else reads as [] like the mapper.
   */
  listActiveJsonForOwner(ownerId: string): Promise<ConnectionNumbersJsonRow[]> {
    return this.db
      .selectFrom('sip_trunks as t')
      .innerJoin('trunk_phone_numbers as tpn', 'tpn.trunk_id', 't.id')
      .innerJoin('phone_numbers as pn', 'pn.id', 'tpn.phone_number_id')
      .select([
        'tpn.trunk_id',
        sql<string>`json_group_array(json_object(
          'assignmentId', tpn.id,
          'phoneNumberId', tpn.phone_number_id,
          'number', pn.number,
          'assignmentType', tpn.assignment_type,
          'assignedAt', tpn.assigned_at,
          'country', pn.country,
          'city', pn.city,
          'region', pn.region,
          'numberType', pn.number_type,
          'capabilities', case when json_valid(pn.capabilities) and json_type(pn.capabilities) = 'array'
            then json(pn.capabilities) else json_array() end
        ) order by ${TYPE_ORDER}, pn.number)`.as('numbers'),
      ])
      .where('t.owner_id', '=', ownerId)
      .where('t.status', '=', 'active')
      .where('tpn.is_active', '=', 1)
      .groupBy('tpn.trunk_id')
      .execute();
  }

  /** Active assignments of one trunk, in display order. */
  listActiveForTrunk(trunkId: string): Promise<ConnectionNumberRow[]> {
    return this.db
      .selectFrom('trunk_phone_numbers as tpn')
      .innerJoin('phone_numbers as pn', 'pn.id', 'tpn.phone_number_id')
      .select(NUMBER_COLUMNS)
      .where('tpn.trunk_id', '=', trunkId)
      .where('tpn.is_active', '=', 1)
      .orderBy(TYPE_ORDER)
      .orderBy('pn.number')
      .execute();
  }

  private joined() {
    return this.db
      .selectFrom('trunk_phone_numbers as tpn')
      .innerJoin('phone_numbers as pn', 'pn.id', 'tpn.phone_number_id')
      .innerJoin('sip_trunks as t', 't.id', 'tpn.trunk_id');
  }

  private view() {
    return this.joined().selectAll('tpn').select(VIEW_EXTRA_COLUMNS);
  }

  findById(id: string): Promise<AssignmentView | undefined> {
    return this.view().where('tpn.id', '=', id).executeTakeFirst();
  }

  findByTrunkAndNumber(trunkId: string, phoneNumberId: string): Promise<AssignmentView | undefined> {
    return this.view()
      .where('tpn.trunk_id', '=', trunkId)
      .where('tpn.phone_number_id', '=', phoneNumberId)
      .executeTakeFirst();
  }

  /** The active assignment of a number, if any (at most one, by constraint). */
  findActiveForNumber(phoneNumberId: string): Promise<AssignmentView | undefined> {
    return this.view()
      .where('tpn.phone_number_id', '=', phoneNumberId)
      .where('tpn.is_active', '=', 1)
      .executeTakeFirst();
  }

  /** The active primary of a trunk, if any (at most one, by constraint). */
  findActivePrimary(trunkId: string): Promise<AssignmentView | undefined> {
    return this.view()
      .where('tpn.trunk_id', '=', trunkId)
      .where('tpn.is_active', '=', 1)
      .where('tpn.assignment_type', '=', 'primary')
      .executeTakeFirst();
  }

  list(filters: AssignmentFilters, page: PageRequest): Promise<PageResult<AssignmentView>> {
    let q = this.joined();
    if (filters.trunkId) q = q.where('tpn.trunk_id', '=', filters.trunkId);
    if (filters.phoneNumberId) q = q.where('tpn.phone_number_id', '=', filters.phoneNumberId);
    if (filters.ownerId) q = q.where('t.owner_id', '=', filters.ownerId);
    if (filters.assignmentType) q = q.where('tpn.assignment_type', '=', filters.assignmentType);
    if (filters.isActive !== undefined) q = q.where('tpn.is_active', '=', filters.isActive ? 1 : 0);
    const text = filters.q;
    if (text) {
      q = q.where((eb) =>
        eb.or([
          anyColumnContains(eb, ['pn.number'], text, { caseSensitive: true }),
          anyColumnContains(eb, ['t.name'], text),
        ]),
      );
    }
    return fetchPage(
      q,
      (f) => {
        const rows = f.selectAll('tpn').select(VIEW_EXTRA_COLUMNS);
        if (!filters.sort) {
          // By trunk, then primary, secondary, backup, then number: how the dialer lists them.
          return rows.orderBy('t.name').orderBy('tpn.trunk_id').orderBy(TYPE_ORDER).orderBy('pn.number');
        }
        return orderBySort(
          rows.select(TYPE_ORDER.as('type_order')),
          SORT_COLUMNS,
          filters.sort,
          filters.sort,
          'tpn.id',
        );
      },
      page,
    );
  }

  async insert(row: Insertable<TrunkPhoneNumbersTable>): Promise<void> {
    await writeOrExplain(CONSTRAINT_MESSAGES, () =>
      this.db.insertInto('trunk_phone_numbers').values(row).execute(),
    );
  }

  async update(id: string, patch: Updateable<TrunkPhoneNumbersTable>): Promise<boolean> {
    const r = await writeOrExplain(CONSTRAINT_MESSAGES, () =>
      this.db.updateTable('trunk_phone_numbers').set(patch).where('id', '=', id).executeTakeFirst(),
    );
    return Number(r.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('trunk_phone_numbers').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---- Bulk assignment (BulkAssignmentService): reads of the plan's state and set-based writes ----

  /** Every assignment (active or not) of these numbers, with the trunk's name. */
  async listForNumbers(phoneNumberIds: string[]): Promise<BulkAssignmentRow[]> {
    const out: BulkAssignmentRow[] = [];
    for (const part of chunked([...new Set(phoneNumberIds)])) {
      out.push(
        ...(await this.db
          .selectFrom('trunk_phone_numbers as tpn')
          .select(['tpn.id', 'tpn.trunk_id', 'tpn.phone_number_id', 'tpn.assignment_type', 'tpn.is_active'])
          .where('tpn.phone_number_id', 'in', part)
          .execute()),
      );
    }
    return out;
  }

  /** trunk id -> phone number id of its active primary, for every trunk that has one. */
  async activePrimaries(): Promise<Map<string, string>> {
    const rows = await this.db
      .selectFrom('trunk_phone_numbers')
      .select(['trunk_id', 'phone_number_id'])
      .where('is_active', '=', 1)
      .where('assignment_type', '=', 'primary')
      .execute();
    return new Map(rows.map((r) => [r.trunk_id, r.phone_number_id]));
  }

  /** Ends these assignments (kept as inactive rows: their history and last use stay). */
  async deactivateMany(ids: string[], at: string): Promise<void> {
    for (const part of chunked(ids)) {
      await this.db
        .updateTable('trunk_phone_numbers')
        .set({ is_active: 0, updated_at: at })
        .where('id', 'in', part)
        .execute();
    }
  }

  /** Sets the type of these assignments; `reactivate` also makes them active again, assigned now. */
  async setTypeMany(ids: string[], type: string, at: string, reactivate = false): Promise<void> {
    for (const part of chunked(ids)) {
      await writeOrExplain(CONSTRAINT_MESSAGES, () =>
        this.db
          .updateTable('trunk_phone_numbers')
          .set(
            reactivate
              ? { assignment_type: type, is_active: 1, assigned_at: at, updated_at: at }
              : { assignment_type: type, updated_at: at },
          )
          .where('id', 'in', part)
          .execute(),
      );
    }
  }

  /**
   * Inserts many assignments, 1,000 rows (10,000 bound values) per statement: well under SQLite's
   * 32,766 and PostgreSQL's 65,535, and ten statements for a 10,000-row import.
   */
  async insertMany(rows: Insertable<TrunkPhoneNumbersTable>[]): Promise<void> {
    for (const part of chunked(rows, 1000)) {
      await writeOrExplain(CONSTRAINT_MESSAGES, () =>
        this.db.insertInto('trunk_phone_numbers').values(part).execute(),
      );
    }
  }

  /** Records that a call used this assignment's number as caller ID. */
  async touchLastUsed(id: string, at: string): Promise<void> {
    await this.db.updateTable('trunk_phone_numbers').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}
