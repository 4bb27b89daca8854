/** Rows -> admin DTOs. Password envelopes never reach these (repositories select `has_password`). */
import type { Page } from '../../shared/api.js';
import type { AdminAssignmentDto, AdminPhoneNumberDto, AdminTrunkDto } from '../../shared/admin-api.js';
import type { AssignmentType, NumberStatus, NumberType } from '../../shared/domain.js';
import { parseJson } from '../db/json.js';
import type { AssignmentView } from '../repositories/assignment-repository.js';
import type { PhoneNumberView } from '../repositories/phone-number-repository.js';
import type { PageRequest } from '../repositories/query-helpers.js';
import type { TrunkView } from '../repositories/trunk-repository.js';
import { toConnectionDto } from './connection-mapper.js';

export function toAdminTrunkDto(t: TrunkView): AdminTrunkDto {
  // What the dialer shows of a trunk, plus what only an admin sees.
  const { numbers: _numbers, ...connection } = toConnectionDto(t, []);
  return {
    ...connection,
    ownerId: t.owner_id,
    telnyxCredentialId: t.telnyx_credential_id,
    hasPassword: Number(t.has_password) === 1,
    displayName: t.display_name,
    missingAtTelnyxAt: t.missing_at_telnyx_at,
    createdAt: t.created_at,
    updatedAt: t.updated_at,
  };
}

export function toAdminPhoneNumberDto(n: PhoneNumberView): AdminPhoneNumberDto {
  const caps = parseJson<unknown>(n.capabilities, []);
  const meta = parseJson<unknown>(n.metadata, {});
  return {
    id: n.id,
    ownerId: n.owner_id,
    number: n.number,
    country: n.country,
    areaCode: n.area_code,
    city: n.city,
    region: n.region,
    carrier: n.carrier,
    numberType: n.number_type as NumberType,
    status: n.status as NumberStatus,
    capabilities: Array.isArray(caps) ? (caps as string[]) : [],
    telnyxNumberId: n.telnyx_number_id,
    monthlyRate: n.monthly_rate === null ? null : Number(n.monthly_rate),
    purchasedAt: n.purchased_at,
    metadata:
      meta && typeof meta === 'object' && !Array.isArray(meta) ? (meta as Record<string, unknown>) : {},
    missingAtTelnyxAt: n.missing_at_telnyx_at,
    activeAssignment:
      n.active_trunk_id && n.active_trunk_name
        ? {
            trunkId: n.active_trunk_id,
            trunkName: n.active_trunk_name,
            assignmentType: n.active_assignment_type as AssignmentType,
          }
        : null,
    createdAt: n.created_at,
    updatedAt: n.updated_at,
  };
}

export function toAdminAssignmentDto(a: AssignmentView): AdminAssignmentDto {
  const settings = parseJson<unknown>(a.settings, {});
  return {
    id: a.id,
    trunkId: a.trunk_id,
    trunkName: a.trunk_name,
    ownerId: a.owner_id,
    phoneNumberId: a.phone_number_id,
    number: a.number,
    assignmentType: a.assignment_type as AssignmentType,
    isActive: Number(a.is_active) === 1,
    assignedAt: a.assigned_at,
    lastUsedAt: a.last_used_at,
    settings:
      settings && typeof settings === 'object' && !Array.isArray(settings)
        ? (settings as Record<string, unknown>)
        : {},
    createdAt: a.created_at,
    updatedAt: a.updated_at,
  };
}

export interface PageQuery {
  page?: number;
  pageSize?: number;
}

export function pageRequest(q: PageQuery): PageRequest & { page: number; pageSize: number } {
  const page = Math.max(1, Math.floor(q.page ?? 1));
  const pageSize = Math.min(500, Math.max(1, Math.floor(q.pageSize ?? 50)));
  return { page, pageSize, limit: pageSize, offset: (page - 1) * pageSize };
}

export function toPage<R, T>(
  result: { rows: R[]; total: number },
  p: { page: number; pageSize: number },
  map: (r: R) => T,
): Page<T> {
  return { items: result.rows.map(map), total: result.total, page: p.page, pageSize: p.pageSize };
}
