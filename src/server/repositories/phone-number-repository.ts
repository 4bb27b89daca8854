/** phone_numbers: the team's numbers, stored in E.164 (unique). */
import { sql, type Updateable } from 'kysely';
import type { Db } from '../db/database.js';
import type { PhoneNumberRow, PhoneNumbersTable } from '../db/schema.js';
import { translateConstraintError } from './db-errors.js';
import type { PageRequest } from './trunk-repository.js';

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

const UNIQUE_MESSAGES: [string[], string][] = [
  [['number'], 'This phone number already exists.'],
  [['telnyx_number_id'], 'Another phone number already uses this Telnyx number id.'],
  [['id'], 'A phone number with this id already exists.'],
];

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
      .select([
        't.id as active_trunk_id',
        't.name as active_trunk_name',
        'tpn.assignment_type as active_assignment_type',
      ])
      .where('pn.id', '=', id)
      .executeTakeFirst();
  }

  findByNumber(e164: string): Promise<PhoneNumberRow | undefined> {
    return this.db.selectFrom('phone_numbers').selectAll().where('number', '=', e164).executeTakeFirst();
  }

  async list(
    filters: PhoneNumberFilters,
    page: PageRequest,
  ): Promise<{ rows: PhoneNumberView[]; total: number }> {
    let q = this.view();
    if (filters.ownerId) q = q.where('pn.owner_id', '=', filters.ownerId);
    if (filters.status) q = q.where('pn.status', '=', filters.status);
    if (filters.numberType) q = q.where('pn.number_type', '=', filters.numberType);
    if (filters.country) q = q.where('pn.country', '=', filters.country);
    if (filters.assigned !== undefined) q = q.where('tpn.id', filters.assigned ? 'is not' : 'is', null);
    if (filters.q) {
      const like = `%${filters.q.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      q = q.where((eb) =>
        eb.or(
          (['pn.number', 'pn.city', 'pn.region'] as const).map((c) =>
            eb(sql`lower(${sql.ref(c)})`, 'like', sql`${like} escape '\\'`),
          ),
        ),
      );
    }
    const [rows, count] = await Promise.all([
      q
        .selectAll('pn')
        .select([
          't.id as active_trunk_id',
          't.name as active_trunk_name',
          'tpn.assignment_type as active_assignment_type',
        ])
        .orderBy('pn.number')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(count.n) };
  }

  async insert(row: PhoneNumberRow): Promise<void> {
    try {
      await this.db.insertInto('phone_numbers').values(row).execute();
    } catch (err) {
      translateConstraintError(err, {
        unique: UNIQUE_MESSAGES,
        foreignKey: 'ownerId: no user with this id exists.',
      });
    }
  }

  async update(id: string, patch: Updateable<PhoneNumbersTable>): Promise<boolean> {
    try {
      const r = await this.db.updateTable('phone_numbers').set(patch).where('id', '=', id).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    } catch (err) {
      translateConstraintError(err, {
        unique: UNIQUE_MESSAGES,
        foreignKey: 'ownerId: no user with this id exists.',
      });
    }
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('phone_numbers').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
