/**
 * sip_trunks: the team's SIP connections. The encrypted password column is only ever read by the
 * `findSecret*` methods (registration, the CLI's diagnosis, the demo seed); every other read selects
 * `has_password` instead, so the envelope does not travel through lists, mappers or logs.
 */
import { sql, type Insertable, type Updateable } from 'kysely';
import type { Db } from '../db/database.js';
import type { SipTrunkRow, SipTrunksTable } from '../db/schema.js';
import { deleteOrExplain, writeOrExplain, type ConstraintMessages } from './db-errors.js';
import type { TrunkSortField } from '../../shared/schemas/admin.js';
import {
  anyColumnContains,
  fetchPage,
  orderBySort,
  type PageRequest,
  type PageResult,
  type SortColumn,
  type SortRequest,
} from './query-helpers.js';

/** A trunk as every reader except registration sees it: no password envelope, a 0/1 flag instead. */
export type TrunkView = Omit<SipTrunkRow, 'sip_password_enc' | 'telnyx_active' | 'telnyx_seen_run_id'> & {
  has_password: number;
};

export interface TrunkFilters {
  ownerId?: string;
  status?: string;
  provider?: string;
  connectionType?: string;
  health?: string;
  region?: string;
  location?: string;
  /** Channel limit range, inclusive (a trunk without a limit matches no range). */
  capacityMin?: number;
  capacityMax?: number;
  /** Case-insensitive match on name, display name, SIP URI, user name, region or location. */
  q?: string;
  sort?: SortRequest<TrunkSortField>;
}

const SORT_COLUMNS: Record<TrunkSortField, SortColumn> = {
  name: { column: 'name' },
  provider: { column: 'provider' },
  connectionType: { column: 'connection_type' },
  status: { column: 'status' },
  health: { column: 'health_status' },
  region: { column: 'region', nullable: true },
  location: { column: 'location', nullable: true },
  channelLimit: { column: 'channel_limit', nullable: true },
  createdAt: { column: 'created_at' },
  updatedAt: { column: 'updated_at' },
};

const TEXT_COLUMNS = ['name', 'display_name', 'sip_uri', 'sip_username', 'region', 'location'];

const VIEW_COLUMNS = [
  'id',
  'owner_id',
  'name',
  'provider',
  'connection_type',
  'status',
  'telnyx_connection_id',
  'telnyx_credential_id',
  'sip_uri',
  'ws_server',
  'sip_username',
  'display_name',
  'settings',
  'region',
  'location',
  'channel_limit',
  'emergency_calls',
  'notes',
  'health_status',
  'health_checked_at',
  'health_latency_ms',
  'health_message',
  'missing_at_telnyx_at',
  'activated_at',
  'created_at',
  'updated_at',
] as const;

const hasPassword = sql<number>`case when sip_password_enc is null then 0 else 1 end`.as('has_password');

const CONSTRAINT_MESSAGES: ConstraintMessages = {
  unique: [
    [['telnyx_connection_id'], 'Another trunk already uses this Telnyx connection id.'],
    [['id'], 'A trunk with this id already exists.'],
  ],
  foreignKey: 'ownerId: no user with this id exists.',
};

export class TrunkRepository {
  constructor(private readonly db: Db) {}

  findById(id: string): Promise<TrunkView | undefined> {
    return this.db
      .selectFrom('sip_trunks')
      .select(VIEW_COLUMNS)
      .select(hasPassword)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** The trunk only when `ownerId` owns it (so another user's id reads as unknown). */
  findForOwner(ownerId: string, id: string, status?: string): Promise<TrunkView | undefined> {
    let q = this.db
      .selectFrom('sip_trunks')
      .select(VIEW_COLUMNS)
      .select(hasPassword)
      .where('id', '=', id)
      .where('owner_id', '=', ownerId);
    if (status) q = q.where('status', '=', status);
    return q.executeTakeFirst();
  }

  /** The owner's trunk of that name, with the password envelope (the demo seed compares passwords). */
  findSecretByOwnerAndName(ownerId: string, name: string): Promise<SipTrunkRow | undefined> {
    return this.db
      .selectFrom('sip_trunks')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .where('name', '=', name)
      .executeTakeFirst();
  }

  /** The full row including the password envelope: for registration only. */
  findSecret(id: string): Promise<SipTrunkRow | undefined> {
    return this.db.selectFrom('sip_trunks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * The hot read of GET /api/connections: one owner's active trunks by name, served by the
   * sip_trunks(owner_id, status, name) index.
   */
  listActiveForOwner(ownerId: string): Promise<TrunkView[]> {
    return this.db
      .selectFrom('sip_trunks')
      .select(VIEW_COLUMNS)
      .select(hasPassword)
      .where('owner_id', '=', ownerId)
      .where('status', '=', 'active')
      .orderBy('name')
      .orderBy('id')
      .execute();
  }

  list(filters: TrunkFilters, page: PageRequest): Promise<PageResult<TrunkView>> {
    let q = this.db.selectFrom('sip_trunks');
    if (filters.ownerId) q = q.where('owner_id', '=', filters.ownerId);
    if (filters.status) q = q.where('status', '=', filters.status);
    if (filters.provider) q = q.where('provider', '=', filters.provider);
    if (filters.connectionType) q = q.where('connection_type', '=', filters.connectionType);
    if (filters.health) q = q.where('health_status', '=', filters.health);
    if (filters.region) q = q.where('region', '=', filters.region);
    if (filters.location) q = q.where('location', '=', filters.location);
    if (filters.capacityMin !== undefined) q = q.where('channel_limit', '>=', filters.capacityMin);
    if (filters.capacityMax !== undefined) q = q.where('channel_limit', '<=', filters.capacityMax);
    const text = filters.q;
    if (text) q = q.where((eb) => anyColumnContains(eb, TEXT_COLUMNS, text));
    return fetchPage(
      q,
      (f) =>
        orderBySort(
          f.select(VIEW_COLUMNS).select(hasPassword),
          SORT_COLUMNS,
          filters.sort,
          { field: 'name', direction: 'asc' },
          'id',
        ),
      page,
    );
  }

  async insert(row: Insertable<SipTrunksTable>): Promise<void> {
    await writeOrExplain(CONSTRAINT_MESSAGES, () => this.db.insertInto('sip_trunks').values(row).execute());
  }

  async update(id: string, patch: Updateable<SipTrunksTable>): Promise<boolean> {
    const r = await writeOrExplain(CONSTRAINT_MESSAGES, () =>
      this.db.updateTable('sip_trunks').set(patch).where('id', '=', id).executeTakeFirst(),
    );
    return Number(r.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<boolean> {
    const r = await deleteOrExplain('This connection', () =>
      this.db.deleteFrom('sip_trunks').where('id', '=', id).executeTakeFirst(),
    );
    return Number(r.numDeletedRows) > 0;
  }

  /** Distinct values for the filter dropdowns, sorted, at most `limit` each (one more tells "truncated"). */
  async facets(limit: number): Promise<{
    providers: string[];
    connectionTypes: string[];
    regions: string[];
    locations: string[];
    owners: { id: string; email: string; name: string }[];
    capacity: { min: number | null; max: number | null };
  }> {
    const distinct = async (column: 'provider' | 'connection_type' | 'region' | 'location') => {
      const rows = await this.db
        .selectFrom('sip_trunks')
        .select(column)
        .distinct()
        .where(column, 'is not', null)
        .orderBy(column)
        .limit(limit)
        .execute();
      return rows.map((r) => String(r[column]));
    };
    const [providers, connectionTypes, regions, locations, owners, capacity] = await Promise.all([
      distinct('provider'),
      distinct('connection_type'),
      distinct('region'),
      distinct('location'),
      this.db
        .selectFrom('users as u')
        .select(['u.id', 'u.email', 'u.name'])
        .where('u.id', 'in', (eb) => eb.selectFrom('sip_trunks').select('owner_id'))
        .orderBy('u.email')
        .limit(limit)
        .execute(),
      this.db
        .selectFrom('sip_trunks')
        .select((eb) => [eb.fn.min('channel_limit').as('min'), eb.fn.max('channel_limit').as('max')])
        .executeTakeFirstOrThrow(),
    ]);
    const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    return {
      providers,
      connectionTypes,
      regions,
      locations,
      owners,
      capacity: { min: num(capacity.min), max: num(capacity.max) },
    };
  }

  /** Active and inactive assignments, a few active numbers and the calls of one trunk (before deleting it). */
  async impact(
    id: string,
    sample: number,
  ): Promise<{
    active: number;
    inactive: number;
    sampleNumbers: string[];
    calls: number;
  }> {
    const [counts, numbers, calls] = await Promise.all([
      this.db
        .selectFrom('trunk_phone_numbers')
        .select(['is_active', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('trunk_id', '=', id)
        .groupBy('is_active')
        .execute(),
      this.db
        .selectFrom('trunk_phone_numbers as tpn')
        .innerJoin('phone_numbers as pn', 'pn.id', 'tpn.phone_number_id')
        .select('pn.number')
        .where('tpn.trunk_id', '=', id)
        .where('tpn.is_active', '=', 1)
        .orderBy(sql`case tpn.assignment_type when 'primary' then 0 when 'secondary' then 1 else 2 end`)
        .orderBy('pn.number')
        .limit(sample)
        .execute(),
      this.db
        .selectFrom('calls')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('trunk_id', '=', id)
        .executeTakeFirstOrThrow(),
    ]);
    const count = (active: number) => Number(counts.find((c) => Number(c.is_active) === active)?.n ?? 0);
    return {
      active: count(1),
      inactive: count(0),
      sampleNumbers: numbers.map((n) => n.number),
      calls: Number(calls.n),
    };
  }

  /** Id and name of every trunk (the CSV import resolves connections by name or id). */
  listNames(): Promise<{ id: string; name: string }[]> {
    return this.db.selectFrom('sip_trunks').select(['id', 'name']).orderBy('name').orderBy('id').execute();
  }

  async countForOwner(ownerId: string): Promise<number> {
    const r = await this.db
      .selectFrom('sip_trunks')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('owner_id', '=', ownerId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
