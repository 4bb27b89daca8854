/**
 * The phone's explicit state machines, one per fact: the call's state and the registration's. The
 * line state the page binds its Call button to is not a third machine: {@link lineStateOf} derives it.
 *
 * Call states (one guarded {@link transition} changes them; anything else is refused):
 *
 * ```text
 *  (outbound) ─▶ dialing ─ringing (180)─▶ ringing ◀─ (inbound)
 *
 *  dialing | ringing                ─early_media (183+SDP)─▶ early_media
 *  dialing | ringing | early_media  ─answered─▶ active ─hold─▶ held ─unhold─▶ active
 *
 *  active | held ─interrupted─▶ reconnecting ─recovered─▶ active
 *                                            ─recovered_on_hold─▶ held
 *
 *  dialing | ringing | early_media | active | held | reconnecting ─end(cause)─▶ ended
 * ```
 *
 * `reconnecting`: an answered call whose media or signalling path broke (the network changed, ICE
 * failed, the WebSocket dropped); the phone re-registers if needed and restarts ICE with a re-INVITE.
 * The call is not ended because of it: it goes back to `active` (or `held`, if it was on hold) once
 * the media path works again, or ends only when someone hangs up or the far end gives up.
 *
 * A {@link Call} starts in `dialing` (outbound) or `ringing` (inbound) and finishes in `ended`, with an
 * {@link EndCause} and the SIP code when one is known. `ringing` means "the far end rings" on an
 * outbound call and "our phone rings" on an inbound one; the call's direction says which.
 */
import type { CallDirection } from '../shared/domain.js';
import { PhoneErrorCode } from './errors.js';

/** Every state a call can be in. */
export const CALL_STATES = [
  'dialing',
  'ringing',
  'early_media',
  'active',
  'held',
  'reconnecting',
  'ended',
] as const;
export type CallState = (typeof CALL_STATES)[number];

/** States in which a call exists and has not ended yet. */
export const LIVE_CALL_STATES: readonly CallState[] = [
  'dialing',
  'ringing',
  'early_media',
  'active',
  'held',
  'reconnecting',
];

/** States of a call that was answered and has not ended (hang-up sends BYE, transfer is possible). */
export const ANSWERED_CALL_STATES: readonly CallState[] = ['active', 'held', 'reconnecting'];

/** True while the call is answered and not ended. */
export function isAnswered(state: CallState): boolean {
  return ANSWERED_CALL_STATES.includes(state);
}

/** The state a new call is born in. */
export function initialCallState(direction: CallDirection): CallState {
  return direction === 'outbound' ? 'dialing' : 'ringing';
}

/**
 * Why a call ended, in words a user understands.
 * `normal` = someone hung up after the call was answered (see {@link CallEnd.by}).
 */
export const END_CAUSES = [
  'busy',
  'no_answer',
  'rejected',
  'cancelled',
  'network',
  'failed',
  'normal',
] as const;
export type EndCause = (typeof END_CAUSES)[number];

/** Who ended the call. */
export type EndedBy = 'local' | 'remote' | 'system';

export interface CallEnd {
  cause: EndCause;
  /** Final SIP response code (e.g. 486) when known. */
  sipCode: number | null;
  by: EndedBy;
  /** Provider wording (SIP reason phrase, Telnyx cause), for logs and details. */
  reason: string | null;
  /**
   * We left the call after transferring its party to this number: blind (Softphone.transfer), or
   * attended (Softphone.completeTransfer: on each of the two calls, the other call's number).
   */
  transferredTo?: string;
}

export type CallEvent =
  | { type: 'ringing' }
  | { type: 'early_media' }
  | { type: 'answered' }
  | { type: 'hold' }
  | { type: 'unhold' }
  /** The media or signalling path broke mid-call; the phone is recovering it. */
  | { type: 'interrupted' }
  /**
   * The path works again; `recovered_on_hold` for a call that comes back on hold (it was on hold when
   * it broke, or Hold was pressed while reconnecting: Call.heldWhenBack).
   */
  | { type: 'recovered' }
  | { type: 'recovered_on_hold' }
  | { type: 'end'; end: CallEnd };
export type CallEventType = CallEvent['type'];

/** The whole transition table: state -> event -> next state. Missing entries are impossible moves. */
const TABLE: Readonly<Record<CallState, Partial<Record<CallEventType, CallState>>>> = {
  dialing: { ringing: 'ringing', early_media: 'early_media', answered: 'active', end: 'ended' },
  ringing: { early_media: 'early_media', answered: 'active', end: 'ended' },
  early_media: { answered: 'active', end: 'ended' },
  active: { hold: 'held', interrupted: 'reconnecting', end: 'ended' },
  held: { unhold: 'active', interrupted: 'reconnecting', end: 'ended' },
  reconnecting: { recovered: 'active', recovered_on_hold: 'held', end: 'ended' },
  ended: {},
};

export class InvalidTransitionError extends Error {
  readonly code = PhoneErrorCode.InvalidTransition;
  constructor(
    readonly from: CallState,
    readonly event: CallEventType,
  ) {
    super(`cannot ${event} while ${from}`);
    this.name = 'InvalidTransitionError';
  }
}

/** The next state, or null when `event` is impossible in `from`. */
export function nextState(from: CallState, event: CallEventType): CallState | null {
  return TABLE[from][event] ?? null;
}

export function canTransition(from: CallState, event: CallEventType): boolean {
  return nextState(from, event) !== null;
}

/** The only way to change a call's state. Throws {@link InvalidTransitionError} on an impossible move. */
export function transition(from: CallState, event: CallEvent | CallEventType): CallState {
  const type = typeof event === 'string' ? event : event.type;
  const to = nextState(from, type);
  if (to === null) throw new InvalidTransitionError(from, type);
  return to;
}

/** Every allowed (from, event, to) triple; used by tests and docs. */
export function allowedTransitions(): { from: CallState; event: CallEventType; to: CallState }[] {
  const out: { from: CallState; event: CallEventType; to: CallState }[] = [];
  for (const from of CALL_STATES) {
    for (const [event, to] of Object.entries(TABLE[from]) as [CallEventType, CallState][]) {
      out.push({ from, event, to });
    }
  }
  return out;
}

/** Maps a final SIP response code to the cause a user understands. */
export function causeFromSipCode(code: number): EndCause {
  if (code === 486 || code === 600) return 'busy';
  if (code === 408 || code === 480) return 'no_answer';
  if (code === 403 || code === 603 || code === 488 || code === 606) return 'rejected';
  if (code === 487) return 'cancelled';
  if (code === 503 || code === 504) return 'network';
  if (code >= 200 && code < 300) return 'normal';
  return 'failed';
}

const CAUSE_TEXT: Record<EndCause, string> = {
  busy: 'Busy',
  no_answer: 'No answer',
  rejected: 'Call rejected',
  cancelled: 'Cancelled',
  network: 'Network problem',
  failed: 'Call failed',
  normal: 'Call ended',
};

/** "Busy (486)", "Call ended by the other party", "Network problem". */
export function describeEnd(end: CallEnd): string {
  if (end.transferredTo) return `Transferred to ${end.transferredTo}`;
  let text = CAUSE_TEXT[end.cause];
  if (end.cause === 'normal') text = end.by === 'remote' ? 'Call ended by the other party' : 'Call ended';
  return end.sipCode !== null && end.sipCode >= 300 ? `${text} (${end.sipCode})` : text;
}

/** The server's call outcome for a finished call (see shared CallOutcome). */
export function outcomeOf(
  end: CallEnd,
  answered: boolean,
): 'answered' | 'busy' | 'no_answer' | 'rejected' | 'cancelled' | 'failed' {
  if (answered) return 'answered';
  switch (end.cause) {
    case 'busy':
      return 'busy';
    case 'no_answer':
      return 'no_answer';
    case 'rejected':
      return 'rejected';
    case 'cancelled':
    case 'normal':
      return 'cancelled';
    case 'network':
    case 'failed':
      return 'failed';
  }
}

/**
 * Registration of the line with the provider: the one source of truth for "can this phone call".
 *
 * ```text
 * unregistered ─▶ registering ─▶ registered ─(socket lost)─▶ reconnecting(attempt, nextRetryInMs)
 *       ▲              │  ▲                                        │    │
 *       │              ▼  └──────────── re-registered ─────────────┘    │ gave up / rejected
 *       └──────── failed(reason) ◀──────────────────────────────────────┘
 * ```
 *
 * `failed` is not always final: after a transport error the SIP stack keeps retrying, so `failed` may
 * still move to `reconnecting` or `registered`. Any state may go back to `unregistered` (unregister()).
 */
export type RegistrationState =
  | { status: 'unregistered' }
  | { status: 'registering' }
  | { status: 'registered' }
  | {
      status: 'failed';
      /** Plain words for anyone ("Cannot reach the phone server."). */
      reason: string;
      sipCode: number | null;
      /** The operator's detail (server address, WebSocket close code, provider text): admins and logs only. */
      detail?: string;
    }
  | { status: 'reconnecting'; attempt: number; nextRetryInMs: number };
export type RegistrationStatus = RegistrationState['status'];

/** The registration moves the diagram allows (a repeated status with new details counts as a move). */
const REGISTRATION_MOVES: Readonly<Record<RegistrationStatus, readonly RegistrationStatus[]>> = {
  unregistered: ['registering'],
  registering: ['registered', 'failed', 'reconnecting', 'unregistered'],
  registered: ['reconnecting', 'failed', 'unregistered'],
  reconnecting: ['reconnecting', 'registered', 'failed', 'unregistered'],
  failed: ['failed', 'registering', 'reconnecting', 'registered', 'unregistered'],
};

export function canChangeRegistration(from: RegistrationStatus, to: RegistrationStatus): boolean {
  return REGISTRATION_MOVES[from].includes(to);
}

/**
 * What the line is doing, for the page's Call button: the current call's state while one is live,
 * else `ready` (registered, or reconnecting: a call in progress survives a reconnect), `registering`,
 * or `idle` (unregistered or failed). Derived every time, never stored.
 */
export type LineState = 'idle' | 'registering' | 'ready' | CallState;

export function lineStateOf(
  registration: RegistrationState,
  call: { readonly state: CallState } | null,
): LineState {
  if (call && LIVE_CALL_STATES.includes(call.state)) return call.state;
  switch (registration.status) {
    case 'registered':
    case 'reconnecting':
      return 'ready';
    case 'registering':
      return 'registering';
    case 'unregistered':
    case 'failed':
      return 'idle';
  }
}
