/** phone_numbers: the team's numbers, stored in E.164 (unique). */
import type { Insertable, Updateable } from 'kysely';
import type { Db } from '../db/database.js';
import type { PhoneNumberRow, PhoneNumbersTable } from '../db/schema.js';
import { writeOrExplain, type ConstraintMessages } from './db-errors.js';
import { anyColumnContains, chunked, fetchPage, type PageRequest, type PageResult } from './query-helpers.js';

export interface PhoneNumberFilters {
  ownerId?: string;
  status?: string;
  numberType?: string;
  country?: string;
  /** Digits or text matched against the number, city and region. */
  q?: string;
  /** true: only numbers actively assigned to a trunk; false: only unassigned ones. */
  assigned?: boolean;
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

  list(filters: PhoneNumberFilters, page: PageRequest): Promise<PageResult<PhoneNumberView>> {
    let q = this.view();
    if (filters.ownerId) q = q.where('pn.owner_id', '=', filters.ownerId);
    if (filters.status) q = q.where('pn.status', '=', filters.status);
    if (filters.numberType) q = q.where('pn.number_type', '=', filters.numberType);
    if (filters.country) q = q.where('pn.country', '=', filters.country);
    if (filters.assigned !== undefined) q = q.where('tpn.id', filters.assigned ? 'is not' : 'is', null);
    const text = filters.q;
    if (text) q = q.where((eb) => anyColumnContains(eb, ['pn.number', 'pn.city', 'pn.region'], text));
    return fetchPage(q, (f) => f.selectAll('pn').select(ACTIVE_TRUNK_COLUMNS).orderBy('pn.number'), page);
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
    const r = await this.db.deleteFrom('phone_numbers').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
