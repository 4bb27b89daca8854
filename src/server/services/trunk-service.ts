/**
 * Admin management of trunks. The SIP password is write-only: `password` on create stores it encrypted;
 * on update, omitted keeps the stored one and `null` removes it. Every write and its audit entry commit
 * together.
 */
import crypto from 'node:crypto';
import type { Updateable } from 'kysely';
import type { Page } from '../../shared/api.js';
import type { AdminTrunkDto } from '../../shared/admin-api.js';
import { NotFoundError } from '../../shared/errors.js';
import type { CreateTrunkRequest, UpdateTrunkRequest } from '../../shared/schemas/admin.js';
import { nowIso } from '../db/json.js';
import type { SipTrunkRow, SipTrunksTable } from '../db/schema.js';
import type { CredentialCipher } from '../repositories/credential-cipher.js';
import type { Repositories, UnitOfWork } from '../repositories/index.js';
import type { TrunkFilters } from '../repositories/trunk-repository.js';
import { pageRequest, toAdminTrunkDto, toPage, type PageQuery } from './admin-mappers.js';
import { requireOwner, type ActorId } from './admin-rules.js';

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

export class TrunkService {
  constructor(
    private readonly repos: Pick<Repositories, 'trunks'>,
    private readonly transaction: UnitOfWork,
    private readonly cipher: CredentialCipher,
  ) {}

  async list(filters: TrunkFilters, page: PageQuery = {}): Promise<Page<AdminTrunkDto>> {
    const p = pageRequest(page);
    return toPage(await this.repos.trunks.list(filters, p), p, toAdminTrunkDto);
  }

  async get(id: string): Promise<AdminTrunkDto> {
    const t = await this.repos.trunks.findById(id);
    if (!t) throw new NotFoundError('Trunk');
    return toAdminTrunkDto(t);
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
      const row: SipTrunkRow = {
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
        notes: input.notes ?? null,
        health_status: 'unknown',
        health_checked_at: null,
        health_latency_ms: null,
        health_message: null,
        missing_at_telnyx_at: null,
        activated_at: status === 'active' ? now : null,
        created_at: now,
        updated_at: now,
        telnyx_active: null,
        telnyx_seen_run_id: null,
      };
      await trunks.insert(row);
      await audit.record({
        actorId,
        action: 'trunk.create',
        entityType: 'trunk',
        entityId: row.id,
        details: {
          name: row.name,
          provider: row.provider,
          ownerId: row.owner_id,
          passwordStored: !!input.password,
        },
      });
      return toAdminTrunkDto((await trunks.findById(row.id))!);
    });
  }

  async update(id: string, input: UpdateTrunkRequest, actorId: ActorId): Promise<AdminTrunkDto> {
    return this.transaction.run(async ({ trunks, users, audit }) => {
      const current = await trunks.findById(id);
      if (!current) throw new NotFoundError('Trunk');
      const patch: Updateable<SipTrunksTable> = {};
      const changed: string[] = [];
      for (const [field, column] of Object.entries(COLUMNS) as [
        keyof typeof COLUMNS,
        (typeof COLUMNS)[keyof typeof COLUMNS],
      ][]) {
        const value = input[field];
        if (value !== undefined) {
          (patch as Record<string, unknown>)[column] = value;
          changed.push(field);
        }
      }
      if (input.ownerId !== undefined && input.ownerId !== current.owner_id) {
        await requireOwner(users, input.ownerId);
        patch.owner_id = input.ownerId;
        changed.push('ownerId');
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
        await audit.record({
          actorId,
          action: 'trunk.update',
          entityType: 'trunk',
          entityId: id,
          details: { name: current.name, changed },
        });
      }
      return toAdminTrunkDto((await trunks.findById(id))!);
    });
  }

  async delete(id: string, actorId: ActorId): Promise<void> {
    await this.transaction.run(async ({ trunks, audit }) => {
      const current = await trunks.findById(id);
      if (!current) throw new NotFoundError('Trunk');
      await trunks.delete(id);
      await audit.record({
        actorId,
        action: 'trunk.delete',
        entityType: 'trunk',
        entityId: id,
        details: { name: current.name, ownerId: current.owner_id },
      });
    });
  }
}
