/**
 * What every adapter shares: validation, the registration, Call objects, events, quality polling,
 * ringtone and the remote audio element. Adapters implement only the provider-specific `do*` hooks.
 *
 * Over 400 lines because it is the whole Softphone contract in one place (public API with two lines and
 * both transfers, the hooks, the CallOwner side every Call calls back into), in sections; the rules
 * across calls (lines.ts), quality sampling (quality-monitor.ts), the remote audio element
 * (remote-audio.ts), the state machines (call-state.ts) and the helpers (phone-helpers.ts) are apart.
 */
import type { Provider } from '../shared/domain.js';
import type { RegistrationDto } from '../shared/api.js';
import { isE164 } from '../shared/value-rules.js';
import {
  canChangeRegistration,
  isAnswered,
  lineStateOf,
  type CallEnd,
  type CallEvent,
  type CallState,
  type LineState,
  type RegistrationState,
} from './call-state.js';
import { CallImpl, type CallInit, type CallOwner } from './call.js';
import { TypedEmitter } from './emitter.js';
import { PhoneErrorCode, PhoneErrorException } from './errors.js';
import { consoleLogger, type PhoneLogger } from './logger.js';
import type { CallQuality } from './quality.js';
import { QualityMonitor, type StatsSource } from './quality-monitor.js';
import { RemoteAudio } from './remote-audio.js';
import { nextFocus, outboundBlocked, ringKind, roomForIncoming } from './lines.js';
import { createRingtone, type Ringtone } from './ringtone.js';
import {
  DTMF_DIGIT,
  type AudioDevices,
  type Call,
  type DialOptions,
  type Softphone,
  type SoftphoneEvents,
  type SoftphoneOptions,
} from './softphone.js';
import {
  assertDialableNumbers,
  definedOnly,
  errorMessage,
  newCallId,
  notRegisteredMessage,
  sameRegistration,
} from './phone-helpers.js';

export { errorMessage } from './phone-helpers.js';

/** A call waiting during another call: one short, quiet beep every 4 s instead of the full ring. */
const WAITING_TONE = { volume: 0.05, onMs: 300, offMs: 3700 };
export type { StatsSource } from './quality-monitor.js';

export abstract class BaseSoftphone extends TypedEmitter<SoftphoneEvents> implements Softphone, CallOwner {
  abstract readonly provider: Provider | 'fake';

  protected registration: RegistrationDto | null = null;
  protected devices: AudioDevices = {};
  protected readonly options: SoftphoneOptions;
  protected destroyed = false;
  readonly logger: PhoneLogger;
  private regState: RegistrationState = { status: 'unregistered' };
  private readonly byId = new Map<string, CallImpl>();
  private current: CallImpl | null = null;
  private readonly quality = new QualityMonitor((callId) => {
    const call = this.byId.get(callId);
    return call ? this.statsSource(call) : undefined;
  });
  /** The full ringtone, and the short quiet tone of a call waiting during another call (lines.ts). */
  private ringtone: Ringtone | null = null;
  private waitingTone: Ringtone | null = null;
  /** Calls being answered: they no longer ring while the other call is put on hold. */
  private readonly answering = new Set<string>();
  private readonly remoteAudio: RemoteAudio;

  constructor(options: SoftphoneOptions = {}) {
    super();
    this.options = options;
    this.logger = options.logger ?? consoleLogger;
    this.remoteAudio = new RemoteAudio(options.audioElement ?? null);
  }

  // ---- provider hooks -------------------------------------------------------------------------

  /** Start registering; report progress through setRegistrationState(). */
  protected abstract doRegister(reg: RegistrationDto): Promise<void>;
  /** Stop the UA / client, close the socket, drop provider listeners. Must be idempotent. */
  protected abstract doUnregister(): Promise<void>;
  protected abstract doCall(call: CallImpl, opts: DialOptions): void;
  protected abstract doAnswer(call: CallImpl): Promise<void>;
  protected abstract doDecline(call: CallImpl): void;
  protected abstract doHangup(call: CallImpl): void;
  protected abstract doMute(call: CallImpl, muted: boolean): void;
  protected abstract doHold(call: CallImpl, hold: boolean): Promise<void>;
  /**
   * The reconnecting `call` is to come back on hold (or not): see {@link Call.heldWhenBack}. An adapter
   * that cannot choose refuses, and the call comes back as it was.
   */
  protected doHoldWhenBack(call: CallImpl, _hold: boolean): Promise<void> {
    return Promise.reject(
      new PhoneErrorException(
        PhoneErrorCode.NotSupported,
        'The call is reconnecting; put it on hold once it is back.',
        call.id,
      ),
    );
  }
  protected abstract doDtmf(call: CallImpl, digit: string): void;
  /**
   * Ask the other party to call `target` (blind transfer). Resolves when they accepted; rejects with a
   * message fit for the user when they refused or failed. Only for adapters whose
   * transferUnavailableReason is null.
   */
  protected doTransfer(call: CallImpl, _target: string): Promise<void> {
    return Promise.reject(new Error(`${this.provider} cannot transfer call ${call.id}`));
  }
  /**
   * Ask the party of `call` to take the place of our leg of `consult` (attended transfer). Resolves
   * when they did (or accepted and went quiet); rejects with words fit for the user otherwise.
   */
  protected doAttendedTransfer(call: CallImpl, _consult: CallImpl): Promise<void> {
    return Promise.reject(new Error(`${this.provider} cannot transfer call ${call.id}`));
  }
  protected abstract statsSource(call: CallImpl): StatsSource | null;
  /** Open the microphone ahead of the next call (optional; see Softphone.prepareMedia). */
  prepareMedia(): Promise<void> {
    return Promise.resolve();
  }
  /** Switch the microphone of a live call (optional). */
  protected doSetInputDevice(_call: CallImpl, _deviceId: string): Promise<void> {
    return Promise.resolve();
  }

  // ---- public API -----------------------------------------------------------------------------

  get registrationState(): RegistrationState {
    return this.regState;
  }

  get connectionId(): string | null {
    return this.registration?.connectionId ?? null;
  }

  get lineState(): LineState {
    return lineStateOf(this.regState, this.current);
  }

  get currentCall(): Call | null {
    return this.current;
  }

  get calls(): readonly Call[] {
    return this.liveCalls();
  }

  async register(reg: RegistrationDto): Promise<void> {
    this.assertAlive();
    if (reg.provider !== this.provider && this.provider !== 'fake') {
      throw new PhoneErrorException(
        PhoneErrorCode.WrongProvider,
        `This phone speaks ${this.provider}, not ${reg.provider}.`,
      );
    }
    if (this.registration) await this.unregister();
    this.registration = reg;
    this.setRegistrationState({ status: 'registering' });
    const settled = new Promise<void>((resolve, reject) => {
      const off = this.on('registrationState', (s) => {
        if (s.status === 'registered') {
          off();
          resolve();
        } else if (s.status === 'failed' || s.status === 'unregistered') {
          off();
          const reason = s.status === 'failed' ? s.reason : 'Registration was cancelled.';
          reject(new PhoneErrorException(PhoneErrorCode.RegistrationFailed, reason));
        }
      });
    });
    try {
      await this.doRegister(reg);
    } catch (err) {
      if (this.regState.status === 'registering') {
        this.setRegistrationState({ status: 'failed', reason: errorMessage(err), sipCode: null });
      }
    }
    return settled;
  }

  async unregister(): Promise<void> {
    for (const call of this.byId.values()) {
      if (call.live) this.hangup(call.id);
    }
    const had = this.registration !== null;
    this.registration = null;
    await this.doUnregister();
    if (had || this.regState.status !== 'unregistered') this.setRegistrationState({ status: 'unregistered' });
  }

  call(opts: DialOptions): Call {
    this.assertAlive();
    if (!this.registration || this.regState.status !== 'registered') {
      throw new PhoneErrorException(PhoneErrorCode.NotRegistered, notRegisteredMessage(this.regState));
    }
    assertDialableNumbers(opts);
    const blocked = outboundBlocked(this.liveCalls());
    if (blocked !== null) throw new PhoneErrorException(PhoneErrorCode.BusyLine, blocked);
    const call = this.addCall({
      id: this.newCallId(),
      direction: 'outbound',
      remoteNumber: opts.destination,
      callerId: opts.callerId,
    });
    try {
      this.doCall(call, opts);
    } catch (err) {
      this.endCall(call, { cause: 'failed', sipCode: null, by: 'system', reason: errorMessage(err) });
      this.reportError(
        PhoneErrorCode.CallFailed,
        `The call could not start: ${errorMessage(err)}`,
        call.id,
        err,
      );
    }
    return call;
  }

  async answer(callId?: string): Promise<void> {
    const call = this.requireCall(callId);
    if (call.direction !== 'inbound' || (call.state !== 'ringing' && call.state !== 'early_media')) return;
    this.stopRinging();
    this.answering.add(call.id);
    try {
      // One party at a time: the call in progress waits on hold while this one is taken.
      await this.holdOthers(call);
      this.current = call;
      await this.doAnswer(call);
    } finally {
      this.answering.delete(call.id);
    }
  }

  decline(callId?: string): void {
    const call = this.requireCall(callId);
    if (call.direction !== 'inbound' || !call.live || isAnswered(call.state)) return;
    this.stopRinging();
    this.doDecline(call);
    this.endCall(call, { cause: 'rejected', sipCode: 603, by: 'local', reason: 'Declined' });
  }

  hangup(callId?: string): void {
    const call = this.findCall(callId);
    if (!call?.live) return;
    if (call.direction === 'inbound' && (call.state === 'ringing' || call.state === 'early_media')) {
      this.decline(call.id);
      return;
    }
    const answered = isAnswered(call.state);
    // getStats() is called now, before the provider closes the peer connection: the final sample.
    if (answered) this.quality.captureFinal(call.id);
    this.doHangup(call);
    this.endCall(call, {
      cause: answered ? 'normal' : 'cancelled',
      sipCode: answered ? 200 : 487,
      by: 'local',
      reason: answered ? 'Hung up' : 'Cancelled',
    });
  }

  mute(callId?: string): void {
    const call = this.requireCall(callId);
    if (!call.live || call.muted) return;
    this.doMute(call, true);
    call.muted = true;
    this.emit('callState', { call, state: call.state, previous: call.state });
  }

  unmute(callId?: string): void {
    const call = this.requireCall(callId);
    if (!call.live || !call.muted) return;
    this.doMute(call, false);
    call.muted = false;
    this.emit('callState', { call, state: call.state, previous: call.state });
  }

  async hold(callId?: string): Promise<void> {
    const call = this.requireCall(callId);
    if (call.state === 'reconnecting') return this.holdWhenBack(call, true);
    if (call.state !== 'active') return;
    await this.doHold(call, true);
    call.apply({ type: 'hold' });
  }

  async unhold(callId?: string): Promise<void> {
    const call = this.requireCall(callId);
    if (call.state === 'reconnecting') return this.holdWhenBack(call, false);
    if (call.state !== 'held') return;
    await this.holdOthers(call);
    await this.doHold(call, false);
    call.apply({ type: 'unhold' });
    this.current = call;
  }

  /** Adapters that implement doHoldWhenBack say so. */
  get holdsWhileReconnecting(): boolean {
    return false;
  }

  get transferUnavailableReason(): string | null {
    return 'This phone cannot transfer calls.';
  }

  async transfer(target: string, callId?: string): Promise<void> {
    const call = this.requireCall(callId);
    const unavailable = this.transferUnavailableReason;
    if (unavailable !== null)
      throw new PhoneErrorException(PhoneErrorCode.NotSupported, unavailable, call.id);
    if (!isE164(target)) {
      throw new PhoneErrorException(
        PhoneErrorCode.InvalidNumber,
        `${target || 'That'} is not a full number: type it with its country code, e.g. +13125550100.`,
        call.id,
      );
    }
    if (call.state === 'reconnecting') {
      throw new PhoneErrorException(
        PhoneErrorCode.TransferFailed,
        'The call is reconnecting; transfer it once it is back.',
        call.id,
      );
    }
    if (!isAnswered(call.state)) {
      throw new PhoneErrorException(
        PhoneErrorCode.TransferFailed,
        'Only a connected call can be transferred.',
        call.id,
      );
    }
    try {
      await this.doTransfer(call, target);
    } catch (err) {
      throw new PhoneErrorException(PhoneErrorCode.TransferFailed, errorMessage(err), call.id, err);
    }
    this.leaveTransferred(call, target);
  }

  async completeTransfer(callId: string, consultCallId: string): Promise<void> {
    const call = this.requireCall(callId);
    const consult = this.requireCall(consultCallId);
    const unavailable = this.transferUnavailableReason;
    if (unavailable !== null)
      throw new PhoneErrorException(PhoneErrorCode.NotSupported, unavailable, call.id);
    const connected = (c: CallImpl): boolean => c.state === 'active' || c.state === 'held';
    if (call === consult || !connected(call) || !connected(consult)) {
      throw new PhoneErrorException(
        PhoneErrorCode.TransferFailed,
        'Both calls must be connected to put one through to the other.',
        call.id,
      );
    }
    try {
      await this.doAttendedTransfer(call, consult);
    } catch (err) {
      throw new PhoneErrorException(PhoneErrorCode.TransferFailed, errorMessage(err), call.id, err);
    }
    this.leaveTransferred(call, consult.remoteNumber);
    this.leaveTransferred(consult, call.remoteNumber);
  }

  /** Our leg of a transferred call hangs up (unless the other party already did): "Transferred to …". */
  private leaveTransferred(call: CallImpl, to: string): void {
    if (!call.live) return;
    this.quality.captureFinal(call.id);
    this.doHangup(call);
    this.endCall(call, {
      cause: 'normal',
      sipCode: 200,
      by: 'local',
      reason: `Transferred to ${to}`,
      transferredTo: to,
    });
  }

  sendDtmf(digit: string, callId?: string): void {
    const call = this.requireCall(callId);
    const d = digit.toUpperCase();
    if (!DTMF_DIGIT.test(d))
      throw new PhoneErrorException(PhoneErrorCode.InvalidDtmf, `"${digit}" is not a keypad digit.`);
    if (call.state !== 'active' && call.state !== 'early_media') return;
    this.doDtmf(call, d);
  }

  async setAudioDevices(devices: AudioDevices): Promise<void> {
    this.devices = { ...this.devices, ...definedOnly(devices) };
    if (devices.output !== undefined) await this.remoteAudio.setOutput(devices.output);
    if (devices.ringer !== undefined) {
      for (const tone of [this.ringtone, this.waitingTone])
        await tone?.setSinkId(devices.ringer).catch(() => undefined);
    }
    if (devices.input !== undefined) {
      for (const call of this.liveCalls()) await this.doSetInputDevice(call, devices.input);
    }
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    try {
      await this.unregister();
    } finally {
      this.destroyed = true;
      this.quality.stop();
      this.stopRinging();
      this.ringtone = this.waitingTone = null;
      this.remoteAudio.release();
      this.removeAllListeners();
    }
  }

  // ---- for adapters -----------------------------------------------------------------------------

  /**
   * The only way the registration changes: a move the diagram (call-state.ts) does not have, e.g. a
   * late event of a UA that was already stopped, is logged and ignored.
   */
  protected setRegistrationState(state: RegistrationState): void {
    const prev = this.regState;
    if (sameRegistration(prev, state)) return;
    if (!canChangeRegistration(prev.status, state.status)) {
      this.logger.warn('impossible registration change ignored', { from: prev.status, to: state.status });
      return;
    }
    this.regState = state;
    this.emit('registrationState', state);
  }

  protected addCall(init: CallInit): CallImpl {
    const call = new CallImpl(this, init);
    // Keep only live calls and the latest one, so memory does not grow over a day of calls.
    for (const [id, c] of this.byId) {
      if (c.live) continue;
      this.byId.delete(id);
      this.quality.forget(id);
    }
    this.byId.set(call.id, call);
    // A call waiting during another call does not take the focus until it is answered.
    if (init.direction === 'outbound' || !this.current?.live) this.current = call;
    if (init.direction === 'inbound') {
      this.emit('incomingCall', call);
      this.updateRinging();
    }
    this.emit('callState', { call, state: call.state, previous: null });
    return call;
  }

  protected findCall(callId?: string): CallImpl | null {
    if (callId === undefined) return this.current;
    return this.byId.get(callId) ?? null;
  }

  /** Live calls, oldest first. */
  protected liveCalls(): CallImpl[] {
    return [...this.byId.values()].filter((c) => c.live);
  }

  /** A new incoming call may ring (else the adapter answers it busy): see lines.ts. */
  protected hasRoomForIncoming(): boolean {
    return roomForIncoming(this.liveCalls());
  }

  protected endCall(call: CallImpl, end: CallEnd): void {
    call.apply({ type: 'end', end });
  }

  /**
   * The call's SIP Call-ID and INVITE time became known (JsSIP: when the INVITE leaves, after ICE
   * gathering; Telnyx: when the SDK reports the Call-ID). Emitted as a callState without a move.
   */
  protected noteSignalling(call: CallImpl, info: { sipCallId?: string | null; inviteAt?: Date }): void {
    let changed = false;
    if (info.sipCallId && call.sipCallId !== info.sipCallId) {
      call.sipCallId = info.sipCallId;
      changed = true;
    }
    if (info.inviteAt && call.inviteAt === null) {
      call.inviteAt = info.inviteAt;
      changed = true;
    }
    if (changed) this.emit('callState', { call, state: call.state, previous: call.state });
  }

  protected applyToCall(call: CallImpl, event: CallEvent): boolean {
    return call.apply(event);
  }

  protected reportError(code: PhoneErrorCode, message: string, callId?: string, cause?: unknown): void {
    this.emit('error', { code, message, callId, cause });
  }

  /** The element that plays remote audio; created on first use in a browser. */
  protected remoteAudioElement(): HTMLAudioElement | null {
    return this.remoteAudio.element(this.devices.output);
  }

  protected attachRemoteStream(stream: MediaStream | null): void {
    this.remoteAudio.play(stream, this.devices.output);
  }

  protected override listenerFailed(event: string, err: unknown): void {
    this.logger.error(`listener for ${event} threw`, { error: err });
  }

  protected newCallId(): string {
    return newCallId();
  }

  // ---- CallOwner ----------------------------------------------------------------------------------

  /**
   * Fresh stats while the peer connection is open; once it is closed (call ended), the last good
   * sample, so the call record still gets MOS/jitter/loss.
   */
  qualityOfCall(callId: string): Promise<CallQuality> {
    return this.quality.sample(callId);
  }

  onCallStateChanged(call: CallImpl, previous: CallState): void {
    if (call.state === 'ended' && this.current === call) this.current = nextFocus(this.liveCalls()) ?? call;
    this.updateRinging();
    // Quality sampling runs from the answer to the end, across hold and reconnecting.
    if (call.state === 'active' && previous !== 'held' && previous !== 'reconnecting') {
      this.quality.start(
        call.id,
        this.options.qualityIntervalMs ?? 2000,
        () => call.live,
        (quality) => this.emit('callQuality', { call, quality }),
      );
    }
    if (call.state === 'ended') {
      this.quality.stop(call.id);
      void this.quality.final(call.id).then((quality) => {
        if (quality) this.emit('callQuality', { call, quality });
      });
    }
    this.emit('callState', { call, state: call.state, previous });
  }

  // ---- internals ------------------------------------------------------------------------------------

  private requireCall(callId?: string): CallImpl {
    const call = this.findCall(callId);
    if (!call) throw new PhoneErrorException(PhoneErrorCode.NoCall, 'There is no call.', callId);
    return call;
  }

  private assertAlive(): void {
    if (this.destroyed)
      throw new PhoneErrorException(PhoneErrorCode.Destroyed, 'This phone was shut down; create a new one.');
  }

  /**
   * Hold or Resume pressed while the call is reconnecting: the adapter makes the call come back in that
   * direction (JsSIP: the recovery's re-INVITE offers sendonly), and the call says so meanwhile.
   */
  private async holdWhenBack(call: CallImpl, hold: boolean): Promise<void> {
    if (call.heldWhenBack === hold) return;
    if (!hold) await this.holdOthers(call);
    await this.doHoldWhenBack(call, hold);
    call.heldWhenBack = hold;
    if (!hold) this.current = call;
    this.emit('callState', { call, state: call.state, previous: call.state });
  }

  /** Put every other connected call on hold (answering or resuming `call`). */
  private async holdOthers(call: CallImpl): Promise<void> {
    for (const other of this.liveCalls()) {
      if (other !== call && other.state === 'active') await this.hold(other.id);
    }
  }

  /** Ring as lines.ts says: the full ringtone, the quiet call-waiting tone, or nothing. */
  private updateRinging(): void {
    const kind = ringKind(this.liveCalls().filter((c) => !this.answering.has(c.id)));
    if (kind !== 'ring') this.ringtone?.stop();
    if (kind !== 'waiting') this.waitingTone?.stop();
    if (kind === null || this.options.ringtone === false || this.destroyed) return;
    if (typeof globalThis.AudioContext === 'undefined') return;
    let tone = kind === 'ring' ? this.ringtone : this.waitingTone;
    if (!tone) {
      tone = kind === 'ring' ? createRingtone() : createRingtone(WAITING_TONE);
      if (this.devices.ringer) void tone.setSinkId(this.devices.ringer).catch(() => undefined);
      if (kind === 'ring') this.ringtone = tone;
      else this.waitingTone = tone;
    }
    tone.start();
  }

  private stopRinging(): void {
    this.ringtone?.stop();
    this.waitingTone?.stop();
  }
}
