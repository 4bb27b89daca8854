/**
 * sip_trunks: the team's SIP connections. The encrypted password column is only ever read by the
 * `findSecret*` methods (registration, the CLI's diagnosis, the demo seed); every other read selects
 * `has_password` instead, so the envelope does not travel through lists, mappers or logs.
 */
import { sql, type Insertable, type Updateable } from 'kysely';
import type { Db } from '../db/database.js';
import type { SipTrunkRow, SipTrunksTable } from '../db/schema.js';
import { writeOrExplain, type ConstraintMessages } from './db-errors.js';
import { anyColumnContains, fetchPage, type PageRequest, type PageResult } from './query-helpers.js';

/** A trunk as every reader except registration sees it: no password envelope, a 0/1 flag instead. */
export type TrunkView = Omit<SipTrunkRow, 'sip_password_enc' | 'telnyx_active' | 'telnyx_seen_run_id'> & {
  has_password: number;
};

export interface TrunkFilters {
  ownerId?: string;
  status?: string;
  provider?: string;
  connectionType?: string;
  /** Case-insensitive match on name, SIP URI or user name. */
  q?: string;
}

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
    const text = filters.q;
    if (text) q = q.where((eb) => anyColumnContains(eb, ['name', 'sip_uri', 'sip_username'], text));
    return fetchPage(
      q,
      (f) => f.select(VIEW_COLUMNS).select(hasPassword).orderBy('name').orderBy('id'),
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
    const r = await this.db.deleteFrom('sip_trunks').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
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
