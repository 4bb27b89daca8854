/**
 * Call rows -> the calls API (call-mapper.ts): every field lands where the history page reads it, the
 * post-dial delay needs both of its times, the quality block exists once any figure does, and figures are
 * rounded the same for both databases (PostgreSQL's float4 would otherwise show 4.199999809).
 */
import { describe, expect, it } from 'vitest';
import type { CallListRow } from '../../../src/server/repositories/call-repository.js';
import { figures, round, toCallDto } from '../../../src/server/services/call-mapper.js';

function aRow(o: Partial<CallListRow> = {}): CallListRow {
  return {
    id: 'call-1',
    user_id: 'user-1',
    trunk_id: 'trunk-1',
    phone_number_id: 'number-1',
    caller_number: '+13125550100',
    remote_number: '+14155550123',
    direction: 'inbound',
    outcome: 'answered',
    hangup_cause: 'normal_clearing',
    sip_code: 200,
    sip_call_id: 'abc@host',
    started_at: '2026-11-24T17:30:00.000Z',
    answered_at: '2026-11-24T17:30:05.000Z',
    ended_at: '2026-11-24T17:31:05.000Z',
    duration_seconds: 60,
    mos: null,
    jitter_ms: null,
    packet_loss_pct: null,
    rtt_ms: null,
    invite_at: '2026-11-24T17:30:00.250Z',
    progress_at: '2026-11-24T17:30:01.500Z',
    ended_by: 'remote',
    interruptions: 2,
    interrupted_at: '2026-11-24T17:30:40.000Z',
    recovered_after_ms: 850,
    caller_verification: 'verified',
    is_emergency: 1,
    retry_of_call_id: 'call-0',
    last_seen_at: '2026-11-24T17:31:05.000Z',
    created_at: '2026-11-24T17:30:00.000Z',
    updated_at: '2026-11-24T17:31:05.000Z',
    trunk_name: 'Chicago',
    user_email: 'ana@example.test',
    ...o,
  };
}

describe('toCallDto', () => {
  it('copies every field, computes the post-dial delay and has no quality without figures', () => {
    expect(toCallDto(aRow())).toStrictEqual({
      id: 'call-1',
      userId: 'user-1',
      connectionId: 'trunk-1',
      connectionName: 'Chicago',
      phoneNumberId: 'number-1',
      callerNumber: '+13125550100',
      remoteNumber: '+14155550123',
      direction: 'inbound',
      outcome: 'answered',
      hangupCause: 'normal_clearing',
      sipCode: 200,
      sipCallId: 'abc@host',
      startedAt: '2026-11-24T17:30:00.000Z',
      inviteAt: '2026-11-24T17:30:00.250Z',
      progressAt: '2026-11-24T17:30:01.500Z',
      pddMs: 1250,
      answeredAt: '2026-11-24T17:30:05.000Z',
      endedAt: '2026-11-24T17:31:05.000Z',
      endedBy: 'remote',
      durationSeconds: 60,
      interruptions: 2,
      interruptedAt: '2026-11-24T17:30:40.000Z',
      recoveredAfterMs: 850,
      callerVerification: 'verified',
      isEmergency: true,
      retryOfCallId: 'call-0',
      quality: null,
    });
  });

  it('has no post-dial delay without the INVITE time or without the first answer', () => {
    expect(toCallDto(aRow({ invite_at: null })).pddMs).toBeNull();
    expect(toCallDto(aRow({ progress_at: null })).pddMs).toBeNull();
  });

  it('is an emergency call only for is_emergency 1', () => {
    expect(toCallDto(aRow({ is_emergency: 0 })).isEmergency).toBe(false);
  });

  it('shows the quality block once any one figure is known, rounded to two digits', () => {
    expect(toCallDto(aRow({ mos: 4.199999809 })).quality).toStrictEqual({
      mos: 4.2,
      jitterMs: null,
      packetLossPct: null,
      rttMs: null,
    });
    expect(toCallDto(aRow({ jitter_ms: 3.14159 })).quality).toStrictEqual({
      mos: null,
      jitterMs: 3.14,
      packetLossPct: null,
      rttMs: null,
    });
    expect(toCallDto(aRow({ packet_loss_pct: 0.005 })).quality).toStrictEqual({
      mos: null,
      jitterMs: null,
      packetLossPct: 0.01,
      rttMs: null,
    });
    expect(toCallDto(aRow({ rtt_ms: 0 })).quality).toStrictEqual({
      mos: null,
      jitterMs: null,
      packetLossPct: null,
      rttMs: 0,
    });
  });
});

describe('round', () => {
  it('rounds half up to the digits asked for and keeps null', () => {
    expect(round(null, 2)).toBeNull();
    expect(round(1.005 * 1000, 0)).toBe(1005);
    expect(round(2.345678, 4)).toBe(2.3457);
    expect(round(2.35, 1)).toBe(2.4);
    expect(round(7.5, 0)).toBe(8);
  });
});

describe('figures', () => {
  it('answers the rate to four digits and the averages to one and two', () => {
    expect(
      figures({ key_id: 't', key_label: 'T', calls: 3, answered: 2, avg_duration: 61.26, avg_mos: 4.1234 }),
    ).toStrictEqual({ calls: 3, answered: 2, answerRate: 0.6667, avgDurationSeconds: 61.3, avgMos: 4.12 });
  });

  it('has no rate without calls and keeps unknown averages null', () => {
    expect(
      figures({ key_id: null, key_label: null, calls: 0, answered: 0, avg_duration: null, avg_mos: null }),
    ).toStrictEqual({ calls: 0, answered: 0, answerRate: null, avgDurationSeconds: null, avgMos: null });
  });
});
