/**
 * trunk_phone_numbers: which number is assigned to which trunk, as primary, secondary or backup.
 * The database enforces "a number is actively assigned to at most one trunk" and "at most one active
 * primary per trunk" (partial unique indexes, migration 0001); violations become 409s here.
 */
import { sql, type Insertable, type Updateable } from 'kysely';
import { databaseKindOf, type Db } from '../db/database.js';
import type { AssignmentRow, TrunkPhoneNumbersTable } from '../db/schema.js';
import { writeOrExplain, type ConstraintMessages } from './db-errors.js';
import { fetchPage, type PageRequest, type PageResult } from './query-helpers.js';

/** One actively assigned number, as the connections list shows it. */
export interface ConnectionNumberRow {
  assignment_id: string;
  trunk_id: string;
  phone_number_id: string;
  assignment_type: string;
  assigned_at: string;
  last_used_at: string | null;
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
  'tpn.last_used_at',
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
          'lastUsedAt', tpn.last_used_at,
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
    return fetchPage(
      q,
      (f) =>
        f
          .selectAll('tpn')
          .select(VIEW_EXTRA_COLUMNS)
          .orderBy('t.name')
          .orderBy('tpn.trunk_id')
          .orderBy(TYPE_ORDER)
          .orderBy('pn.number'),
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

  /** Records that a call used this assignment's number as caller ID. */
  async touchLastUsed(id: string, at: string): Promise<void> {
    await this.db.updateTable('trunk_phone_numbers').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}
