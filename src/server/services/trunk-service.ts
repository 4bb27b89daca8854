/**
 * Admin management of trunks. The SIP password is write-only: `password` on create stores it encrypted;
 * on update, omitted keeps the stored one and `null` removes it. Every write and its audit entry commit
 * together.
 */
import crypto from 'node:crypto';
import type { AdminTrunkDto } from '../../shared/admin-api.js';
import { NotFoundError } from '../../shared/errors.js';
import type { CreateTrunkRequest, UpdateTrunkRequest } from '../../shared/schemas/admin.js';
import { nowIso } from '../db/json.js';
import type { NewSipTrunkRow, SipTrunkUpdate, SipTrunksTable } from '../db/schema.js';
import type { CredentialCipher } from '../repositories/credential-cipher.js';
import type { Repositories, UnitOfWork } from '../repositories/index.js';
import type { TrunkFilters, TrunkView } from '../repositories/trunk-repository.js';
import { toAdminTrunkDto } from './admin-mappers.js';
import { AdminReads } from './admin-reads.js';
import {
  adminAudit,
  requireOwner,
  copySetFields,
  deleteAudited,
  refuseDeleteWithHistory,
  type ActorId,
} from './admin-rules.js';

export type { ActorId } from './admin-rules.js';

/** Request field -> column, for every plainly copied field. */
const COLUMNS = {
  name: 'name',
  provider: 'provider',
  connectionType: 'connection_type',
  telnyxConnectionId: 'telnyx_connection_id',
  telnyxCredentialId: 'telnyx_credential_id',
  sipUri: 'sip_uri',
  wsServer: 'ws_server',
  username: 'sip_username',
  displayName: 'display_name',
  region: 'region',
  location: 'location',
  channelLimit: 'channel_limit',
  notes: 'notes',
} as const satisfies Partial<Record<keyof CreateTrunkRequest, keyof SipTrunksTable>>;

export class TrunkService extends AdminReads<TrunkFilters, TrunkView, AdminTrunkDto> {
  constructor(
    repos: Pick<Repositories, 'trunks'>,
    private readonly transaction: UnitOfWork,
    private readonly cipher: CredentialCipher,
  ) {
    super(repos.trunks, 'Trunk', toAdminTrunkDto);
  }

  async create(
    input: CreateTrunkRequest,
    actorId: ActorId,
    options: { id?: string } = {},
  ): Promise<AdminTrunkDto> {
    return this.transaction.run(async ({ trunks, users, audit }) => {
      await requireOwner(users, input.ownerId);
      const now = nowIso();
      const status = input.status ?? 'active';
      const row: NewSipTrunkRow = {
        id: options.id ?? crypto.randomUUID(),
        owner_id: input.ownerId,
        name: input.name,
        provider: input.provider,
        connection_type: input.connectionType ?? 'credential',
        status,
        telnyx_connection_id: input.telnyxConnectionId ?? null,
        telnyx_credential_id: input.telnyxCredentialId ?? null,
        sip_uri: input.sipUri ?? null,
        ws_server: input.wsServer ?? null,
        sip_username: input.username ?? null,
        sip_password_enc: input.password ? this.cipher.encrypt(input.password) : null,
        display_name: input.displayName ?? null,
        settings: JSON.stringify(input.settings ?? {}),
        region: input.region ?? null,
        location: input.location ?? null,
        channel_limit: input.channelLimit ?? null,
        emergency_calls: input.emergencyCalls ? 1 : 0,
        notes: input.notes ?? null,
        // Health details, Telnyx state and "missing at Telnyx" start empty (the columns' null default).
        health_status: 'unknown',
        activated_at: status === 'active' ? now : null,
        created_at: now,
        updated_at: now,
      };
      await trunks.insert(row);
      await audit.record(
        adminAudit(actorId, 'trunk', 'create', row.id, {
          name: row.name,
          provider: row.provider,
          ownerId: row.owner_id,
          passwordStored: !!input.password,
        }),
      );
      return toAdminTrunkDto((await trunks.findById(row.id))!);
    });
  }

  async update(id: string, input: UpdateTrunkRequest, actorId: ActorId): Promise<AdminTrunkDto> {
    return this.transaction.run(async ({ trunks, users, audit }) => {
      const current = await trunks.findById(id);
      if (!current) throw new NotFoundError('Trunk');
      const patch: SipTrunkUpdate = {};
      const changed: string[] = [];
      copySetFields(input, COLUMNS, patch, changed);
      if (input.ownerId !== undefined && input.ownerId !== current.owner_id) {
        await requireOwner(users, input.ownerId);
        patch.owner_id = input.ownerId;
        changed.push('ownerId');
      }
      if (input.emergencyCalls !== undefined) {
        patch.emergency_calls = input.emergencyCalls ? 1 : 0;
        changed.push('emergencyCalls');
      }
      if (input.settings !== undefined) {
        patch.settings = JSON.stringify(input.settings);
        changed.push('settings');
      }
      if (input.status !== undefined) {
        patch.status = input.status;
        if (input.status === 'active' && !current.activated_at) patch.activated_at = nowIso();
        changed.push('status');
      }
      // Write-only password: undefined keeps the stored one, null removes it.
      if (input.password !== undefined) {
        patch.sip_password_enc = input.password === null ? null : this.cipher.encrypt(input.password);
        changed.push(input.password === null ? 'password (removed)' : 'password');
      }
      if (changed.length > 0) {
        patch.updated_at = nowIso();
        await trunks.update(id, patch);
        await audit.record(adminAudit(actorId, 'trunk', 'update', id, { name: current.name, changed }));
      }
      return toAdminTrunkDto((await trunks.findById(id))!);
    });
  }

  delete(id: string, actorId: ActorId): Promise<void> {
    return deleteAudited(
      this.transaction,
      id,
      'Trunk',
      (r) => r.trunks,
      {
        actorId,
        action: 'trunk.delete',
        entityType: 'trunk',
        details: (t) => ({ name: t.name, ownerId: t.owner_id }),
      },
      (t, repos) =>
        refuseDeleteWithHistory(
          repos,
          'trunk_id',
          t.id,
          `The connection “${t.name}”`,
          'set its status to inactive instead (agents no longer see it, its calls keep it)',
        ),
    );
  }
}
