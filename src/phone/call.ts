/** The one Call implementation shared by every adapter: state changes go through `transition()`. */
import type { CallDirection } from '../shared/domain.js';
import {
  InvalidTransitionError,
  LIVE_CALL_STATES,
  transition,
  type CallEnd,
  type CallEvent,
  type CallState,
  type EndCause,
} from './call-state.js';
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
  qualityOfCall(callId: string): Promise<CallQuality>;
  onCallStateChanged(call: CallImpl, previous: CallState): void;
}

export interface CallInit {
  id: string;
  direction: CallDirection;
  remoteNumber: string;
  remoteName?: string | null;
  callerId?: string | null;
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
  /** The states this call went through, in order (for tests and call records). */
  readonly history: CallState[] = [];

  constructor(
    private readonly owner: CallOwner,
    init: CallInit,
  ) {
    this.id = init.id;
    this.direction = init.direction;
    this.remoteNumber = init.remoteNumber;
    this.remoteName = init.remoteName ?? null;
    this.callerId = init.callerId ?? null;
    // A call is born from the line's `ready` state by `dial` or `incoming`.
    this.state = transition('ready', init.direction === 'outbound' ? 'dial' : 'incoming');
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
   * Apply a provider event. Providers repeat and reorder events (a late 180 after a 183, a second BYE);
   * those are impossible moves for the machine and are ignored here, returning false.
   */
  apply(event: CallEvent): boolean {
    let next: CallState;
    try {
      next = transition(this.state, event);
    } catch (err) {
      if (err instanceof InvalidTransitionError) return false;
      throw err;
    }
    const previous = this.state;
    this.state = next;
    this.history.push(next);
    if (next === 'active' && this.answeredAt === null) this.answeredAt = new Date();
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
}
