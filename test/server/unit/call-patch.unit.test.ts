/**
 * What one PATCH /api/calls/:id changes (call-patch.ts): only the fields it carries, with the record's
 * rules — a final record never reopens, a call in progress has no end, "answered" needs its answer time,
 * the end is never before the answer, and the duration follows the answer and the end.
 */
import { describe, expect, it } from 'vitest';
import { callPatch, durationSeconds } from '../../../src/server/services/call-patch.js';
import { ConflictError, ValidationError } from '../../../src/shared/errors.js';
import type { CallRow } from '../../../src/server/db/schema.js';
import type { UpdateCallBody } from '../../../src/shared/schemas/calls.js';

const NOW = new Date('2026-11-24T17:31:00.000Z');
const at = (s: number) => new Date(Date.parse('2026-11-24T17:30:00.000Z') + s * 1000).toISOString();

function aCall(o: Partial<CallRow> = {}): CallRow {
  return {
    id: 'call-1',
    user_id: 'u',
    trunk_id: 't',
    phone_number_id: null,
    caller_number: null,
    remote_number: '+14155550123',
    direction: 'outbound',
    outcome: 'in_progress',
    hangup_cause: null,
    sip_code: null,
    sip_call_id: null,
    started_at: at(0),
    answered_at: null,
    ended_at: null,
    duration_seconds: null,
    mos: null,
    jitter_ms: null,
    packet_loss_pct: null,
    rtt_ms: null,
    invite_at: null,
    progress_at: null,
    ended_by: null,
    interruptions: 1,
    interrupted_at: null,
    recovered_after_ms: null,
    caller_verification: null,
    is_emergency: 0,
    retry_of_call_id: null,
    last_seen_at: at(0),
    created_at: at(0),
    updated_at: at(0),
    ...o,
  };
}

describe('callPatch', () => {
  it('changes only the fields a report carries, each to what it says (null clears)', () => {
    const cases: [UpdateCallBody, Partial<CallRow>][] = [
      [{ sipCode: 486 }, { sip_code: 486 }],
      [{ sipCallId: 'abc@host' }, { sip_call_id: 'abc@host' }],
      [{ inviteAt: at(1) }, { invite_at: at(1) }],
      [{ progressAt: at(2) }, { progress_at: at(2) }],
      [{ hangupCause: 'Busy here' }, { hangup_cause: 'Busy here' }],
      [{ hangupCause: null }, { hangup_cause: null }],
      [{ endedBy: 'remote' }, { ended_by: 'remote' }],
      [{ callerVerification: 'failed' }, { caller_verification: 'failed' }],
      [{ interruptions: 2 }, { interruptions: 2 }],
      [{ interruptions: 1 }, {}],
      [{ interruptions: 0 }, {}],
      [{ interruptedAt: at(4) }, { interrupted_at: at(4) }],
      [{ recoveredAfterMs: 850 }, { recovered_after_ms: 850 }],
      [{ recoveredAfterMs: null }, { recovered_after_ms: null }],
      [{ quality: { mos: 3.9 } }, { mos: 3.9 }],
      [{ quality: { jitterMs: 4 } }, { jitter_ms: 4 }],
      [{ quality: { packetLossPct: 1.5 } }, { packet_loss_pct: 1.5 }],
      [{ quality: { rttMs: 80 } }, { rtt_ms: 80 }],
      [{ quality: null }, { mos: null, jitter_ms: null, packet_loss_pct: null, rtt_ms: null }],
      [{ answeredAt: at(3) }, { answered_at: at(3), duration_seconds: null }],
      [{}, {}],
    ];
    for (const [input, patch] of cases) {
      expect(callPatch(aCall(), input, NOW), JSON.stringify(input)).toStrictEqual(patch);
    }
  });

  it('ends a call at "now" when its final outcome comes without an end, with the duration from the answer', () => {
    expect(callPatch(aCall(), { outcome: 'busy' }, NOW)).toStrictEqual({
      outcome: 'busy',
      ended_at: NOW.toISOString(),
      duration_seconds: null,
    });
    expect(callPatch(aCall({ answered_at: at(10) }), { outcome: 'answered' }, NOW)).toStrictEqual({
      outcome: 'answered',
      ended_at: NOW.toISOString(),
      duration_seconds: 50,
    });
    // An end already recorded stays; a report with no time change leaves the duration alone.
    expect(callPatch(aCall({ ended_at: at(20) }), { outcome: 'cancelled' }, NOW)).toStrictEqual({
      outcome: 'cancelled',
    });
  });

  it('computes the duration from the answer and end, stored or reported, rounded to the second', () => {
    expect(
      callPatch(aCall({ answered_at: at(1) }), { endedAt: at(31.6), outcome: 'answered' }, NOW),
    ).toMatchObject({ duration_seconds: 31 });
    expect(callPatch(aCall(), { answeredAt: at(1), endedAt: at(1), outcome: 'answered' }, NOW)).toMatchObject(
      {
        duration_seconds: 0,
      },
    );
  });

  it('refuses to reopen a final record', () => {
    const run = () => callPatch(aCall({ outcome: 'busy', ended_at: at(5) }), { outcome: 'in_progress' }, NOW);
    expect(run).toThrow(ConflictError);
    expect(run).toThrow('This call has already ended (busy) and cannot be reopened.');
  });

  it('refuses an end time for a call still in progress', () => {
    const run = () => callPatch(aCall(), { endedAt: at(5) }, NOW);
    expect(run).toThrow(ValidationError);
    expect(run).toThrow('endedAt needs the call\'s final outcome (e.g. "answered", "busy", "no_answer").');
    expect(callPatch(aCall(), { endedAt: null }, NOW)).toStrictEqual({
      ended_at: null,
      duration_seconds: null,
    });
  });

  it('refuses "answered" without an answer time', () => {
    const run = () => callPatch(aCall(), { outcome: 'answered', endedAt: at(5) }, NOW);
    expect(run).toThrow(ValidationError);
    expect(run).toThrow('A call with outcome "answered" needs answeredAt (when the far end answered).');
  });

  it('refuses an end before the answer, whichever of them is stored', () => {
    const msg = 'endedAt cannot be before answeredAt.';
    expect(() => callPatch(aCall(), { outcome: 'answered', answeredAt: at(9), endedAt: at(8) }, NOW)).toThrow(
      msg,
    );
    expect(() =>
      callPatch(aCall({ answered_at: at(9) }), { outcome: 'answered', endedAt: at(8) }, NOW),
    ).toThrow(msg);
    expect(() =>
      callPatch(
        aCall({ outcome: 'abandoned', ended_at: at(8) }),
        { answeredAt: at(9), outcome: 'answered' },
        NOW,
      ),
    ).toThrow(msg);
  });
});

describe('durationSeconds', () => {
  it('is the whole seconds from answer to end, never negative, and none without both', () => {
    expect(durationSeconds(at(0), at(61.4))).toBe(61);
    expect(durationSeconds(at(0), at(61.5))).toBe(62);
    expect(durationSeconds(at(10), at(9))).toBe(0);
    expect(durationSeconds(null, at(9))).toBeNull();
    expect(durationSeconds(at(9), null)).toBeNull();
  });
});
