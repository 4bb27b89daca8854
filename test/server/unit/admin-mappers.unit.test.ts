/**
 * Rows -> the admin API's DTOs (admin-mappers.ts, user-mapper.ts) and the read half every admin service
 * shares (admin-reads.ts), on plain rows: every field lands where the console reads it, the password is
 * only ever "there or not", bad JSON degrades to empty values, page numbers are clamped, and a missing row
 * is a 404 naming what was asked for.
 */
import { describe, expect, it } from 'vitest';
import type { AssignmentView } from '../../../src/server/repositories/assignment-repository.js';
import type { PhoneNumberView } from '../../../src/server/repositories/phone-number-repository.js';
import type { PageRequest } from '../../../src/server/repositories/query-helpers.js';
import type { TrunkView } from '../../../src/server/repositories/trunk-repository.js';
import {
  pageRequest,
  toAdminAssignmentDto,
  toAdminPhoneNumberDto,
  toAdminTrunkDto,
  toPage,
} from '../../../src/server/services/admin-mappers.js';
import { AdminReads, type ReadableRepository } from '../../../src/server/services/admin-reads.js';
import { toUserDto } from '../../../src/server/services/user-mapper.js';
import { ErrorCode } from '../../../src/shared/errors.js';
import { aNumber, aTrunk, aUser, failure } from './fake-repositories.js';

function aTrunkView(o: Partial<TrunkView> = {}): TrunkView {
  const {
    sip_password_enc: _p,
    telnyx_active: _a,
    telnyx_seen_run_id: _s,
    ...row
  } = aTrunk('owner-7', {
    id: 'trunk-9',
    name: 'Chicago',
    provider: 'telnyx',
    connection_type: 'ip',
    status: 'inactive',
    telnyx_connection_id: 'tc-1',
    telnyx_credential_id: 'cred-1',
    sip_uri: 'sip.chicago.test',
    ws_server: 'wss://chicago.test:7443',
    sip_username: 'chi',
    display_name: 'Chicago office',
    settings: '{"codec":"opus"}',
    region: 'us-central',
    location: 'Chicago',
    channel_limit: 12,
    notes: 'main line',
    emergency_calls: 1,
    health_status: 'up',
    health_checked_at: '2026-11-30T10:00:00.000Z',
    health_latency_ms: 42,
    health_message: 'answering',
    missing_at_telnyx_at: '2026-11-29T10:00:00.000Z',
    activated_at: '2026-11-01T00:00:00.000Z',
    created_at: '2026-10-01T00:00:00.000Z',
    updated_at: '2026-11-02T00:00:00.000Z',
  });
  return { ...row, has_password: 1, ...o };
}

function aNumberView(o: Partial<PhoneNumberView> = {}): PhoneNumberView {
  return {
    ...aNumber('+13125550100', {
      id: 'number-9',
      owner_id: 'owner-7',
      country: 'US',
      area_code: '312',
      city: 'Chicago',
      region: 'IL',
      carrier: 'Telnyx',
      number_type: 'toll_free',
      status: 'reserved',
      capabilities: '["voice","sms"]',
      telnyx_number_id: 'tn-1',
      monthly_rate: '1.25' as unknown as number,
      purchased_at: '2026-09-01T00:00:00.000Z',
      metadata: '{"cost_center":"ops"}',
      missing_at_telnyx_at: '2026-11-28T00:00:00.000Z',
      created_at: '2026-09-02T00:00:00.000Z',
      updated_at: '2026-09-03T00:00:00.000Z',
    }),
    active_trunk_id: 'trunk-9',
    active_trunk_name: 'Chicago',
    active_assignment_type: 'backup',
    ...o,
  };
}

function anAssignmentView(o: Partial<AssignmentView> = {}): AssignmentView {
  return {
    id: 'as-1',
    trunk_id: 'trunk-9',
    phone_number_id: 'number-9',
    assignment_type: 'secondary',
    is_active: 1,
    assigned_at: '2026-11-01T00:00:00.000Z',
    last_used_at: '2026-11-20T00:00:00.000Z',
    settings: '{"priority":2}',
    created_at: '2026-11-01T00:00:01.000Z',
    updated_at: '2026-11-01T00:00:02.000Z',
    number: '+13125550100',
    trunk_name: 'Chicago',
    owner_id: 'owner-7',
    ...o,
  };
}

describe('toAdminTrunkDto', () => {
  it('copies every field the console shows, with what only an admin sees, and no numbers', () => {
    expect(toAdminTrunkDto(aTrunkView())).toStrictEqual({
      id: 'trunk-9',
      name: 'Chicago',
      provider: 'telnyx',
      connectionType: 'ip',
      status: 'inactive',
      sipUri: 'sip.chicago.test',
      wsServer: 'wss://chicago.test:7443',
      username: 'chi',
      region: 'us-central',
      location: 'Chicago',
      channelLimit: 12,
      settings: { codec: 'opus' },
      notes: 'main line',
      health: {
        status: 'up',
        checkedAt: '2026-11-30T10:00:00.000Z',
        latencyMs: 42,
        message: 'answering',
      },
      hasCredentials: true,
      emergencyCalls: true,
      telnyxConnectionId: 'tc-1',
      activatedAt: '2026-11-01T00:00:00.000Z',
      ownerId: 'owner-7',
      telnyxCredentialId: 'cred-1',
      hasPassword: true,
      displayName: 'Chicago office',
      missingAtTelnyxAt: '2026-11-29T10:00:00.000Z',
      createdAt: '2026-10-01T00:00:00.000Z',
      updatedAt: '2026-11-02T00:00:00.000Z',
    });
  });

  it('says a password is stored only for has_password 1 (the number or its text)', () => {
    expect(toAdminTrunkDto(aTrunkView({ has_password: 0 })).hasPassword).toBe(false);
    expect(toAdminTrunkDto(aTrunkView({ has_password: '1' as unknown as number })).hasPassword).toBe(true);
    expect(toAdminTrunkDto(aTrunkView({ has_password: 2 })).hasPassword).toBe(false);
  });
});

describe('toAdminPhoneNumberDto', () => {
  it('copies every field, reads the JSON columns and the rate as a number, and names the active trunk', () => {
    expect(toAdminPhoneNumberDto(aNumberView())).toStrictEqual({
      id: 'number-9',
      ownerId: 'owner-7',
      number: '+13125550100',
      country: 'US',
      areaCode: '312',
      city: 'Chicago',
      region: 'IL',
      carrier: 'Telnyx',
      numberType: 'toll_free',
      status: 'reserved',
      capabilities: ['voice', 'sms'],
      telnyxNumberId: 'tn-1',
      monthlyRate: 1.25,
      purchasedAt: '2026-09-01T00:00:00.000Z',
      metadata: { cost_center: 'ops' },
      missingAtTelnyxAt: '2026-11-28T00:00:00.000Z',
      activeAssignment: { trunkId: 'trunk-9', trunkName: 'Chicago', assignmentType: 'backup' },
      createdAt: '2026-09-02T00:00:00.000Z',
      updatedAt: '2026-09-03T00:00:00.000Z',
    });
  });

  it('keeps a null rate null and answers no active assignment without both its trunk id and name', () => {
    const dto = toAdminPhoneNumberDto(aNumberView({ monthly_rate: null, active_trunk_id: null }));
    expect(dto.monthlyRate).toBeNull();
    expect(dto.activeAssignment).toBeNull();
    expect(toAdminPhoneNumberDto(aNumberView({ active_trunk_name: null })).activeAssignment).toBeNull();
    expect(toAdminPhoneNumberDto(aNumberView({ monthly_rate: 0 })).monthlyRate).toBe(0);
  });

  it('degrades unreadable or wrongly shaped JSON to no capabilities and empty metadata', () => {
    for (const [capabilities, metadata] of [
      ['not json', 'not json'],
      ['{"voice":true}', '["a"]'],
      ['"voice"', 'null'],
      ['null', '"text"'],
    ]) {
      const dto = toAdminPhoneNumberDto(aNumberView({ capabilities, metadata }));
      expect(dto.capabilities).toStrictEqual([]);
      expect(dto.metadata).toStrictEqual({});
    }
  });
});

describe('toAdminAssignmentDto', () => {
  it('copies every field and reads the settings JSON', () => {
    expect(toAdminAssignmentDto(anAssignmentView())).toStrictEqual({
      id: 'as-1',
      trunkId: 'trunk-9',
      trunkName: 'Chicago',
      ownerId: 'owner-7',
      phoneNumberId: 'number-9',
      number: '+13125550100',
      assignmentType: 'secondary',
      isActive: true,
      assignedAt: '2026-11-01T00:00:00.000Z',
      lastUsedAt: '2026-11-20T00:00:00.000Z',
      settings: { priority: 2 },
      createdAt: '2026-11-01T00:00:01.000Z',
      updatedAt: '2026-11-01T00:00:02.000Z',
    });
  });

  it('is active only for is_active 1, and degrades bad settings to {}', () => {
    expect(toAdminAssignmentDto(anAssignmentView({ is_active: 0 })).isActive).toBe(false);
    expect(toAdminAssignmentDto(anAssignmentView({ is_active: '1' as unknown as number })).isActive).toBe(
      true,
    );
    for (const settings of ['oops', '[1,2]', 'null', '7']) {
      expect(toAdminAssignmentDto(anAssignmentView({ settings })).settings).toStrictEqual({});
    }
  });
});

describe('toUserDto', () => {
  it('copies what the console shows of a user and never the password hash', () => {
    const row = aUser({
      id: 'u-1',
      email: 'ana@example.test',
      name: 'Ana',
      password_hash: 'secret-hash',
      role: 'admin',
      status: 'inactive',
      default_country: 'GB',
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-02T00:00:00.000Z',
      last_login_at: '2026-01-03T00:00:00.000Z',
    });
    expect(toUserDto(row)).toStrictEqual({
      id: 'u-1',
      email: 'ana@example.test',
      name: 'Ana',
      role: 'admin',
      status: 'inactive',
      defaultCountry: 'GB',
      createdAt: '2026-01-01T00:00:00.000Z',
      lastLoginAt: '2026-01-03T00:00:00.000Z',
    });
  });
});

describe('pageRequest and toPage', () => {
  it('defaults to page 1 of 50', () => {
    expect(pageRequest({})).toStrictEqual({ page: 1, pageSize: 50, limit: 50, offset: 0 });
  });

  it('turns a page into its offset', () => {
    expect(pageRequest({ page: 3, pageSize: 20 })).toStrictEqual({
      page: 3,
      pageSize: 20,
      limit: 20,
      offset: 40,
    });
  });

  it('clamps the page to at least 1 and the size to 1..500, dropping fractions', () => {
    expect(pageRequest({ page: 0, pageSize: 0 })).toStrictEqual({
      page: 1,
      pageSize: 1,
      limit: 1,
      offset: 0,
    });
    expect(pageRequest({ page: -4, pageSize: -10 })).toMatchObject({ page: 1, pageSize: 1 });
    expect(pageRequest({ page: 2.9, pageSize: 10.7 })).toStrictEqual({
      page: 2,
      pageSize: 10,
      limit: 10,
      offset: 10,
    });
    expect(pageRequest({ pageSize: 500 }).pageSize).toBe(500);
    expect(pageRequest({ pageSize: 501 }).pageSize).toBe(500);
    expect(pageRequest({ pageSize: 1 }).pageSize).toBe(1);
    expect(pageRequest({ page: 1.5 }).page).toBe(1);
  });

  it('maps the rows of a result into a page with its total and position', () => {
    expect(toPage({ rows: [1, 2], total: 7 }, { page: 2, pageSize: 2 }, (n) => `#${n}`)).toStrictEqual({
      items: ['#1', '#2'],
      total: 7,
      page: 2,
      pageSize: 2,
    });
  });
});

describe('AdminReads', () => {
  class Things extends AdminReads<{ q?: string }, { id: string }, string> {
    constructor(repo: ReadableRepository<{ q?: string }, { id: string }>) {
      super(repo, 'Thing', (r) => `dto:${r.id}`);
    }
  }

  function repo(rows: { id: string }[]) {
    const calls: [{ q?: string }, PageRequest][] = [];
    const readable: ReadableRepository<{ q?: string }, { id: string }> = {
      list: (filters, page) => {
        calls.push([filters, page]);
        return Promise.resolve({
          rows: rows.slice(page.offset, page.offset + page.limit),
          total: rows.length,
        });
      },
      findById: (id) => Promise.resolve(rows.find((r) => r.id === id)),
    };
    return { readable, calls };
  }

  it('lists a page of DTOs, passing the filters and the clamped page to the repository', async () => {
    const { readable, calls } = repo([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const things = new Things(readable);
    expect(await things.list({ q: 'x' }, { page: 2, pageSize: 2 })).toStrictEqual({
      items: ['dto:c'],
      total: 3,
      page: 2,
      pageSize: 2,
    });
    expect(calls).toStrictEqual([[{ q: 'x' }, { page: 2, pageSize: 2, limit: 2, offset: 2 }]]);
    expect(await things.list({})).toStrictEqual({
      items: ['dto:a', 'dto:b', 'dto:c'],
      total: 3,
      page: 1,
      pageSize: 50,
    });
  });

  it('gets one DTO by id, or a 404 naming the entity', async () => {
    const things = new Things(repo([{ id: 'a' }]).readable);
    expect(await things.get('a')).toBe('dto:a');
    const err = await failure(things.get('zz'));
    expect(err.code).toBe(ErrorCode.NotFound);
    expect(err.message).toBe('Thing was not found');
  });
});
