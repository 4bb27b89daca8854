/** Call rows to the API's shapes: one place that decides rounding and null handling for both databases. */
import type { CallDto } from '../../shared/api.js';
import type { CallStatsFigures } from '../../shared/call-api.js';
import type { CallDirection, CallEndedBy, CallOutcome, CallerVerification } from '../../shared/domain.js';
import type { CallAggregateRow, CallListRow } from '../repositories/call-repository.js';

export function round(n: number | null, digits: number): number | null {
  if (n === null) return null;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function toCallDto(row: CallListRow): CallDto {
  const hasQuality =
    row.mos !== null || row.jitter_ms !== null || row.packet_loss_pct !== null || row.rtt_ms !== null;
  return {
    id: row.id,
    userId: row.user_id,
    connectionId: row.trunk_id,
    connectionName: row.trunk_name,
    phoneNumberId: row.phone_number_id,
    callerNumber: row.caller_number,
    remoteNumber: row.remote_number,
    direction: row.direction as CallDirection,
    outcome: row.outcome as CallOutcome,
    hangupCause: row.hangup_cause,
    sipCode: row.sip_code,
    sipCallId: row.sip_call_id,
    startedAt: row.started_at,
    inviteAt: row.invite_at,
    progressAt: row.progress_at,
    pddMs: row.invite_at && row.progress_at ? Date.parse(row.progress_at) - Date.parse(row.invite_at) : null,
    answeredAt: row.answered_at,
    endedAt: row.ended_at,
    endedBy: row.ended_by as CallEndedBy | null,
    durationSeconds: row.duration_seconds,
    interruptions: row.interruptions,
    interruptedAt: row.interrupted_at,
    recoveredAfterMs: row.recovered_after_ms,
    callerVerification: row.caller_verification as CallerVerification | null,
    isEmergency: row.is_emergency === 1,
    retryOfCallId: row.retry_of_call_id,
    // float4 on PostgreSQL: round so both databases answer the same figures.
    quality: hasQuality
      ? {
          mos: round(row.mos, 2),
          jitterMs: round(row.jitter_ms, 2),
          packetLossPct: round(row.packet_loss_pct, 2),
          rttMs: round(row.rtt_ms, 2),
        }
      : null,
  };
}

export function figures(r: CallAggregateRow): CallStatsFigures {
  return {
    calls: r.calls,
    answered: r.answered,
    answerRate: r.calls > 0 ? round(r.answered / r.calls, 4) : null,
    avgDurationSeconds: round(r.avg_duration, 1),
    avgMos: round(r.avg_mos, 2),
  };
}
