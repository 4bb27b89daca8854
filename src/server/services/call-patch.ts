/**
 * What a PATCH /api/calls/:id changes in a call record, with the record's rules: a final record never
 * reopens, "answered" needs answeredAt, the end is never before the answer, the duration follows.
 */
import type { UpdateCallBody } from '../../shared/schemas/calls.js';
import { ConflictError, ValidationError } from '../../shared/errors.js';
import type { CallRow } from '../db/schema.js';

type UpdateCallInput = UpdateCallBody;

export function durationSeconds(answeredAt: string | null, endedAt: string | null): number | null {
  if (!answeredAt || !endedAt) return null;
  return Math.max(0, Math.round((Date.parse(endedAt) - Date.parse(answeredAt)) / 1000));
}

export function callPatch(current: CallRow, input: UpdateCallInput, now: Date): Partial<CallRow> {
  const patch: Partial<CallRow> = {};
  if (input.outcome !== undefined) patch.outcome = input.outcome;
  if (input.answeredAt !== undefined) patch.answered_at = input.answeredAt;
  if (input.endedAt !== undefined) patch.ended_at = input.endedAt;
  if (input.hangupCause !== undefined) patch.hangup_cause = input.hangupCause;
  if (input.sipCode !== undefined) patch.sip_code = input.sipCode;
  if (input.sipCallId !== undefined) patch.sip_call_id = input.sipCallId;
  if (input.inviteAt !== undefined) patch.invite_at = input.inviteAt;
  if (input.progressAt !== undefined) patch.progress_at = input.progressAt;
  if (input.endedBy !== undefined) patch.ended_by = input.endedBy;
  // A count that only goes up: a late or repeated report never lowers it.
  if (input.interruptions !== undefined && input.interruptions > current.interruptions) {
    patch.interruptions = input.interruptions;
  }
  if (input.interruptedAt !== undefined) patch.interrupted_at = input.interruptedAt;
  if (input.recoveredAfterMs !== undefined) patch.recovered_after_ms = input.recoveredAfterMs;
  if (input.callerVerification !== undefined) patch.caller_verification = input.callerVerification;
  if (input.quality !== undefined) {
    const q = input.quality;
    if (q === null) Object.assign(patch, { mos: null, jitter_ms: null, packet_loss_pct: null, rtt_ms: null });
    else {
      if (q.mos !== undefined) patch.mos = q.mos;
      if (q.jitterMs !== undefined) patch.jitter_ms = q.jitterMs;
      if (q.packetLossPct !== undefined) patch.packet_loss_pct = q.packetLossPct;
      if (q.rttMs !== undefined) patch.rtt_ms = q.rttMs;
    }
  }

  const outcome = patch.outcome ?? current.outcome;
  const answeredAt = patch.answered_at !== undefined ? patch.answered_at : current.answered_at;
  let endedAt = patch.ended_at !== undefined ? patch.ended_at : current.ended_at;
  if (outcome === 'in_progress' && current.outcome !== 'in_progress') {
    throw new ConflictError(`This call has already ended (${current.outcome}) and cannot be reopened.`, {
      outcome: current.outcome,
    });
  }
  if (outcome === 'in_progress' && patch.ended_at) {
    throw new ValidationError(
      'endedAt needs the call\'s final outcome (e.g. "answered", "busy", "no_answer").',
    );
  }
  if (outcome !== 'in_progress' && !endedAt) {
    endedAt = now.toISOString(); // a final outcome ends the call now unless told otherwise
    patch.ended_at = endedAt;
  }
  if (outcome === 'answered' && !answeredAt) {
    throw new ValidationError('A call with outcome "answered" needs answeredAt (when the far end answered).');
  }
  if (answeredAt && endedAt && Date.parse(endedAt) < Date.parse(answeredAt)) {
    throw new ValidationError('endedAt cannot be before answeredAt.');
  }
  if (patch.answered_at !== undefined || patch.ended_at !== undefined) {
    patch.duration_seconds = durationSeconds(answeredAt, endedAt);
  }
  return patch;
}
