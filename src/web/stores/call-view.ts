/**
 * What the page shows of a call: a plain snapshot of the phone's Call, refreshed on every phone event
 * (the call store keeps one per call it shows), and the placeholder of a call still being placed.
 */
import type { CallerVerification } from '../../shared/domain.js';
import { trunkFailureReason } from '../../shared/health.js';
import {
  describeEnd,
  outcomeOf,
  type Call,
  type CallQuality,
  type CallState,
  type EndCause,
} from '../../phone/index.js';

/** What the page shows of a call (a plain snapshot, refreshed on every phone event). */
export interface CallView {
  id: string;
  direction: 'outbound' | 'inbound';
  remoteNumber: string;
  remoteName: string | null;
  /** Our number: the caller ID (outbound) or the number that was called (inbound, when known). */
  callerId: string | null;
  /** Inbound: the carrier's STIR/SHAKEN verdict on the caller ID. */
  callerVerification: CallerVerification | null;
  state: CallState;
  /** Reconnecting: the call comes back on hold (Hold was pressed meanwhile, or it was on hold). */
  heldWhenBack: boolean;
  muted: boolean;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  cause: EndCause | null;
  sipCode: number | null;
  /** "Busy (486)", "Call ended by the other party", ... once ended. */
  endText: string | null;
  quality: CallQuality | null;
  dtmfSent: string;
  dtmfReceived: string;
  /** The server's record id, once created. */
  recordId: string | null;
  /** Why the record could not be written (the call goes on regardless). */
  recordError: string | null;
  /**
   * Outbound, ended: why the call could not be set up because of its trunk (transport error, 408, 5xx;
   * shared/health.ts), which the failover offers to retry on another connection; null otherwise.
   */
  trunkFailure: string | null;
}

/** The id of the outbound call between the click and the phone's own call object (a few ms). */
export const PENDING_ID = 'pending';

/** An inbound call ringing here (the incoming-call dialog's). */
export const ringsHere = (v: CallView): boolean =>
  v.direction === 'inbound' && (v.state === 'ringing' || v.state === 'early_media');

/** The call as the page shows it; what the page added (quality, tones, record) kept from `previous`. */
export function snapshot(call: Call, previous: CallView | null): CallView {
  const same = previous?.id === call.id ? previous : null;
  return {
    id: call.id,
    direction: call.direction,
    remoteNumber: call.remoteNumber,
    remoteName: call.remoteName,
    callerId: call.callerId,
    callerVerification: call.callerVerification,
    state: call.state,
    heldWhenBack: call.heldWhenBack,
    muted: call.muted,
    startedAt: call.startedAt.getTime(),
    answeredAt: call.answeredAt?.getTime() ?? null,
    endedAt: call.endedAt?.getTime() ?? null,
    cause: call.cause,
    sipCode: call.sipCode,
    endText: call.end ? describeEnd(call.end) : null,
    quality: same?.quality ?? null,
    dtmfSent: same?.dtmfSent ?? '',
    dtmfReceived: same?.dtmfReceived ?? '',
    recordId: same?.recordId ?? null,
    recordError: same?.recordError ?? null,
    trunkFailure:
      call.direction === 'outbound' && call.end
        ? trunkFailureReason({
            outcome: outcomeOf(call.end, call.answeredAt !== null),
            sipCode: call.end.sipCode,
            hangupCause: describeEnd(call.end),
            progressAt: call.progressAt?.toISOString() ?? null,
          })
        : null,
  };
}

/** The outbound call between the click and the phone's own call object (a few ms). */
export function pendingView(remoteNumber: string, callerId: string): CallView {
  return {
    id: PENDING_ID,
    direction: 'outbound',
    remoteNumber,
    remoteName: null,
    callerId,
    callerVerification: null,
    state: 'dialing',
    heldWhenBack: false,
    muted: false,
    startedAt: Date.now(),
    answeredAt: null,
    endedAt: null,
    cause: null,
    sipCode: null,
    endText: null,
    quality: null,
    dtmfSent: '',
    dtmfReceived: '',
    recordId: null,
    recordError: null,
    trunkFailure: null,
  };
}
