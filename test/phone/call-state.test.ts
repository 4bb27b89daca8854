import { describe, expect, it } from 'vitest';
import {
  CALL_STATES,
  InvalidTransitionError,
  allowedTransitions,
  canChangeRegistration,
  canTransition,
  causeFromSipCode,
  describeEnd,
  lineStateOf,
  outcomeOf,
  transition,
  type CallEventType,
  type CallState,
  type EndCause,
  type RegistrationState,
  type RegistrationStatus,
} from '../../src/phone/call-state.js';

const EVENTS: CallEventType[] = [
  'ringing',
  'early_media',
  'answered',
  'hold',
  'unhold',
  'interrupted',
  'recovered',
  'recovered_on_hold',
  'end',
];

/** The diagram in call-state.ts, written out independently. */
const EXPECTED: [CallState, CallEventType, CallState][] = [
  ['dialing', 'ringing', 'ringing'],
  ['dialing', 'early_media', 'early_media'],
  ['dialing', 'answered', 'active'],
  ['dialing', 'end', 'ended'],
  ['ringing', 'early_media', 'early_media'],
  ['ringing', 'answered', 'active'],
  ['ringing', 'end', 'ended'],
  ['early_media', 'answered', 'active'],
  ['early_media', 'end', 'ended'],
  ['active', 'hold', 'held'],
  ['active', 'interrupted', 'reconnecting'],
  ['active', 'end', 'ended'],
  ['held', 'unhold', 'active'],
  ['held', 'interrupted', 'reconnecting'],
  ['held', 'end', 'ended'],
  ['reconnecting', 'recovered', 'active'],
  ['reconnecting', 'recovered_on_hold', 'held'],
  ['reconnecting', 'end', 'ended'],
];

describe('call state machine', () => {
  it.each(EXPECTED)('%s --%s--> %s', (from, event, to) => {
    expect(transition(from, event)).toBe(to);
    expect(canTransition(from, event)).toBe(true);
  });

  it('allows exactly the moves in the diagram', () => {
    const actual = allowedTransitions()
      .map((t) => `${t.from}:${t.event}:${t.to}`)
      .sort();
    expect(actual).toEqual(EXPECTED.map(([f, e, t]) => `${f}:${e}:${t}`).sort());
  });

  const allowed = new Set(EXPECTED.map(([f, e]) => `${f}:${e}`));
  const impossible = CALL_STATES.flatMap((from) => EVENTS.map((event) => [from, event] as const)).filter(
    ([f, e]) => !allowed.has(`${f}:${e}`),
  );

  it.each(impossible)('rejects %s --%s-->', (from, event) => {
    expect(canTransition(from, event)).toBe(false);
    expect(() => transition(from, event)).toThrow(InvalidTransitionError);
  });

  it('says what was impossible', () => {
    expect(() => transition('dialing', 'hold')).toThrow('cannot hold while dialing');
    expect(() => transition('ended', { type: 'answered' })).toThrow(/answered while ended/);
  });

  it('accepts event objects carrying the end cause', () => {
    expect(
      transition('active', {
        type: 'end',
        end: { cause: 'normal', sipCode: null, by: 'remote', reason: null },
      }),
    ).toBe('ended');
  });
});

describe('line state (derived from the registration and the call)', () => {
  const reg = (status: RegistrationStatus): RegistrationState =>
    status === 'failed'
      ? { status, reason: 'Wrong password', sipCode: 403 }
      : status === 'reconnecting'
        ? { status, attempt: 1, nextRetryInMs: 2000 }
        : { status };

  // What the line used to be its own machine for: idle until registering, ready once registered.
  it.each([
    ['unregistered', 'idle'],
    ['registering', 'registering'],
    ['registered', 'ready'],
    ['failed', 'idle'],
    // A call in progress survives a reconnect: the line stays ready.
    ['reconnecting', 'ready'],
  ] as const)('a %s line without a call is %s', (status, line) => {
    expect(lineStateOf(reg(status), null)).toBe(line);
  });

  it('is the live call’s state while there is one, and ready again once it ended', () => {
    for (const state of ['dialing', 'ringing', 'early_media', 'active', 'held'] as const) {
      expect(lineStateOf(reg('registered'), { state })).toBe(state);
    }
    expect(lineStateOf(reg('registered'), { state: 'ended' })).toBe('ready');
    expect(lineStateOf(reg('unregistered'), { state: 'ended' })).toBe('idle');
  });
});

describe('registration state machine', () => {
  it.each([
    ['unregistered', 'registering'],
    ['registering', 'registered'],
    ['registering', 'failed'],
    ['registered', 'reconnecting'],
    ['reconnecting', 'registered'],
    ['reconnecting', 'failed'],
    ['failed', 'registering'],
    ['registered', 'unregistered'],
  ] as const)('allows %s -> %s', (from, to) => {
    expect(canChangeRegistration(from, to)).toBe(true);
  });

  it.each([
    ['unregistered', 'registered'],
    ['unregistered', 'failed'],
    ['unregistered', 'reconnecting'],
    ['registered', 'registering'],
  ] as const)('refuses %s -> %s', (from, to) => {
    expect(canChangeRegistration(from, to)).toBe(false);
  });
});

describe('end causes', () => {
  it.each([
    [486, 'busy'],
    [600, 'busy'],
    [480, 'no_answer'],
    [408, 'no_answer'],
    [603, 'rejected'],
    [403, 'rejected'],
    [488, 'rejected'],
    [606, 'rejected'],
    [487, 'cancelled'],
    [503, 'network'],
    [504, 'network'],
    [200, 'normal'],
    [202, 'normal'],
    [299, 'normal'],
    [199, 'failed'],
    [300, 'failed'],
    [404, 'failed'],
    [500, 'failed'],
  ] as const)('SIP %i is %s', (code, cause) => {
    expect(causeFromSipCode(code)).toBe(cause);
  });

  it('describes ends plainly with the SIP code', () => {
    expect(describeEnd({ cause: 'busy', sipCode: 486, by: 'remote', reason: null })).toBe('Busy (486)');
    expect(describeEnd({ cause: 'normal', sipCode: null, by: 'remote', reason: null })).toBe(
      'Call ended by the other party',
    );
    expect(describeEnd({ cause: 'network', sipCode: null, by: 'system', reason: null })).toBe(
      'Network problem',
    );
  });

  it('adds the SIP code only to failure codes (300 and up), and says who ended a normal call', () => {
    const end = (cause: EndCause, sipCode: number | null, by: 'local' | 'remote' | 'system' = 'remote') =>
      describeEnd({ cause, sipCode, by, reason: null });
    expect(end('normal', 200, 'local')).toBe('Call ended');
    expect(end('normal', 299)).toBe('Call ended by the other party');
    expect(end('failed', 300)).toBe('Call failed (300)');
    expect(end('failed', 299)).toBe('Call failed');
    expect(end('rejected', 603)).toBe('Call rejected (603)');
    expect(end('busy', null)).toBe('Busy');
    expect(end('no_answer', 408)).toBe('No answer (408)');
    expect(end('cancelled', null, 'local')).toBe('Cancelled');
  });

  it('is an InvalidTransitionError by name and code, for logs and matching', () => {
    const err = new InvalidTransitionError('ended', 'hold');
    expect(err.name).toBe('InvalidTransitionError');
    expect(err.code).toBe('PHONE_INVALID_TRANSITION');
    expect(err).toMatchObject({ from: 'ended', event: 'hold' });
  });

  it.each([
    ['busy', 'busy'],
    ['no_answer', 'no_answer'],
    ['rejected', 'rejected'],
    ['cancelled', 'cancelled'],
    ['normal', 'cancelled'],
    ['network', 'failed'],
    ['failed', 'failed'],
  ] as const)('an unanswered call that ended %s is stored as %s', (cause, outcome) => {
    expect(outcomeOf({ cause, sipCode: null, by: 'remote', reason: null }, false)).toBe(outcome);
  });

  it('maps to the stored call outcome', () => {
    expect(outcomeOf({ cause: 'normal', sipCode: null, by: 'local', reason: null }, true)).toBe('answered');
    expect(outcomeOf({ cause: 'busy', sipCode: 486, by: 'remote', reason: null }, false)).toBe('busy');
    expect(outcomeOf({ cause: 'cancelled', sipCode: 487, by: 'local', reason: null }, false)).toBe(
      'cancelled',
    );
    expect(outcomeOf({ cause: 'network', sipCode: null, by: 'system', reason: null }, false)).toBe('failed');
  });
});
