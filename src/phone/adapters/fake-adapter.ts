/**
 * A fake provider (like mediasoup-client's FakeHandler): no network, no media, deterministic. Stores,
 * the state machine and pages can be tested in Node; the test plays the far end through `fake.remote`.
 */
import type { RegistrationDto } from '../../shared/api.js';
import { causeFromSipCode, isAnswered, type CallEnd } from '../call-state.js';
import { BaseSoftphone, type StatsSource } from '../base-softphone.js';
import type { CallImpl } from '../call.js';
import type { DialOptions, SoftphoneOptions } from '../softphone.js';

export interface FakeSoftphoneOptions extends SoftphoneOptions {
  /** Registration outcome: 'ok' (default), or a failure reason, e.g. 'wrong password'. */
  registration?: 'ok' | { fail: string; sipCode?: number };
  /** Delay before a registration settles, ms (default 0 = next microtask). */
  registerDelayMs?: number;
  /** Let the far end answer outbound calls by itself after this many ms (default: never). */
  autoAnswerMs?: number;
  /** How the far end takes a transfer: 'accept' (default), or the reason it fails. */
  transfer?: 'accept' | { fail: string };
}

/** What the fake far end did, for assertions. */
export type FakeAction =
  | { type: 'register'; reg: RegistrationDto }
  | { type: 'unregister' }
  | { type: 'invite'; callId: string; destination: string; callerId: string }
  | { type: 'answer'; callId: string }
  | { type: 'decline'; callId: string }
  | { type: 'bye'; callId: string }
  | { type: 'cancel'; callId: string }
  | { type: 'mute'; callId: string; muted: boolean }
  | { type: 'hold'; callId: string; hold: boolean; whenBack?: boolean }
  | { type: 'dtmf'; callId: string; digit: string; mode: 'rfc2833' | 'info' }
  | { type: 'transfer'; callId: string; target: string; replaces?: string }
  /** An incoming call found both lines taken and was answered busy (486). */
  | { type: 'busy'; from: string };

let active = 0;

export class FakeSoftphone extends BaseSoftphone {
  readonly provider = 'fake' as const;
  readonly actions: FakeAction[] = [];
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private registered = false;
  private readonly fakeOptions: FakeSoftphoneOptions;

  /** Number of fake "user agents" currently registered across all instances. */
  static activeCount(): number {
    return active;
  }

  constructor(options: FakeSoftphoneOptions = {}) {
    super({ ringtone: false, ...options });
    this.fakeOptions = options;
  }

  /** The far end and the network, driven by the test. */
  readonly remote = {
    ringing: (callId?: string): void => this.withCall(callId, (c) => c.apply({ type: 'ringing' })),
    earlyMedia: (callId?: string): void => this.withCall(callId, (c) => c.apply({ type: 'early_media' })),
    answer: (callId?: string): void => this.withCall(callId, (c) => c.apply({ type: 'answered' })),
    /** Final failure response to our INVITE (486 busy, 480 no answer, 603 decline...). */
    reject: (sipCode: number, callId?: string): void =>
      this.withCall(callId, (c) =>
        this.endCall(c, {
          cause: causeFromSipCode(sipCode),
          sipCode,
          by: 'remote',
          reason: `SIP ${sipCode}`,
        }),
      ),
    hangup: (callId?: string): void =>
      this.withCall(callId, (c) => {
        const answered = isAnswered(c.state);
        this.endCall(
          c,
          answered
            ? { cause: 'normal', sipCode: 200, by: 'remote', reason: 'BYE' }
            : { cause: 'cancelled', sipCode: 487, by: 'remote', reason: 'CANCEL' },
        );
      }),
    /** An inbound call arrives. Returns the call id, or null when both lines were taken (busy). */
    call: (
      from: string,
      opts: { name?: string; to?: string; verification?: 'verified' | 'not_verified' | 'failed' } = {},
    ): string | null => {
      if (!this.hasRoomForIncoming()) {
        this.actions.push({ type: 'busy', from });
        return null;
      }
      const call = this.addCall({
        id: this.newCallId(),
        direction: 'inbound',
        remoteNumber: from,
        remoteName: opts.name ?? null,
        callerId: opts.to ?? null,
        sipCallId: `fake-${this.newCallId()}`,
        inviteAt: new Date(),
        callerVerification: opts.verification ?? null,
      });
      return call.id;
    },
    /** The socket dropped; the fake reconnects after `attempts` tries of `retryMs` each. */
    dropConnection: (attempts = 1, retryMs = 10): void => {
      for (let i = 1; i <= attempts; i++) {
        this.later((i - 1) * retryMs, () =>
          this.setRegistrationState({ status: 'reconnecting', attempt: i, nextRetryInMs: retryMs }),
        );
      }
      this.later(attempts * retryMs, () => this.setRegistrationState({ status: 'registered' }));
    },
    /**
     * The network path changed mid-call: the call goes `reconnecting` and, after `recoverAfterMs`
     * (default: never, call `recover()`), back to where it was (active or held).
     */
    pathLost: (opts: { recoverAfterMs?: number; callId?: string } = {}): void =>
      this.withCall(opts.callId, (c) => {
        if (!c.apply({ type: 'interrupted' })) return;
        if (opts.recoverAfterMs !== undefined)
          this.later(opts.recoverAfterMs, () => this.remote.recover(c.id));
      }),
    /** The path works again (ICE restarted): the call is back. */
    recover: (callId?: string): void =>
      this.withCall(callId, (c) => {
        c.apply({ type: c.heldWhenBack ? 'recovered_on_hold' : 'recovered' });
      }),
    /** The network failed mid-call. */
    networkFailure: (callId?: string): void =>
      this.withCall(callId, (c) =>
        this.endCall(c, { cause: 'network', sipCode: null, by: 'system', reason: 'transport error' }),
      ),
  };

  protected doRegister(reg: RegistrationDto): Promise<void> {
    this.actions.push({ type: 'register', reg });
    const outcome = this.fakeOptions.registration ?? 'ok';
    this.later(this.fakeOptions.registerDelayMs ?? 0, () => {
      if (this.registration !== reg) return; // superseded
      if (outcome === 'ok') {
        if (!this.registered) active++;
        this.registered = true;
        this.setRegistrationState({ status: 'registered' });
      } else {
        this.setRegistrationState({
          status: 'failed',
          reason: outcome.fail,
          sipCode: outcome.sipCode ?? null,
        });
      }
    });
    return Promise.resolve();
  }

  protected doUnregister(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.registered) {
      active--;
      this.registered = false;
      this.actions.push({ type: 'unregister' });
    }
    return Promise.resolve();
  }

  protected doCall(call: CallImpl, opts: DialOptions): void {
    this.actions.push({
      type: 'invite',
      callId: call.id,
      destination: opts.destination,
      callerId: opts.callerId,
    });
    // Like JsSIP: the INVITE (and its Call-ID) leaves a moment after call() returns.
    this.later(0, () => this.noteSignalling(call, { sipCallId: `fake-${call.id}`, inviteAt: new Date() }));
    const after = this.fakeOptions.autoAnswerMs;
    if (after !== undefined) {
      this.later(after, () => {
        call.apply({ type: 'ringing' });
        call.apply({ type: 'answered' });
      });
    }
  }

  protected doAnswer(call: CallImpl): Promise<void> {
    this.actions.push({ type: 'answer', callId: call.id });
    call.apply({ type: 'answered' });
    return Promise.resolve();
  }

  protected doDecline(call: CallImpl): void {
    this.actions.push({ type: 'decline', callId: call.id });
  }

  protected doHangup(call: CallImpl): void {
    this.actions.push({ type: isAnswered(call.state) ? 'bye' : 'cancel', callId: call.id });
  }

  protected doMute(call: CallImpl, muted: boolean): void {
    this.actions.push({ type: 'mute', callId: call.id, muted });
  }

  override get holdsWhileReconnecting(): boolean {
    return true;
  }

  override get transferUnavailableReason(): string | null {
    return null;
  }

  protected override doTransfer(call: CallImpl, target: string): Promise<void> {
    this.actions.push({ type: 'transfer', callId: call.id, target });
    const how = this.fakeOptions.transfer ?? 'accept';
    return how === 'accept' ? Promise.resolve() : Promise.reject(new Error(how.fail));
  }

  protected override doAttendedTransfer(call: CallImpl, consult: CallImpl): Promise<void> {
    this.actions.push({
      type: 'transfer',
      callId: call.id,
      target: consult.remoteNumber,
      replaces: consult.id,
    });
    const how = this.fakeOptions.transfer ?? 'accept';
    return how === 'accept' ? Promise.resolve() : Promise.reject(new Error(how.fail));
  }

  protected doHold(call: CallImpl, hold: boolean): Promise<void> {
    this.actions.push({ type: 'hold', callId: call.id, hold });
    return Promise.resolve();
  }

  protected override doHoldWhenBack(call: CallImpl, hold: boolean): Promise<void> {
    this.actions.push({ type: 'hold', callId: call.id, hold, whenBack: true });
    return Promise.resolve();
  }

  protected doDtmf(call: CallImpl, digit: string): void {
    this.actions.push({
      type: 'dtmf',
      callId: call.id,
      digit,
      mode: this.registration?.dtmfMode ?? 'rfc2833',
    });
  }

  /** Pretends media flows once answered: ~64 kbit/s both ways, 20 ms RTT, no loss. */
  protected statsSource(call: CallImpl): StatsSource | null {
    if (!call.answeredAt) return null;
    const seconds = ((call.endedAt ?? new Date()).getTime() - call.answeredAt.getTime()) / 1000;
    const bytes = Math.round(seconds * 8000) + 160;
    const report = new Map<string, Record<string, unknown>>([
      ['out', { id: 'out', type: 'outbound-rtp', kind: 'audio', bytesSent: bytes }],
      [
        'in',
        {
          id: 'in',
          type: 'inbound-rtp',
          kind: 'audio',
          bytesReceived: bytes,
          jitter: 0.002,
          packetsLost: 0,
          packetsReceived: Math.max(1, Math.round(seconds * 50)),
        },
      ],
      ['rin', { id: 'rin', type: 'remote-inbound-rtp', kind: 'audio', roundTripTime: 0.02 }],
    ]);
    return { getStats: () => Promise.resolve(report) };
  }

  /** For tests: end a call as if the far end sent this final state. */
  endWith(end: CallEnd, callId?: string): void {
    this.withCall(callId, (c) => this.endCall(c, end));
  }

  private withCall(callId: string | undefined, fn: (call: CallImpl) => void): void {
    const call = this.findCall(callId);
    if (!call) throw new Error('fake: no such call');
    fn(call);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}

export function createFakeSoftphone(options?: FakeSoftphoneOptions): FakeSoftphone {
  return new FakeSoftphone(options);
}
