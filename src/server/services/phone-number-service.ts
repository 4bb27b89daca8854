/**
 * Admin management of phone numbers. Numbers are normalised to E.164 with the shared parser
 * (src/shared/phone-number.ts) and the configured default country, so "(312) 555-0100" and
 * "+1 312 555 0100" are the same number and a duplicate is a clear 409.
 */
import crypto from 'node:crypto';
import type { AdminPhoneNumberDto } from '../../shared/admin-api.js';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { parsePhoneNumber } from '../../shared/phone-number.js';
import type { CreatePhoneNumberRequest, UpdatePhoneNumberRequest } from '../../shared/schemas/admin.js';
import { nowIso } from '../db/json.js';
import type { NewPhoneNumberRow, PhoneNumberUpdate, PhoneNumbersTable } from '../db/schema.js';
import type { Repositories, UnitOfWork } from '../repositories/index.js';
import type { PhoneNumberFilters, PhoneNumberView } from '../repositories/phone-number-repository.js';
import { toAdminPhoneNumberDto } from './admin-mappers.js';
import { AdminReads } from './admin-reads.js';
import {
  adminAudit,
  requireOwner,
  copySetFields,
  deleteAudited,
  refuseDeleteWithHistory,
  type ActorId,
} from './admin-rules.js';

export class PhoneNumberService extends AdminReads<PhoneNumberFilters, PhoneNumberView, AdminPhoneNumberDto> {
  constructor(
    repos: Pick<Repositories, 'phoneNumbers'>,
    private readonly transaction: UnitOfWork,
    private readonly defaultCountry: string,
  ) {
    super(repos.phoneNumbers, 'Phone number', toAdminPhoneNumberDto);
  }

  /** E.164 of `input` or a 400 naming the field. */
  normalize(
    input: string,
    field = 'number',
  ): { e164: string; country: string | null; areaCode: string | null; numberType: string } {
    const parsed = parsePhoneNumber(input, this.defaultCountry);
    if (!parsed.ok) throw new ValidationError(`${field}: ${parsed.message}`, { field });
    return parsed;
  }

  async create(
    input: CreatePhoneNumberRequest,
    actorId: ActorId,
    options: { id?: string } = {},
  ): Promise<AdminPhoneNumberDto> {
    const parsed = this.normalize(input.number);
    return this.transaction.run(async ({ phoneNumbers: numbers, users, audit }) => {
      if (await numbers.findByNumber(parsed.e164)) throw new ConflictError(`${parsed.e164} already exists.`);
      if (input.ownerId) await requireOwner(users, input.ownerId);
      const now = nowIso();
      const row: NewPhoneNumberRow = {
        id: options.id ?? crypto.randomUUID(),
        owner_id: input.ownerId ?? null,
        number: parsed.e164,
        country: input.country ?? parsed.country,
        area_code: parsed.areaCode,
        city: input.city ?? null,
        region: input.region ?? null,
        carrier: input.carrier ?? null,
        number_type: input.numberType ?? parsed.numberType,
        status: input.status ?? 'active',
        capabilities: JSON.stringify(input.capabilities ?? ['voice']),
        telnyx_number_id: input.telnyxNumberId ?? null,
        monthly_rate: input.monthlyRate ?? null,
        purchased_at: input.purchasedAt ?? null,
        metadata: JSON.stringify(input.metadata ?? {}),
        created_at: now,
        updated_at: now,
      };
      await numbers.insert(row);
      await audit.record(adminAudit(actorId, 'phone_number', 'create', row.id, { number: row.number }));
      return toAdminPhoneNumberDto((await numbers.findById(row.id))!);
    });
  }

  async update(id: string, input: UpdatePhoneNumberRequest, actorId: ActorId): Promise<AdminPhoneNumberDto> {
    const parsed = input.number !== undefined ? this.normalize(input.number) : null;
    return this.transaction.run(async ({ phoneNumbers: numbers, users, audit }) => {
      const current = await numbers.findById(id);
      if (!current) throw new NotFoundError('Phone number');
      const patch: PhoneNumberUpdate = {};
      const changed: string[] = [];
      if (parsed && parsed.e164 !== current.number) {
        const other = await numbers.findByNumber(parsed.e164);
        if (other && other.id !== id) throw new ConflictError(`${parsed.e164} already exists.`);
        patch.number = parsed.e164;
        patch.area_code = parsed.areaCode;
        if (input.country === undefined) patch.country = parsed.country;
        changed.push('number');
      }
      copySetFields(input, COLUMNS, patch, changed);
      if (input.country !== undefined) {
        patch.country = input.country;
        changed.push('country');
      }
      if (input.ownerId !== undefined) {
        if (input.ownerId) await requireOwner(users, input.ownerId);
        patch.owner_id = input.ownerId;
        changed.push('ownerId');
      }
      if (input.capabilities !== undefined) {
        patch.capabilities = JSON.stringify(input.capabilities);
        changed.push('capabilities');
      }
      if (input.metadata !== undefined) {
        patch.metadata = JSON.stringify(input.metadata);
        changed.push('metadata');
      }
      if (changed.length > 0) {
        patch.updated_at = nowIso();
        await numbers.update(id, patch);
        await audit.record(
          adminAudit(actorId, 'phone_number', 'update', id, {
            number: patch.number ?? current.number,
            changed,
          }),
        );
      }
      return toAdminPhoneNumberDto((await numbers.findById(id))!);
    });
  }

  /**
   * Deletes the number and (by cascade) its assignments; the audit entry says which trunk lost it. A number
   * that calls used as caller ID is kept for the history: 409, release or deactivate it instead.
   */
  delete(id: string, actorId: ActorId): Promise<void> {
    return deleteAudited(
      this.transaction,
      id,
      'Phone number',
      (r) => r.phoneNumbers,
      {
        actorId,
        action: 'phone_number.delete',
        entityType: 'phone_number',
        details: (n) => ({ number: n.number, activeTrunkId: n.active_trunk_id }),
      },
      (n, repos) =>
        refuseDeleteWithHistory(
          repos,
          'phone_number_id',
          n.id,
          n.number,
          'set its status to released or inactive instead',
        ),
    );
  }
}

/** Request field -> column, for every plainly copied field (read by update, after module load). */
const COLUMNS = {
  city: 'city',
  region: 'region',
  carrier: 'carrier',
  numberType: 'number_type',
  status: 'status',
  telnyxNumberId: 'telnyx_number_id',
  monthlyRate: 'monthly_rate',
  purchasedAt: 'purchased_at',
} as const satisfies Partial<Record<keyof CreatePhoneNumberRequest, keyof PhoneNumbersTable>>;
