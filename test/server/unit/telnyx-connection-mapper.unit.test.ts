/**
 * The fallback list's mapping of a Telnyx credential connection and its numbers to a ConnectionDto
 * (telnyx-connection-mapper.ts): every field, local ids when known, the first number by E.164 as the
 * primary, and the dates a number's assignment falls back on.
 */
import { describe, expect, it } from 'vitest';
import {
  toTelnyxConnectionDto,
  type LocalIds,
} from '../../../src/server/services/telnyx-connection-mapper.js';
import { aTelnyxConnection, aTelnyxNumber } from './fake-telnyx.js';

const noLocal = (): LocalIds => ({ trunkIdByConnection: new Map(), numberIdByTelnyxId: new Map() });

describe('toTelnyxConnectionDto', () => {
  it('maps an active connection with its numbers, the lowest number first as primary', () => {
    const c = aTelnyxConnection('c1', {
      name: 'Berlin office',
      userName: 'berlin01',
      anchorsite: 'Frankfurt, DE',
      dtmfType: 'SIP INFO',
      codecs: ['G722', 'PCMU'],
      channelLimit: 10,
      createdAt: '2026-02-01T00:00:00.000Z',
    });
    const numbers = [
      aTelnyxNumber('n3', '+4930555003', 'c1', {
        updatedAt: '2026-03-03T00:00:00.000Z',
        numberType: 'mobile',
      }),
      aTelnyxNumber('n1', '+4930555001', 'c1', { updatedAt: '2026-03-01T00:00:00.000Z', country: 'DE' }),
      aTelnyxNumber('n2', '+4930555002', 'c1', {
        updatedAt: '2026-03-02T00:00:00.000Z',
        numberType: 'toll_free',
      }),
    ];
    const local: LocalIds = {
      trunkIdByConnection: new Map([['c1', 'trunk-local']]),
      numberIdByTelnyxId: new Map([['n2', 'number-local-2']]),
    };
    expect(toTelnyxConnectionDto(c, numbers, local)).toStrictEqual({
      id: 'trunk-local',
      name: 'Berlin office',
      provider: 'telnyx',
      connectionType: 'credential',
      status: 'active',
      sipUri: 'sip:berlin01@sip.telnyx.com',
      wsServer: null,
      username: 'berlin01',
      region: 'Frankfurt, DE',
      location: null,
      channelLimit: 10,
      emergencyCalls: false,
      settings: { codecs: ['G722', 'PCMU'], dtmfMode: 'info' },
      notes: null,
      health: { status: 'unknown', checkedAt: null, latencyMs: null, message: null },
      hasCredentials: true,
      telnyxConnectionId: 'c1',
      activatedAt: '2026-02-01T00:00:00.000Z',
      numbers: [
        {
          assignmentId: 'telnyx:n1',
          phoneNumberId: 'telnyx:n1',
          number: '+4930555001',
          assignmentType: 'primary',
          assignedAt: '2026-03-01T00:00:00.000Z',
          country: 'DE',
          city: null,
          region: null,
          numberType: 'local',
          capabilities: ['voice'],
        },
        {
          assignmentId: 'telnyx:n2',
          phoneNumberId: 'number-local-2',
          number: '+4930555002',
          assignmentType: 'secondary',
          assignedAt: '2026-03-02T00:00:00.000Z',
          country: 'US',
          city: null,
          region: null,
          numberType: 'toll_free',
          capabilities: ['voice'],
        },
        {
          assignmentId: 'telnyx:n3',
          phoneNumberId: 'telnyx:n3',
          number: '+4930555003',
          assignmentType: 'secondary',
          assignedAt: '2026-03-03T00:00:00.000Z',
          country: 'US',
          city: null,
          region: null,
          numberType: 'mobile',
          capabilities: ['voice'],
        },
      ],
    });
    // The caller's array is left in its order.
    expect(numbers.map((n) => n.id)).toEqual(['n3', 'n1', 'n2']);
  });

  it('sorts numbers by E.164 whatever order Telnyx sent them in', () => {
    const c = aTelnyxConnection('c1');
    const order = (ns: string[]) =>
      toTelnyxConnectionDto(
        c,
        ns.map((n, i) => aTelnyxNumber(`n${i}`, n, 'c1')),
        noLocal(),
      ).numbers.map((n) => `${n.number}:${n.assignmentType}`);
    expect(order(['+15550002', '+15550001', '+15550003'])).toEqual([
      '+15550001:primary',
      '+15550002:secondary',
      '+15550003:secondary',
    ]);
    expect(order(['+15550001', '+15550003', '+15550002'])).toEqual([
      '+15550001:primary',
      '+15550002:secondary',
      '+15550003:secondary',
    ]);
  });

  it('dates an assignment by the number update, else purchase, else creation, else the epoch', () => {
    const c = aTelnyxConnection('c1');
    const at = (o: Parameters<typeof aTelnyxNumber>[3]) =>
      toTelnyxConnectionDto(c, [aTelnyxNumber('n', '+15550001', 'c1', o)], noLocal()).numbers[0]?.assignedAt;
    expect(at({ updatedAt: 'u', purchasedAt: 'p', createdAt: 'c' })).toBe('u');
    expect(at({ purchasedAt: 'p', createdAt: 'c' })).toBe('p');
    expect(at({ createdAt: 'c' })).toBe('c');
    expect(at({})).toBe('1970-01-01T00:00:00.000Z');
  });

  it('names an unlinked, inactive connection without a SIP user by its Telnyx id', () => {
    const c = aTelnyxConnection('c9', {
      active: false,
      userName: null,
      createdAt: '2026-02-01T00:00:00.000Z',
    });
    const dto = toTelnyxConnectionDto(c, [], noLocal());
    expect(dto).toMatchObject({
      id: 'telnyx:c9',
      status: 'inactive',
      activatedAt: null,
      sipUri: null,
      username: null,
      hasCredentials: false,
      settings: {},
      numbers: [],
    });
  });
});
