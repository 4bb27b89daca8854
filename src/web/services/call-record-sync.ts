/**
 * Keeps each call's record on the server in step with the call (no reactive state: the call store
 * drives it and shows what it reports).
 *
 * Outbound calls open their record before the INVITE goes out ({@link CallRecordSync.open}: a 422
 * CALLER_ID_NOT_ASSIGNED stops the call), inbound ones when they ring ({@link CallRecordSync.followInbound}).
 * Then, per call and in order: `answeredAt` once answered, each network interruption (when it began,
 * then how long the call took to recover), a heartbeat every 15 s while the call is up
 * (else the server closes the record as abandoned), and one final write with the outcome, end time,
 * cause, SIP code and the last quality sample. A failed write never stops the call; it is reported.
 */
import type { CallDto, CallQualityDto } from '../../shared/api.js';
import type { StartCallRequest, UpdateCallRequest } from '../../shared/call-api.js';
import { isE164 } from '../../shared/value-rules.js';
import { describeEnd, outcomeOf, type Call, type CallQuality } from '../../phone/index.js';
import { heartbeatCallRecord, startCallRecord, updateCallRecord } from '../api/call-records.js';

export const HEARTBEAT_MS = 15_000;
/** How long the final write waits for the phone's last getStats() sample after the call ended. */
export const FINAL_QUALITY_WAIT_MS = 1500;

/** What the sync tells its owner (the call store shows it on the call). */
export interface CallRecordSyncEvents {
  /** The call's record exists (its id), or could not be created (null). */
  recordOpened(callId: string, recordId: string | null): void;
  /** A write failed; the call goes on, the history may miss it. */
  recordFailed(callId: string, message: string): void;
  /** The call's final write is done: the history on the server now has it as it ended. */
  recordClosed(callId: string): void;
}

interface SentFacts {
  sipCallId: string | null;
  inviteAt: boolean;
  progressAt: boolean;
  interruptions: number;
  recovered: boolean;
}

const nothingSent = (): SentFacts => ({
  sipCallId: null,
  inviteAt: false,
  progressAt: false,
  interruptions: 0,
  recovered: false,
});

/** One call's record: its id once known, and its writes queued in order. */
interface Tracked {
  call: Call;
  record: Promise<string | null>;
  resolveRecord: (id: string | null) => void;
  chain: Promise<unknown>;
  answeredSent: boolean;
  /**
   * Facts already written (Call-ID, INVITE time, first 18x; interruptions so far and whether the latest
   * one's recovery time went), so each goes once.
   */
  sent: SentFacts;
  finalised: boolean;
  heartbeat: ReturnType<typeof setInterval> | null;
  lastQuality: CallQuality | null;
  onFinalQuality: ((q: CallQuality) => void) | null;
}

export class CallRecordSync {
  private readonly tracked = new Map<string, Tracked>();

  constructor(private readonly events: CallRecordSyncEvents) {}

  /** Open an outbound call's record before the INVITE. Throws the server's ApiError (e.g. 422). */
  open(request: StartCallRequest): Promise<CallDto> {
    return startCallRecord(request);
  }

  /** The INVITE never went out: close the record at once rather than leave it to be abandoned. */
  async closeUnplaced(recordId: string, outcome: 'cancelled' | 'failed', hangupCause: string): Promise<void> {
    await updateCallRecord(recordId, {
      outcome,
      endedAt: new Date().toISOString(),
      hangupCause: hangupCause.slice(0, 200),
    }).catch(() => undefined);
  }

  /** An outbound call whose record {@link open} created: keep it in step from now on. */
  follow(call: Call, recordId: string | null): void {
    this.recordKnown(this.track(call), recordId);
  }

  /** An inbound call rings: open its record (when the phone knows its connection) and keep it in step. */
  followInbound(call: Call, connectionId: string | null): void {
    const t = this.track(call);
    if (!connectionId) {
      t.resolveRecord(null);
      return;
    }
    t.sent = { ...nothingSent(), sipCallId: call.sipCallId, inviteAt: call.inviteAt !== null };
    startCallRecord({
      connectionId,
      direction: 'inbound',
      remoteNumber: call.remoteNumber || 'unknown',
      callerNumber: call.callerId && isE164(call.callerId) ? call.callerId : null,
      sipCallId: call.sipCallId,
      inviteAt: call.inviteAt?.toISOString() ?? null,
      callerVerification: call.callerVerification,
    })
      .then((record) => this.recordKnown(t, record.id))
      .catch((err: unknown) => {
        this.recordKnown(t, null);
        this.events.recordFailed(call.id, (err as Error).message);
      });
  }

  /**
   * The call changed: send what became known (Call-ID and INVITE time when the INVITE leaves, the first
   * 18x, `answeredAt`) once each, and the final write when it ends.
   */
  stateChanged(call: Call): void {
    const t = this.track(call);
    if (call.state !== 'ended') {
      const body = this.newSignalling(t);
      if ((call.state === 'active' || call.state === 'held') && call.answeredAt && !t.answeredSent) {
        t.answeredSent = true;
        body.answeredAt = call.answeredAt.toISOString();
      }
      if (Object.keys(body).length > 0) void this.write(t, body);
    }
    if (call.state === 'ended' && !t.finalised) {
      t.finalised = true;
      void this.finalise(t);
    }
  }

  /** A quality sample of a call; the last one goes into the final write. */
  quality(callId: string, quality: CallQuality): void {
    const t = this.tracked.get(callId);
    if (!t) return;
    t.lastQuality = quality;
    t.onFinalQuality?.(quality);
  }

  /** The signalling facts the record does not have yet (marked as sent). */
  private newSignalling(t: Tracked): UpdateCallRequest {
    const { call, sent } = t;
    const body: UpdateCallRequest = {};
    if (call.sipCallId && call.sipCallId !== sent.sipCallId) body.sipCallId = sent.sipCallId = call.sipCallId;
    if (call.inviteAt && !sent.inviteAt) {
      sent.inviteAt = true;
      body.inviteAt = call.inviteAt.toISOString();
    }
    if (call.progressAt && !sent.progressAt) {
      sent.progressAt = true;
      body.progressAt = call.progressAt.toISOString();
    }
    // The network path broke (the call shows reconnecting): when, then how long it took to come back.
    if (call.interruptions > sent.interruptions && call.interruptedAt) {
      sent.interruptions = call.interruptions;
      sent.recovered = false;
      body.interruptions = call.interruptions;
      body.interruptedAt = call.interruptedAt.toISOString();
      body.recoveredAfterMs = null;
    }
    if (call.recoveredAfterMs !== null && sent.interruptions > 0 && !sent.recovered) {
      sent.recovered = true;
      body.recoveredAfterMs = Math.round(call.recoveredAfterMs);
    }
    return body;
  }

  private track(call: Call): Tracked {
    let t = this.tracked.get(call.id);
    if (!t) {
      let resolveRecord: (id: string | null) => void = () => undefined;
      const record = new Promise<string | null>((resolve) => (resolveRecord = resolve));
      t = {
        call,
        record,
        resolveRecord,
        chain: Promise.resolve(),
        answeredSent: false,
        sent: nothingSent(),
        finalised: false,
        heartbeat: null,
        lastQuality: null,
        onFinalQuality: null,
      };
      this.tracked.set(call.id, t);
    }
    return t;
  }

  private recordKnown(t: Tracked, id: string | null): void {
    t.resolveRecord(id);
    this.events.recordOpened(t.call.id, id);
    if (id && t.call.state !== 'ended' && t.heartbeat === null) {
      t.heartbeat = setInterval(() => {
        void heartbeatCallRecord(id).catch(() => undefined);
      }, HEARTBEAT_MS);
    }
  }

  /** Queue a write that needs the record id; skipped when the record could not be created. */
  private write(t: Tracked, body: UpdateCallRequest): Promise<unknown> {
    t.chain = t.chain
      .then(() => t.record)
      .then((id) => (id ? updateCallRecord(id, body) : undefined))
      .catch((err: unknown) => this.events.recordFailed(t.call.id, (err as Error).message));
    return t.chain;
  }

  private async finalise(t: Tracked): Promise<void> {
    const { call } = t;
    if (t.heartbeat !== null) clearInterval(t.heartbeat);
    t.heartbeat = null;
    const quality = call.answeredAt ? await this.finalQuality(t) : null;
    const end = call.end ?? { cause: 'failed' as const, sipCode: null, by: 'system' as const, reason: null };
    await this.write(t, {
      ...this.newSignalling(t),
      outcome: outcomeOf(end, call.answeredAt !== null),
      endedBy: end.by,
      ...(call.answeredAt ? { answeredAt: call.answeredAt.toISOString() } : {}),
      endedAt: (call.endedAt ?? new Date()).toISOString(),
      hangupCause: describeEnd(end),
      sipCode: end.sipCode !== null && end.sipCode >= 100 && end.sipCode <= 699 ? end.sipCode : null,
      quality: quality ? qualityDto(quality) : null,
    });
    this.tracked.delete(call.id);
    this.events.recordClosed(call.id);
  }

  /** The phone emits one last sample right after the end; wait a moment for it, else use the latest. */
  private finalQuality(t: Tracked): Promise<CallQuality | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        t.onFinalQuality = null;
        resolve(t.lastQuality);
      }, FINAL_QUALITY_WAIT_MS);
      t.onFinalQuality = (q) => {
        clearTimeout(timer);
        t.onFinalQuality = null;
        resolve(q);
      };
    });
  }
}

/** The server's ranges: a broken getStats() value is sent as null rather than refused with a 400. */
function qualityDto(q: CallQuality): CallQualityDto {
  const clamp = (v: number | null, min: number, max: number): number | null =>
    v === null || !Number.isFinite(v) ? null : Math.min(max, Math.max(min, v));
  return {
    mos: clamp(q.mos, 1, 5),
    jitterMs: clamp(q.jitterMs, 0, 60_000),
    packetLossPct: clamp(q.packetLossPct, 0, 100),
    rttMs: clamp(q.rttMs, 0, 60_000),
  };
}
