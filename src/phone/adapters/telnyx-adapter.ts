/**
 * `telnyx` provider through the official @telnyx/webrtc SDK (JSON-RPC "verto" over WebSocket).
 *
 * Login prefers the short-lived `login_token` minted server-side, so the SIP password never reaches
 * the browser; login/password only when the DTO carries them. `reg.rtcHost` (ws:// or wss://) is
 * passed as the SDK's `host`, which the SDK uses verbatim (it only prefixes wss:// to bare host names).
 *
 * A little over 400 lines: it is the one place where the SDK's call and socket notifications (including
 * its call recovery) become our call states, as jssip-adapter.ts is for JsSIP; split by concern it would
 * scatter one translation table over several files.
 */
import { TelnyxRTC } from '@telnyx/webrtc';
import type { RegistrationDto, TelnyxRegistrationDto } from '../../shared/api.js';
import { causeFromSipCode, type CallEnd, type EndCause } from '../call-state.js';
import { BaseSoftphone, errorMessage, type StatsSource } from '../base-softphone.js';
import type { CallImpl } from '../call.js';
import { PhoneErrorCode } from '../errors.js';
import { toE164ish, verificationOfHeaders } from '../phone-helpers.js';
import type { DialOptions, SoftphoneOptions } from '../softphone.js';

/** The slice of the SDK's Call we use (its typings expose much more). */
interface SdkCall {
  id: string;
  state: string;
  direction: 'inbound' | 'outbound';
  cause?: string;
  causeCode?: number;
  sipCode?: number | null;
  sipReason?: string | null;
  /** Set by the SDK from the platform's bye/hangup (`sip_call_id`); not known before. */
  sipCallId?: string | null;
  /** The SDK's new call object for a call it re-attached after its socket came back (the old one's id). */
  recoveredCallId?: string;
  options: {
    /** The INVITE's X- and identity headers the platform forwards (`dialogParams.custom_headers`). */
    customHeaders?: { name: string; value: string }[];
    remoteCallerNumber?: string;
    remoteCallerName?: string;
    destinationNumber?: string;
    callerNumber?: string;
  };
  peer?: { instance?: RTCPeerConnection };
  remoteStream?: MediaStream;
  answer(params?: Record<string, unknown>): Promise<void>;
  hangup(): Promise<void>;
  hold(): Promise<unknown>;
  unhold(): Promise<unknown>;
  dtmf(digit: string): void;
  muteAudio(): void;
  unmuteAudio(): void;
  setAudioInDevice(deviceId: string, muted?: boolean): Promise<void>;
}

interface SdkClient {
  remoteElement: HTMLMediaElement | string | (() => HTMLMediaElement) | undefined;
  on(event: string, fn: (payload: never) => void): unknown;
  off(event: string, fn?: (payload: never) => void): unknown;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  newCall(opts: Record<string, unknown>): SdkCall;
}

/** The SDK's reconnect delay is 2–6 s at random: report the upper bound. */
const SDK_RECONNECT_MAX_MS = 6000;

let clientCount = 0;

export class TelnyxSoftphone extends BaseSoftphone {
  readonly provider = 'telnyx' as const;
  private client: SdkClient | null = null;
  private reg: TelnyxRegistrationDto | null = null;
  /** our call id -> SDK call, and SDK call id -> our call */
  private readonly sdkCalls = new Map<string, SdkCall>();
  private readonly ours = new Map<string, CallImpl>();
  private reconnectAttempt = 0;
  private everReady = false;
  private readonly watchedPeers = new WeakSet<RTCPeerConnection>();

  constructor(options: SoftphoneOptions = {}) {
    super(options);
  }

  /** SDK clients connected and not yet disconnected, across all instances. */
  static activeClientCount(): number {
    return clientCount;
  }

  protected async doRegister(reg: RegistrationDto): Promise<void> {
    if (reg.provider !== 'telnyx') throw new Error('the telnyx adapter needs a telnyx registration');
    if (!reg.loginToken && !(reg.login && reg.password)) {
      throw new Error('This Telnyx connection has neither a login token nor credentials.');
    }
    this.reg = reg;
    this.reconnectAttempt = 0;
    this.everReady = false;
    const options: Record<string, unknown> = reg.loginToken
      ? { login_token: reg.loginToken }
      : { login: reg.login, password: reg.password };
    if (reg.rtcHost) options.host = reg.rtcHost;
    options.autoReconnect = true;
    // A dropped socket leaves the call's media up; on reconnect the SDK re-attaches the call
    // (`recoveredCallId` in its login, the call passes through its `recovering` state).
    options.keepConnectionAliveOnSocketClose = true;
    const client = new TelnyxRTC(options) as unknown as SdkClient;
    this.client = client;
    clientCount++;
    const el = this.remoteAudioElement();
    if (el) client.remoteElement = el;

    const mine = (fn: (p: never) => void) => (p: never) => {
      if (this.client === client) fn(p);
    };
    client.on(
      'telnyx.ready',
      mine(() => {
        this.everReady = true;
        this.reconnectAttempt = 0;
        this.setRegistrationState({ status: 'registered' });
      }),
    );
    client.on(
      'telnyx.error',
      mine((e: { error?: { message?: string; code?: number }; callId?: string }) => {
        const message = e.error?.message ?? 'unknown error';
        if (!this.everReady && this.registrationState.status === 'registering') {
          this.setRegistrationState({
            status: 'failed',
            reason: 'Telnyx refused the login.',
            sipCode: null,
            detail: message,
          });
          void this.stopClient();
          return;
        }
        this.reportError(PhoneErrorCode.ProviderError, message, e.callId, e.error);
      }),
    );
    // The login token is short-lived; the SDK warns before it expires (a reconnect would then fail).
    client.on(
      'telnyx.warning',
      mine((w: { warning?: { code?: number; name?: string; message?: string } }) => {
        if (w.warning?.code === 34001 || w.warning?.name === 'TOKEN_EXPIRING_SOON') {
          this.reportError(
            PhoneErrorCode.TokenExpiring,
            'The Telnyx login token expires soon; register again with a fresh one when no call is up.',
          );
        }
      }),
    );
    client.on(
      'telnyx.socket.close',
      mine(() => {
        if (!this.everReady) return;
        this.reconnectAttempt++;
        this.setRegistrationState({
          status: 'reconnecting',
          attempt: this.reconnectAttempt,
          nextRetryInMs: SDK_RECONNECT_MAX_MS,
        });
      }),
    );
    client.on(
      'telnyx.socket.error',
      mine(() => {
        if (!this.everReady && this.registrationState.status === 'registering') {
          this.setRegistrationState({
            status: 'failed',
            reason: 'Cannot reach the Telnyx WebRTC server.',
            sipCode: null,
            ...(reg.rtcHost ? { detail: reg.rtcHost } : {}),
          });
          void this.stopClient();
        }
      }),
    );
    // The SDK does not turn telnyx_rtc.ringing into a call state; read it off the wire.
    client.on(
      'telnyx.socket.message',
      mine((msg: { method?: string; params?: { callID?: string } }) => {
        if (msg.method !== 'telnyx_rtc.ringing' || !msg.params?.callID) return;
        this.ours.get(msg.params.callID)?.apply({ type: 'ringing' });
      }),
    );
    client.on(
      'telnyx.notification',
      mine((n: { type?: string; call?: SdkCall }) => {
        if (n.type === 'callUpdate' && n.call) this.onCallUpdate(n.call);
        else if (n.type === 'userMediaError')
          this.reportError(
            PhoneErrorCode.MediaDenied,
            'The microphone is not available or access was denied.',
          );
      }),
    );
    await client.connect();
  }

  protected async doUnregister(): Promise<void> {
    await this.stopClient();
    this.reg = null;
  }

  protected doCall(call: CallImpl, opts: DialOptions): void {
    if (!this.client) throw new Error('not registered');
    const sdkCall = this.client.newCall({
      destinationNumber: opts.destination,
      callerNumber: opts.callerId,
      callerName: opts.callerName ?? this.reg?.displayName ?? opts.callerId,
      audio:
        this.devices.input && this.devices.input !== 'default'
          ? { deviceId: { exact: this.devices.input } }
          : true,
      video: false,
      remoteElement: this.remoteAudioElement() ?? undefined,
    });
    this.link(call, sdkCall);
  }

  protected async doAnswer(call: CallImpl): Promise<void> {
    await this.sdk(call).answer({ video: false, remoteElement: this.remoteAudioElement() ?? undefined });
  }

  protected doDecline(call: CallImpl): void {
    void this.sdk(call)
      .hangup()
      .catch(() => undefined);
  }

  protected doHangup(call: CallImpl): void {
    void this.sdk(call)
      .hangup()
      .catch(() => undefined);
  }

  protected doMute(call: CallImpl, muted: boolean): void {
    if (muted) this.sdk(call).muteAudio();
    else this.sdk(call).unmuteAudio();
  }

  protected async doHold(call: CallImpl, hold: boolean): Promise<void> {
    const ok = hold ? await this.sdk(call).hold() : await this.sdk(call).unhold();
    if (ok === false)
      throw new Error(hold ? 'Telnyx could not put the call on hold.' : 'Telnyx could not resume the call.');
  }

  /** Telnyx carries DTMF in telnyx_rtc.info whatever the trunk's dtmfMode; the platform converts it. */
  override get transferUnavailableReason(): string | null {
    return 'Transfer is not available on Telnyx connections: the Telnyx browser SDK cannot transfer a call.';
  }

  protected doDtmf(call: CallImpl, digit: string): void {
    this.sdk(call).dtmf(digit);
  }

  protected statsSource(call: CallImpl): StatsSource | null {
    return this.sdkCalls.get(call.id)?.peer?.instance ?? null;
  }

  protected override async doSetInputDevice(call: CallImpl, deviceId: string): Promise<void> {
    await this.sdkCalls.get(call.id)?.setAudioInDevice(deviceId, call.muted);
  }

  // ---- internals ---------------------------------------------------------------------------------

  private onCallUpdate(sdkCall: SdkCall): void {
    let call = this.ours.get(sdkCall.id);
    if (!call) {
      if (sdkCall.direction !== 'inbound' || sdkCall.state !== 'ringing') return;
      if (!this.hasRoomForIncoming()) {
        void sdkCall.hangup().catch(() => undefined); // both lines busy: the SDK answers USER_BUSY
        return;
      }
      const remote = sdkCall.options.remoteCallerNumber ?? 'unknown';
      const header = (name: string): string | undefined =>
        sdkCall.options.customHeaders?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
      call = this.addCall({
        id: sdkCall.id,
        direction: 'inbound',
        remoteNumber: toE164ish(remote),
        remoteName: sdkCall.options.remoteCallerName ?? null,
        callerId: sdkCall.options.destinationNumber ?? null,
        sipCallId: sdkCall.sipCallId ?? null,
        inviteAt: new Date(),
        callerVerification: verificationOfHeaders(header('P-Asserted-Identity'), header('From')),
      });
      this.link(call, sdkCall);
      return;
    }
    // Re-attaching after a socket drop, the SDK replaces the call's object by a new one with the same id
    // and a new peer connection: from then on the new one speaks for the call (stats, hold, hang-up),
    // and the old one, finalized, no longer does.
    const linked = this.sdkCalls.get(call.id);
    if (linked && linked !== sdkCall) {
      if (!sdkCall.recoveredCallId) return;
      this.link(call, sdkCall);
    }
    if (sdkCall.sipCallId) this.noteSignalling(call, { sipCallId: sdkCall.sipCallId });
    switch (sdkCall.state) {
      case 'requesting':
        // The SDK sends telnyx_rtc.invite as it enters `requesting`.
        if (call.direction === 'outbound') this.noteSignalling(call, { inviteAt: new Date() });
        break;
      case 'recovering':
        // The SDK re-attaches an answered call after its socket came back: reconnecting until active.
        this.interrupt(call);
        break;
      case 'new':
      case 'trying':
      case 'answering':
        break; // still dialing / being answered: no state of ours changes
      case 'ringing':
        call.apply({ type: 'ringing' });
        break;
      case 'early':
        call.apply({ type: 'early_media' });
        break;
      case 'active':
        if (call.state === 'reconnecting') this.recovered(call, false);
        else if (call.state === 'held') call.apply({ type: 'unhold' });
        else call.apply({ type: 'answered' });
        if (sdkCall.remoteStream) this.attachRemoteStream(sdkCall.remoteStream);
        this.watchPeer(call, sdkCall);
        break;
      case 'held':
        if (call.state === 'reconnecting') this.recovered(call, true);
        else call.apply({ type: 'hold' });
        break;
      case 'hangup':
      case 'destroy':
      case 'purge':
        call.apply({ type: 'end', end: endFromSdk(sdkCall, call) });
        if (sdkCall.state !== 'hangup') this.unlink(call.id, sdkCall.id);
        break;
    }
  }

  /**
   * ICE of an answered call: the SDK restarts ICE by itself when the peer connection fails (its
   * "signaling health monitor" sends a telnyx_rtc.modify with a new offer); the call shows reconnecting
   * from `disconnected`/`failed` until the peer connection is `connected` again.
   */
  private watchPeer(call: CallImpl, sdkCall: SdkCall): void {
    const pc = sdkCall.peer?.instance;
    if (!pc || this.watchedPeers.has(pc)) return;
    this.watchedPeers.add(pc);
    pc.addEventListener('connectionstatechange', () => {
      if (!call.live) return;
      const s = pc.connectionState;
      if (s === 'disconnected' || s === 'failed') this.interrupt(call);
      else if (s === 'connected' && call.state === 'reconnecting' && sdkCall.state !== 'recovering')
        this.recovered(call, sdkCall.state === 'held');
    });
  }

  private interrupt(call: CallImpl): void {
    if (call.state !== 'active' && call.state !== 'held') return;
    call.apply({ type: 'interrupted' });
  }

  private recovered(call: CallImpl, held: boolean): void {
    call.apply({ type: held ? 'recovered_on_hold' : 'recovered' });
  }

  private link(call: CallImpl, sdkCall: SdkCall): void {
    this.sdkCalls.set(call.id, sdkCall);
    this.ours.set(sdkCall.id, call);
  }

  private unlink(callId: string, sdkId: string): void {
    this.sdkCalls.delete(callId);
    this.ours.delete(sdkId);
  }

  private sdk(call: CallImpl): SdkCall {
    const c = this.sdkCalls.get(call.id);
    if (!c) throw new Error('this call has no Telnyx session');
    return c;
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = null;
    for (const c of this.sdkCalls.values()) void c.hangup().catch(() => undefined);
    this.sdkCalls.clear();
    this.ours.clear();
    for (const ev of [
      'telnyx.ready',
      'telnyx.error',
      'telnyx.warning',
      'telnyx.socket.close',
      'telnyx.socket.error',
      'telnyx.socket.message',
      'telnyx.notification',
    ]) {
      client.off(ev);
    }
    try {
      await client.disconnect();
    } catch (err) {
      this.reportError(
        PhoneErrorCode.ProviderError,
        `Disconnect failed: ${errorMessage(err)}`,
        undefined,
        err,
      );
    }
    clientCount--;
  }
}

/** Telnyx hangup causes (Q.850 names) and SIP codes, to our causes. */
function endFromSdk(sdkCall: SdkCall, call: CallImpl): CallEnd {
  const sipCode = typeof sdkCall.sipCode === 'number' && sdkCall.sipCode > 0 ? sdkCall.sipCode : null;
  const reason = sdkCall.sipReason ?? sdkCall.cause ?? null;
  const answered = call.answeredAt !== null;
  let cause: EndCause;
  if (sipCode !== null && sipCode >= 300) cause = causeFromSipCode(sipCode);
  else {
    switch (sdkCall.cause) {
      case 'USER_BUSY':
        cause = answered ? 'normal' : 'busy';
        break;
      case 'NO_ANSWER':
      case 'NO_USER_RESPONSE':
      case 'ALLOTTED_TIMEOUT':
        cause = 'no_answer';
        break;
      case 'CALL_REJECTED':
        cause = 'rejected';
        break;
      case 'ORIGINATOR_CANCEL':
        cause = 'cancelled';
        break;
      case 'DESTINATION_OUT_OF_ORDER':
      case 'NETWORK_OUT_OF_ORDER':
      case 'RECOVERY_ON_TIMER_EXPIRE':
      case 'MEDIA_TIMEOUT':
        cause = 'network';
        break;
      case 'NORMAL_CLEARING':
      case undefined:
        cause = answered ? 'normal' : call.direction === 'inbound' ? 'cancelled' : 'rejected';
        break;
      default:
        cause = answered ? 'normal' : 'failed';
    }
  }
  return { cause, sipCode, by: 'remote', reason };
}
