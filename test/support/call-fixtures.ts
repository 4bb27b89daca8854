/** Call records written by the call repository, for the analytics and report tests. */
import crypto from 'node:crypto';
import type { Services } from '../../src/server/container.js';
import type { CallRow } from '../../src/server/db/schema.js';
import { CallRepository } from '../../src/server/repositories/call-repository.js';

/** A finished call; times are offsets in ms from `start` (an ISO instant). */
export interface CallSpec {
  userId: string;
  trunkId: string;
  numberId: string;
  start: string;
  remote: string;
  outcome: string;
  direction?: 'outbound' | 'inbound';
  sip?: number;
  pddMs?: number;
  answerMs?: number;
  endMs: number;
  mos?: number;
  jitter?: number;
  loss?: number;
}

export async function addCall(s: Services, c: CallSpec): Promise<void> {
  const t0 = Date.parse(c.start);
  const at = (ms: number | undefined) => (ms === undefined ? null : new Date(t0 + ms).toISOString());
  const answered = at(c.answerMs);
  const ended = c.outcome === 'in_progress' ? null : at(c.endMs);
  const row: CallRow = {
    id: crypto.randomUUID(),
    user_id: c.userId,
    trunk_id: c.trunkId,
    phone_number_id: c.numberId,
    caller_number: null,
    remote_number: c.remote,
    direction: c.direction ?? 'outbound',
    outcome: c.outcome,
    hangup_cause: null,
    sip_code: c.sip ?? null,
    sip_call_id: null,
    started_at: at(0)!,
    answered_at: answered,
    ended_at: ended,
    duration_seconds: answered && ended ? (Date.parse(ended) - Date.parse(answered)) / 1000 : null,
    mos: c.mos ?? null,
    jitter_ms: c.jitter ?? null,
    packet_loss_pct: c.loss ?? null,
    rtt_ms: null,
    invite_at: c.direction === 'inbound' ? null : at(0),
    progress_at: at(c.pddMs),
    ended_by: null,
    interruptions: 0,
    interrupted_at: null,
    recovered_after_ms: null,
    caller_verification: null,
    is_emergency: 0,
    retry_of_call_id: null,
    last_seen_at: at(c.endMs)!,
    created_at: at(0)!,
    updated_at: at(0)!,
  };
  // Through the repository, as the app writes calls: the analytics roll-ups count it too.
  await new CallRepository(s.db).insert(row);
}
