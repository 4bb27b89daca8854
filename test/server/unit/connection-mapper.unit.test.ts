/**
 * The connection mapper (database rows -> the connections API's ConnectionDto), on plain rows: every
 * field lands where the page reads it, credentials are reported as present only with both a user name
 * and a password (never the password itself), bad JSON in settings or capabilities degrades to empty
 * values instead of breaking the list, and the JSON-text path is byte for byte the object path.
 */
import { describe, expect, it } from 'vitest';
import type { AssignedNumberDto } from '../../../src/shared/api.js';
import type { ConnectionNumberRow } from '../../../src/server/repositories/assignment-repository.js';
import type { TrunkView } from '../../../src/server/repositories/trunk-repository.js';
import {
  groupNumbersByTrunk,
  hasCredentials,
  parseSettings,
  toConnectionDto,
  toConnectionJson,
} from '../../../src/server/services/connection-mapper.js';
import { aTrunk } from './fake-repositories.js';

function aView(o: Partial<TrunkView> = {}): TrunkView {
  const { sip_password_enc: _p, telnyx_active: _a, telnyx_seen_run_id: _s, ...row } = aTrunk('owner-1');
  return { ...row, has_password: 1, sip_username: 'chicago', ...o };
}

function aNumberRow(o: Partial<ConnectionNumberRow> = {}): ConnectionNumberRow {
  return {
    assignment_id: 'as-1',
    trunk_id: 'trunk-a',
    phone_number_id: 'pn-1',
    assignment_type: 'primary',
    assigned_at: '2026-11-01T10:00:00.000Z',
    number: '+13125550100',
    country: 'US',
    city: 'Chicago',
    region: 'IL',
    number_type: 'local',
    capabilities: '["voice","sms"]',
    ...o,
  };
}

describe('toConnectionDto', () => {
  it('copies every field the page shows, under its API name', () => {
    const numbers: AssignedNumberDto[] = [];
    const dto = toConnectionDto(
      aView({
        id: 'trunk-a',
        name: 'Chicago Office SIP',
        provider: 'telnyx',
        connection_type: 'ip',
        status: 'pending',
        sip_uri: 'sip:chicago@sip.example.test',
        ws_server: 'wss://sip.example.test:7443',
        sip_username: 'chicago',
        region: 'us-central',
        location: 'Chicago, IL',
        channel_limit: 30,
        settings: '{"dtmfMode":"info","codecs":["PCMU"]}',
        notes: 'front desk',
        health_status: 'degraded',
        health_checked_at: '2026-11-30T12:00:00.000Z',
        health_latency_ms: 420,
        health_message: 'slow answers',
        emergency_calls: 1,
        telnyx_connection_id: '1000000000000000001',
        activated_at: '2026-11-02T09:00:00.000Z',
      }),
      numbers,
    );
    expect(dto).toEqual({
      id: 'trunk-a',
      name: 'Chicago Office SIP',
      provider: 'telnyx',
      connectionType: 'ip',
      status: 'pending',
      sipUri: 'sip:chicago@sip.example.test',
      wsServer: 'wss://sip.example.test:7443',
      username: 'chicago',
      region: 'us-central',
      location: 'Chicago, IL',
      channelLimit: 30,
      settings: { dtmfMode: 'info', codecs: ['PCMU'] },
      notes: 'front desk',
      health: {
        status: 'degraded',
        checkedAt: '2026-11-30T12:00:00.000Z',
        latencyMs: 420,
        message: 'slow answers',
      },
      hasCredentials: true,
      emergencyCalls: true,
      telnyxConnectionId: '1000000000000000001',
      activatedAt: '2026-11-02T09:00:00.000Z',
      numbers,
    });
    expect(dto.numbers).toBe(numbers);
    expect(JSON.stringify(dto)).not.toMatch(/password/i);
  });

  it('says emergency calls are off unless the row says 1', () => {
    expect(toConnectionDto(aView({ emergency_calls: 0 }), []).emergencyCalls).toBe(false);
  });
});

describe('hasCredentials', () => {
  it.each([
    [1, 'chicago', true],
    ['1' as unknown as number, 'chicago', true], // PostgreSQL drivers may hand the flag over as text
    [0, 'chicago', false],
    [1, null, false],
    [1, '', false],
    [2, 'chicago', false],
  ])('has_password %s, user name %s: %s', (flag, username, expected) => {
    expect(hasCredentials({ has_password: flag, sip_username: username })).toBe(expected);
  });
});

describe('parseSettings', () => {
  it('reads a JSON object', () => {
    expect(parseSettings('{"rtpTimeoutSeconds":30}')).toEqual({ rtpTimeoutSeconds: 30 });
  });

  it.each(['not json', '', '[1,2]', 'null', '42', '"text"'])('reads %j as no settings', (text) => {
    expect(parseSettings(text)).toEqual({});
  });
});

describe('toConnectionJson', () => {
  it('is JSON.stringify of the DTO with the numbers spliced in as text', () => {
    const view = aView({ name: 'Odd "quoted" \\ trunk\n ☎', notes: null, settings: '{"a":"b\\"c"}' });
    const numbers = groupNumbersByTrunk([aNumberRow({ trunk_id: view.id })]).get(view.id)!;
    expect(toConnectionJson(view, JSON.stringify(numbers))).toBe(
      JSON.stringify(toConnectionDto(view, numbers)),
    );
    expect(toConnectionJson(view, '[]')).toBe(JSON.stringify(toConnectionDto(view, [])));
  });
});

describe('groupNumbersByTrunk', () => {
  it('groups rows by trunk, keeps their order and maps each field', () => {
    const rows = [
      aNumberRow({ trunk_id: 'a', assignment_id: 'a1', number: '+13125550100' }),
      aNumberRow({
        trunk_id: 'b',
        assignment_id: 'b1',
        phone_number_id: 'pn-9',
        number: '+14155550199',
        assignment_type: 'backup',
        assigned_at: '2026-11-03T00:00:00.000Z',
        country: 'CA',
        city: null,
        region: null,
        number_type: 'toll_free',
        capabilities: '["voice"]',
      }),
      aNumberRow({
        trunk_id: 'a',
        assignment_id: 'a2',
        number: '+13125550101',
        assignment_type: 'secondary',
      }),
    ];
    const byTrunk = groupNumbersByTrunk(rows);
    expect([...byTrunk.keys()]).toEqual(['a', 'b']);
    expect(byTrunk.get('a')!.map((n) => [n.assignmentId, n.number, n.assignmentType])).toEqual([
      ['a1', '+13125550100', 'primary'],
      ['a2', '+13125550101', 'secondary'],
    ]);
    expect(byTrunk.get('b')).toEqual([
      {
        assignmentId: 'b1',
        phoneNumberId: 'pn-9',
        number: '+14155550199',
        assignmentType: 'backup',
        assignedAt: '2026-11-03T00:00:00.000Z',
        country: 'CA',
        city: null,
        region: null,
        numberType: 'toll_free',
        capabilities: ['voice'],
      },
    ]);
  });

  it('reads capabilities that are not a JSON array as none, and parses each distinct text once', () => {
    const byTrunk = groupNumbersByTrunk([
      aNumberRow({ assignment_id: 'x1', capabilities: 'not json' }),
      aNumberRow({ assignment_id: 'x2', capabilities: '{"voice":true}' }),
      aNumberRow({ assignment_id: 'x3', capabilities: '["voice","sms"]' }),
      aNumberRow({ assignment_id: 'x4', capabilities: '["voice","sms"]' }),
    ]);
    const list = byTrunk.get('trunk-a')!;
    expect(list.map((n) => n.capabilities)).toEqual([[], [], ['voice', 'sms'], ['voice', 'sms']]);
    // The same text gives the same (shared, parsed once) array.
    expect(list[2]!.capabilities).toBe(list[3]!.capabilities);
  });

  it('gives an empty map for no rows', () => {
    expect(groupNumbersByTrunk([]).size).toBe(0);
  });
});
