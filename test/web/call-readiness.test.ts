import { describe, expect, it } from 'vitest';
import { callBlockers, type ReadinessInput } from '../../src/web/lib/call-readiness.js';
import { aConnection, aNumber } from './factories.js';

const primary = aNumber('+13125550100', 'primary');
const connection = aConnection('c1', { name: 'Chicago Office SIP', numbers: [primary] });

function input(overrides: Partial<ReadinessInput> = {}): ReadinessInput {
  return {
    connectionsSettled: true,
    connectionCount: 1,
    connection,
    callerId: primary,
    destination: { kind: 'valid', e164: '+13125550142', formatted: '+1 312 555 0142', country: 'US' },
    phoneProblem: null,
    ...overrides,
  };
}

describe('callBlockers', () => {
  it('is empty when everything is ready', () => {
    expect(callBlockers(input())).toEqual([]);
  });

  it('says no connection is selected', () => {
    expect(callBlockers(input({ connection: null, callerId: null }))).toEqual([
      { field: 'connection', message: 'No connection selected: choose the connection to call from.' },
    ]);
  });

  it('says the user has no connections at all', () => {
    const [b] = callBlockers(input({ connection: null, callerId: null, connectionCount: 0 }));
    expect(b?.message).toContain('you have no active connections');
  });

  it('says connections are still loading', () => {
    const [b] = callBlockers(input({ connection: null, callerId: null, connectionsSettled: false }));
    expect(b?.message).toBe('Connections are still loading.');
  });

  it('says the connection has no numbers, naming it', () => {
    const empty = aConnection('c2', { name: 'SF Overflow SIP', numbers: [] });
    const [b] = callBlockers(input({ connection: empty, callerId: null }));
    expect(b).toEqual({
      field: 'callerId',
      message: expect.stringContaining('“SF Overflow SIP” has no phone numbers assigned'),
    });
  });

  it('says no caller ID is chosen', () => {
    expect(callBlockers(input({ callerId: null }))).toEqual([
      { field: 'callerId', message: 'No caller ID chosen: choose the number to call from.' },
    ]);
  });

  it('passes the destination problem through', () => {
    expect(
      callBlockers(input({ destination: { kind: 'empty', message: 'Enter the number to call.' } })),
    ).toEqual([{ field: 'destination', message: 'Enter the number to call.' }]);
  });

  it('says why the phone cannot call', () => {
    expect(callBlockers(input({ phoneProblem: 'Phone not connected: x.' }))).toEqual([
      { field: 'phone', message: 'Phone not connected: x.' },
    ]);
  });

  it('lists every problem at once, in the order of the page', () => {
    const blockers = callBlockers(
      input({
        callerId: null,
        destination: { kind: 'empty', message: 'Enter the number to call.' },
        phoneProblem: 'p',
      }),
    );
    expect(blockers.map((b) => b.field)).toEqual(['callerId', 'destination', 'phone']);
  });
});
