/** The one Call implementation shared by every adapter: state changes go through the transition table. */
import type { CallDirection, CallerVerification } from '../shared/domain.js';
import {
  LIVE_CALL_STATES,
  initialCallState,
  nextState,
  type CallEnd,
  type CallEvent,
  type CallState,
  type EndCause,
} from './call-state.js';
import type { PhoneLogger } from './logger.js';
import type { CallQuality } from './quality.js';
import type { Call } from './softphone.js';

/** What a Call needs from its softphone (kept narrow so the Call is testable on its own). */
export interface CallOwner {
  answer(callId?: string): Promise<void>;
  decline(callId?: string): void;
  hangup(callId?: string): void;
  mute(callId?: string): void;
  unmute(callId?: string): void;
  hold(callId?: string): Promise<void>;
  unhold(callId?: string): Promise<void>;
  sendDtmf(digit: string, callId?: string): void;
  transfer(target: string, callId?: string): Promise<void>;
  completeTransfer(callId: string, consultCallId: string): Promise<void>;
  qualityOfCall(callId: string): Promise<CallQuality>;
  onCallStateChanged(call: CallImpl, previous: CallState): void;
  readonly logger: PhoneLogger;
}

export interface CallInit {
  id: string;
  direction: CallDirection;
  remoteNumber: string;
  remoteName?: string | null;
  callerId?: string | null;
  sipCallId?: string | null;
  inviteAt?: Date | null;
  callerVerification?: CallerVerification | null;
}

export class CallImpl implements Call {
  readonly id: string;
  readonly direction: CallDirection;
  readonly remoteNumber: string;
  remoteName: string | null;
  readonly callerId: string | null;
  state: CallState;
  end: CallEnd | null = null;
  muted = false;
  readonly startedAt = new Date();
  answeredAt: Date | null = null;
  endedAt: Date | null = null;
  sipCallId: string | null;
  inviteAt: Date | null;
  progressAt: Date | null = null;
  readonly callerVerification: CallerVerification | null;
  interruptions = 0;
  interruptedAt: Date | null = null;
  recoveredAfterMs: number | null = null;
  heldWhenBack = false;
  /** The states this call went through, in order (for tests and call records). */
  readonly history: CallState[] = [];
  /** Events this call has taken, so a provider repeating one is told apart from an impossible move. */
  private readonly applied = new Set<CallEvent['type']>();

  constructor(
    private readonly owner: CallOwner,
    init: CallInit,
  ) {
    this.id = init.id;
    this.direction = init.direction;
    this.remoteNumber = init.remoteNumber;
    this.remoteName = init.remoteName ?? null;
    this.callerId = init.callerId ?? null;
    this.sipCallId = init.sipCallId ?? null;
    this.inviteAt = init.inviteAt ?? null;
    this.callerVerification = init.callerVerification ?? null;
    this.state = initialCallState(init.direction);
    this.history.push(this.state);
  }

  get cause(): EndCause | null {
    return this.end?.cause ?? null;
  }

  get sipCode(): number | null {
    return this.end?.sipCode ?? null;
  }

  get live(): boolean {
    return LIVE_CALL_STATES.includes(this.state);
  }

  /**
   * Apply a provider event through the call's transition table. Providers repeat and reorder events
   * (JsSIP's `accepted` then `confirmed`, a second BYE, a late 180 after a 183): the move is refused,
   * logged (a repeat at debug level, anything else as a warning), and false is returned.
   */
  apply(event: CallEvent): boolean {
    const next = nextState(this.state, event.type);
    if (next === null) {
      const details = { callId: this.id, from: this.state, event: event.type };
      if (this.applied.has(event.type)) this.owner.logger.debug('repeated call event ignored', details);
      else this.owner.logger.warn('impossible call transition ignored', details);
      return false;
    }
    this.applied.add(event.type);
    const previous = this.state;
    this.state = next;
    this.history.push(next);
    if (next === 'active' && this.answeredAt === null) this.answeredAt = new Date();
    if ((next === 'ringing' || next === 'early_media') && this.direction === 'outbound')
      this.progressAt ??= new Date();
    // Hold pressed while reconnecting is kept here until the call is back (Softphone.hold).
    this.heldWhenBack = event.type === 'interrupted' && previous === 'held';
    if (event.type === 'interrupted') {
      this.interruptions++;
      this.interruptedAt = new Date();
      this.recoveredAfterMs = null;
    }
    if ((event.type === 'recovered' || event.type === 'recovered_on_hold') && this.interruptedAt) {
      this.recoveredAfterMs = Date.now() - this.interruptedAt.getTime();
    }
    if (event.type === 'end') {
      this.end = event.end;
      this.endedAt = new Date();
    }
    this.owner.onCallStateChanged(this, previous);
    return true;
  }

  getQuality(): Promise<CallQuality> {
    return this.owner.qualityOfCall(this.id);
  }
  answer(): Promise<void> {
    return this.owner.answer(this.id);
  }
  decline(): void {
    this.owner.decline(this.id);
  }
  hangup(): void {
    this.owner.hangup(this.id);
  }
  mute(): void {
    this.owner.mute(this.id);
  }
  unmute(): void {
    this.owner.unmute(this.id);
  }
  hold(): Promise<void> {
    return this.owner.hold(this.id);
  }
  unhold(): Promise<void> {
    return this.owner.unhold(this.id);
  }
  sendDtmf(digit: string): void {
    this.owner.sendDtmf(digit, this.id);
  }
  transfer(target: string): Promise<void> {
    return this.owner.transfer(target, this.id);
  }
  completeTransfer(consultCallId: string): Promise<void> {
    return this.owner.completeTransfer(this.id, consultCallId);
  }
}
