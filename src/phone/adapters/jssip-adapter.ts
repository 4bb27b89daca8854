/**
 * `sip` provider: any SIP-over-WebSocket server (RFC 7118) through JsSIP.
 *
 * One JsSIP UA per registration; unregister()/destroy() stop it and close its socket, so switching
 * connections never leaves a second UA registered ({@link JsSipSoftphone.activeUaCount}).
 *
 * Over 400 lines on purpose: it is the one place where JsSIP's UA and session events (transport,
 * registration, progress, accepted/confirmed, ended/failed, ICE gathering, re-INVITEs for hold) meet
 * the phone's state machines, and those handlers only make sense read together. Everything that can be
 * said without JsSIP objects lives in jssip-mapping.ts (pure, unit-tested); the microphone opened ahead
 * of a call in warm-microphone.ts; keeping an answered call across a network change in jssip-recovery.ts.
 */
import * as JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession.js';
import type { IncomingRTCSessionEvent, RTCSessionEvent } from 'jssip/lib/UA.js';
import type { SipRegistrationDto, RegistrationDto } from '../../shared/api.js';
import { causeFromSipCode, type CallEnd } from '../call-state.js';
import { BaseSoftphone, errorMessage, type StatsSource } from '../base-softphone.js';
import type { CallImpl } from '../call.js';
import { PhoneErrorCode } from '../errors.js';
import { verificationOfHeaders } from '../phone-helpers.js';
import type { DialOptions, SoftphoneOptions } from '../softphone.js';
import {
  audioConstraint,
  calledNumber,
  callerOfInvite,
  causeFromJsSip,
  registrationFailureText,
  sipCodeOfJsSipCause,
  sipDomain,
} from './jssip-mapping.js';
import { CallRecovery } from './jssip-recovery.js';
import { stopStream, WarmMicrophone } from './warm-microphone.js';

/** Seconds between reconnection attempts (JsSIP doubles a random interval up to the max). */
const RECOVERY_MIN_S = 1;
const RECOVERY_MAX_S = 8;
/** Cap on waiting for ICE candidates before the SDP goes out (see onIceCandidate). */
const ICE_CAP_MS = 200;

let uaCount = 0;
let socketCount = 0;

/** After the far end accepted a REFER (202), how long to wait for its report before leaving anyway. */
const TRANSFER_REPORT_WAIT_MS = 10_000;

function transferRefusedText(
  response: { status_code: number; reason_phrase: string } | null,
  cause: string,
): string {
  return response
    ? `The other side refused the transfer (${response.status_code} ${response.reason_phrase}); the call is still yours.`
    : `The transfer request got no answer (${cause}); the call is still yours.`;
}

interface Leg {
  call: CallImpl;
  session: RTCSession;
  /** A stream we opened (prepareMedia) and JsSIP will not stop: stopped when the call ends. */
  ownStream?: MediaStream;
  /** Microphone tracks opened by a device switch mid-call (JsSIP knows nothing of them): stopped at the end. */
  ownTracks: MediaStreamTrack[];
  /** The final response we sent ourselves (603 on decline): JsSIP reports a local rejection without it. */
  sentStatus?: number;
  /**
   * The far end took our transfer to this number (or, for the consult leg of an attended transfer, the
   * REFER that replaces it is out): the BYE that follows ends the call as transferred.
   */
  transferredTo?: string;
  /** Watches the answered call's media path and brings it back after a network change. */
  recovery?: CallRecovery;
}

export class JsSipSoftphone extends BaseSoftphone {
  readonly provider = 'sip' as const;
  private ua: JsSIP.UA | null = null;
  private reg: SipRegistrationDto | null = null;
  private readonly legs = new Map<string, Leg>();
  private readonly warm = new WarmMicrophone();
  private everConnected = false;
  private reconnectAttempt = 0;
  /** When the WebSocket last connected (ms epoch), and who waits for a fresh one (call recovery). */
  private connectedAt = 0;
  private transportWaiters: (() => void)[] = [];

  constructor(options: SoftphoneOptions = {}) {
    super(options);
  }

  /** UAs started and not yet stopped, across all instances (tests: must be 1 after switching). */
  static activeUaCount(): number {
    return uaCount;
  }

  /** WebSockets currently connected, across all instances. */
  static openSocketCount(): number {
    return socketCount;
  }

  /** The JsSIP session of a call, for diagnostics and tests (e.g. listening to newDTMF). */
  sessionOf(callId: string): RTCSession | null {
    return this.legs.get(callId)?.session ?? null;
  }

  protected doRegister(reg: RegistrationDto): Promise<void> {
    if (reg.provider !== 'sip') throw new Error('the sip adapter needs a sip registration');
    this.reg = reg;
    this.everConnected = false;
    this.reconnectAttempt = 0;
    const socket = new JsSIP.WebSocketInterface(reg.wsServer);
    const ua = new JsSIP.UA({
      sockets: [socket],
      uri: reg.sipUri,
      authorization_user: reg.authorizationUser,
      password: reg.password,
      display_name: reg.displayName,
      register: true,
      register_expires: 300,
      session_timers: false,
      user_agent: 'Dialer (JsSIP)',
      connection_recovery_min_interval: RECOVERY_MIN_S,
      connection_recovery_max_interval: RECOVERY_MAX_S,
    });
    this.ua = ua;
    uaCount++;
    let connected = false;

    ua.on('connected', () => {
      if (this.ua !== ua) return;
      if (!connected) socketCount++;
      connected = true;
      this.everConnected = true;
      this.connectedAt = Date.now();
      for (const resolve of this.transportWaiters.splice(0)) resolve();
    });
    ua.on('disconnected', (e) => {
      if (connected) socketCount--;
      connected = false;
      if (this.ua !== ua) return;
      if (!this.everConnected) {
        // Never reached the server: retrying forever would leave the user staring at "registering".
        this.setRegistrationState({
          status: 'failed',
          reason: 'Cannot reach the phone server.',
          sipCode: null,
          detail: `${reg.wsServer}${e.code ? `, WebSocket close code ${e.code}` : ''}`,
        });
        void this.stopUa();
        return;
      }
      this.reconnectAttempt++;
      // JsSIP waits floor(random * 2^attempt + 1) s, clamped to [min, max]: report the upper bound.
      const bound = Math.min(RECOVERY_MAX_S, Math.max(RECOVERY_MIN_S, 2 ** this.reconnectAttempt));
      this.setRegistrationState({
        status: 'reconnecting',
        attempt: this.reconnectAttempt,
        nextRetryInMs: bound * 1000,
      });
    });
    ua.on('registered', () => {
      if (this.ua !== ua) return;
      const afterDrop = this.reconnectAttempt > 0;
      this.reconnectAttempt = 0;
      this.setRegistrationState({ status: 'registered' });
      // Answered calls lived through the drop on their media; their far ends must learn the new connection.
      if (afterDrop) for (const leg of this.legs.values()) leg.recovery?.refreshContact();
    });
    ua.on('unregistered', () => {
      // JsSIP reports "unregistered" when the socket drops; that is reconnecting, not the user's choice.
      if (this.ua !== ua || this.registrationState.status === 'reconnecting') return;
      this.setRegistrationState({ status: 'unregistered' });
    });
    ua.on('registrationFailed', (e) => {
      if (this.ua !== ua) return;
      const code = e.response?.status_code ?? null;
      this.setRegistrationState({
        status: 'failed',
        reason: registrationFailureText(e.cause === undefined ? undefined : String(e.cause), code),
        sipCode: code,
      });
      // Keep retrying the transport after network errors only; bad credentials will not fix themselves.
      if (code !== null) void this.stopUa();
    });
    ua.on('newRTCSession', (e: RTCSessionEvent) => {
      if (this.ua !== ua) return;
      if (String(e.originator) === 'remote') this.onIncoming(e as IncomingRTCSessionEvent);
    });
    ua.start();
    return Promise.resolve();
  }

  protected async doUnregister(): Promise<void> {
    this.warm.release();
    await this.stopUa();
    this.reg = null;
  }

  protected doCall(call: CallImpl, opts: DialOptions): void {
    const ua = this.requireUa();
    const reg = this.reg as SipRegistrationDto;
    const domain = sipDomain(reg.sipUri);
    const extraHeaders: string[] = [];
    if (reg.sendPAssertedIdentity) extraHeaders.push(`P-Asserted-Identity: <sip:${opts.callerId}@${domain}>`);
    const stream = this.warm.take();
    const session = ua.call(`sip:${opts.destination}@${domain}`, {
      ...(stream ? { mediaStream: stream } : { mediaConstraints: this.mediaConstraints() }),
      pcConfig: { iceServers: reg.iceServers },
      extraHeaders,
      fromDisplayName: opts.callerName ?? opts.callerId,
      rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: false },
      eventHandlers: {},
    });
    this.track(call, session, stream ?? undefined);
  }

  override async prepareMedia(): Promise<void> {
    if (typeof navigator === 'undefined' || !navigator.mediaDevices?.getUserMedia) return;
    if (this.warm.extend()) return; // one is open already (the number was completed before Call)
    const stream = await navigator.mediaDevices.getUserMedia(this.mediaConstraints());
    if (this.destroyed) {
      this.warm.release();
      stopStream(stream);
      return;
    }
    this.warm.keep(stream);
  }

  protected doAnswer(call: CallImpl): Promise<void> {
    const leg = this.requireLeg(call);
    leg.session.answer({
      mediaConstraints: this.mediaConstraints(),
      pcConfig: { iceServers: this.reg?.iceServers ?? [] },
    });
    return Promise.resolve();
  }

  protected doDecline(call: CallImpl): void {
    this.terminate(call, { status_code: 603, reason_phrase: 'Decline' });
  }

  protected doHangup(call: CallImpl): void {
    this.terminate(call);
  }

  protected doMute(call: CallImpl, muted: boolean): void {
    const { session } = this.requireLeg(call);
    if (muted) session.mute({ audio: true });
    else session.unmute({ audio: true });
  }

  protected doHold(call: CallImpl, hold: boolean): Promise<void> {
    const { session } = this.requireLeg(call);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('The other side did not confirm the hold change.')),
        8000,
      );
      const done = (): void => {
        clearTimeout(timer);
        // One <audio> plays the far end: on resume it is this call's again (the other line may have had it).
        if (!hold) this.attachFrom(session.connection);
        resolve();
      };
      const ok = hold ? session.hold({}, done) : session.unhold({}, done);
      if (!ok) {
        clearTimeout(timer);
        reject(
          new Error(
            hold ? 'The call cannot be put on hold right now.' : 'The call cannot be resumed right now.',
          ),
        );
      }
    });
  }

  protected override doHoldWhenBack(call: CallImpl, hold: boolean): Promise<void> {
    const { recovery } = this.requireLeg(call);
    if (!recovery) return Promise.reject(new Error('The call cannot be put on hold right now.'));
    recovery.holdWhenBack(hold);
    return Promise.resolve();
  }

  protected doDtmf(call: CallImpl, digit: string): void {
    const { session } = this.requireLeg(call);
    session.sendDTMF(digit, {
      transportType: this.reg?.dtmfMode === 'info' ? 'INFO' : 'RFC2833',
      duration: 100,
      interToneGap: 70,
    } as Parameters<RTCSession['sendDTMF']>[1]);
  }

  override get holdsWhileReconnecting(): boolean {
    return true;
  }

  override get transferUnavailableReason(): string | null {
    return null;
  }

  /**
   * REFER to the target at the connection's domain. JsSIP answers the far end's NOTIFY after telling us
   * (accepted/failed), so the hang-up that follows our resolve leaves after its 200.
   */
  protected override doTransfer(call: CallImpl, target: string): Promise<void> {
    return this.refer(this.requireLeg(call), target);
  }

  /**
   * Attended: REFER to the first party with Refer-To the consult party's number and `?Replaces=` our
   * consult dialog (JsSIP builds it from the session), so they take our place in that dialog. The
   * consult party hangs up our leg once replaced: from the REFER on, that BYE counts as the transfer.
   */
  protected override async doAttendedTransfer(call: CallImpl, consult: CallImpl): Promise<void> {
    const leg = this.requireLeg(call);
    const consultLeg = this.requireLeg(consult);
    consultLeg.transferredTo = call.remoteNumber;
    try {
      await this.refer(leg, consult.remoteNumber, consultLeg.session);
    } catch (err) {
      delete consultLeg.transferredTo;
      throw err;
    }
  }

  private refer(leg: Leg, target: string, replaces?: RTCSession): Promise<void> {
    const { session } = leg;
    const domain = sipDomain((this.reg as SipRegistrationDto).sipUri);
    return new Promise((resolve, reject) => {
      let quiet: ReturnType<typeof setTimeout> | null = null;
      const settle = (err?: Error): void => {
        if (quiet) clearTimeout(quiet);
        if (err) reject(err);
        else resolve();
      };
      const sent = session.refer(`sip:${target}@${domain}`, {
        ...(replaces ? { replaces } : {}),
        eventHandlers: {
          // 202: the far end took the request. We may leave once it says nothing more.
          requestSucceeded: () => {
            quiet = setTimeout(() => {
              leg.transferredTo = target;
              settle();
            }, TRANSFER_REPORT_WAIT_MS);
          },
          requestFailed: (e: {
            response: { status_code: number; reason_phrase: string } | null;
            cause: string;
          }) => settle(new Error(transferRefusedText(e.response, e.cause))),
          accepted: () => {
            leg.transferredTo = target;
            settle();
          },
          failed: (e: { status_line: { status_code: number; reason_phrase: string } }) =>
            settle(
              new Error(
                `${target} could not be reached (${e.status_line.status_code} ${e.status_line.reason_phrase}); the call is still yours.`,
              ),
            ),
        },
      });
      // JsSIP's types say void; it returns false when the session is not in a state to send one.
      if ((sent as unknown) === false) settle(new Error('The call cannot be transferred right now.'));
    });
  }

  protected statsSource(call: CallImpl): StatsSource | null {
    return (this.legs.get(call.id)?.session.connection as RTCPeerConnection | undefined) ?? null;
  }

  protected override async doSetInputDevice(call: CallImpl, deviceId: string): Promise<void> {
    const leg = this.legs.get(call.id);
    const pc = leg?.session.connection as RTCPeerConnection | undefined;
    const sender = pc?.getSenders().find((s) => s.track?.kind === 'audio');
    if (!leg || !sender) return;
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: audioConstraint(deviceId),
      video: false,
    });
    const [track] = stream.getAudioTracks();
    // The call may have ended while the browser opened the device: nothing to carry it, so close it again.
    if (!track || this.legs.get(call.id) !== leg) {
      stopStream(stream);
      return;
    }
    track.enabled = !call.muted;
    leg.ownTracks.push(track);
    const old = sender.track;
    await sender.replaceTrack(track);
    old?.stop();
  }

  // ---- internals ---------------------------------------------------------------------------------

  private onIncoming(e: IncomingRTCSessionEvent): void {
    const { session, request } = e;
    if (!this.hasRoomForIncoming()) {
      session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
      return;
    }
    const remote = session.remote_identity;
    const caller = callerOfInvite(
      request.getHeader('P-Asserted-Identity'),
      remote.display_name,
      remote.uri.user,
    );
    const call = this.addCall({
      id: this.newCallId(),
      direction: 'inbound',
      remoteNumber: caller.number,
      remoteName: caller.name,
      // The R-URI is our registered contact after the proxy's lookup; the To user is the number dialled.
      callerId: calledNumber(request.ruri?.user, request.to?.uri?.user),
      sipCallId: request.getHeader('Call-ID') || null,
      inviteAt: new Date(),
      callerVerification: verificationOfHeaders(
        request.getHeader('P-Asserted-Identity'),
        request.getHeader('From'),
      ),
    });
    this.track(call, session);
  }

  private track(call: CallImpl, session: RTCSession, ownStream?: MediaStream): void {
    this.legs.set(call.id, { call, session, ownStream, ownTracks: [] });
    let iceTimer: ReturnType<typeof setTimeout> | null = null;

    session.on('peerconnection', ({ peerconnection }) => this.watchMedia(peerconnection));
    if (session.connection) this.watchMedia(session.connection);

    // JsSIP sends the SDP only when ICE gathering is complete unless ready() is called earlier. On
    // loopback/LAN a late TCP candidate costs ~120 ms for nothing: go with the first usable UDP
    // candidate (srflx/relay when ICE servers are configured, else host), or after ICE_CAP_MS.
    session.on('icecandidate', ({ candidate, ready }) => {
      const c = candidate;
      const udp = (c.protocol ?? /\budp\b/i.exec(c.candidate)?.[0] ?? '').toLowerCase() === 'udp';
      const type = c.type ?? /typ (\w+)/.exec(c.candidate)?.[1];
      const needReflexive = (this.reg?.iceServers.length ?? 0) > 0;
      if (udp && (type === 'srflx' || type === 'relay' || (!needReflexive && type === 'host'))) {
        if (iceTimer) clearTimeout(iceTimer);
        ready();
      } else if (!iceTimer) {
        iceTimer = setTimeout(ready, ICE_CAP_MS);
      }
    });
    session.on('sdp', () => {
      if (iceTimer) clearTimeout(iceTimer);
      iceTimer = null;
    });
    // Outbound: the INVITE leaves now (after ICE gathering); its Call-ID names the dialog from here on.
    session.on('sending', ({ request }) =>
      this.noteSignalling(call, { sipCallId: request.call_id, inviteAt: new Date() }),
    );

    session.on('progress', (e: { originator: string; response?: { status_code: number; body?: string } }) => {
      if (e.originator !== 'remote' || !e.response) return;
      if (e.response.body && e.response.body.length > 0) call.apply({ type: 'early_media' });
      else if (e.response.status_code === 180) call.apply({ type: 'ringing' });
    });
    session.on('newDTMF', (e: { originator: string; dtmf: { tone: string } }) => {
      if (e.originator === 'remote') this.emit('dtmfReceived', { call, digit: String(e.dtmf.tone) });
    });
    session.on('accepted', () => call.apply({ type: 'answered' }));
    session.on('confirmed', () => {
      call.apply({ type: 'answered' });
      this.attachFrom(session.connection);
      const leg = this.legs.get(call.id);
      if (leg && !leg.recovery) {
        leg.recovery = new CallRecovery(call, session, {
          logger: this.logger,
          freshTransport: (since) => this.freshTransport(since),
        });
        leg.recovery.start();
      }
    });
    session.on('ended', (e) => {
      const reason = String(e.cause);
      const by = String(e.originator) === 'local' ? 'local' : 'remote';
      const network = causeFromJsSip(reason) === 'network';
      const transferredTo = this.legs.get(call.id)?.transferredTo;
      // An answered call that ends with a BYE: its INVITE's final answer was 200 (RFC 3326 `SIP;cause=200`).
      this.finish(call, {
        cause: network ? 'network' : 'normal',
        sipCode: network ? null : 200,
        by: network ? 'system' : by,
        reason: transferredTo ? `Transferred to ${transferredTo}` : reason,
        ...(transferredTo ? { transferredTo } : {}),
      });
    });
    session.on('failed', (e) => {
      const reason = String(e.cause);
      const originator = String(e.originator);
      const status =
        (e.message as { status_code?: number } | undefined)?.status_code ??
        (originator === 'local' ? this.legs.get(call.id)?.sentStatus : undefined);
      const sipCode = typeof status === 'number' && status >= 300 ? status : sipCodeOfJsSipCause(reason);
      const cause = sipCode !== null ? causeFromSipCode(sipCode) : causeFromJsSip(reason);
      const by = originator === 'local' ? 'local' : originator === 'remote' ? 'remote' : 'system';
      this.finish(call, { cause, sipCode, by, reason });
      if (reason === 'User Denied Media Access') {
        this.reportError(
          PhoneErrorCode.MediaDenied,
          'The microphone is not available or access was denied.',
          call.id,
        );
      }
    });
  }

  private finish(call: CallImpl, end: CallEnd): void {
    call.apply({ type: 'end', end });
    this.release(call.id);
  }

  /** Forget the call's leg and stop every microphone track we opened for it (the browser's mic light goes off). */
  private release(callId: string): void {
    const leg = this.legs.get(callId);
    if (!leg) return;
    this.legs.delete(callId);
    leg.recovery?.stop();
    if (leg.ownStream) stopStream(leg.ownStream);
    for (const track of leg.ownTracks) track.stop();
  }

  private watchMedia(pc: RTCPeerConnection): void {
    pc.addEventListener('track', (ev) => {
      if (ev.track.kind !== 'audio') return;
      this.attachRemoteStream(ev.streams[0] ?? new MediaStream([ev.track]));
    });
  }

  private attachFrom(pc: RTCPeerConnection | undefined): void {
    const tracks =
      pc
        ?.getReceivers()
        .map((r) => r.track)
        .filter((t) => t.kind === 'audio') ?? [];
    if (tracks.length > 0) this.attachRemoteStream(new MediaStream(tracks));
  }

  private terminate(call: CallImpl, opts?: { status_code: number; reason_phrase: string }): void {
    const leg = this.legs.get(call.id);
    if (!leg) return;
    // JsSIP ends the session synchronously inside terminate() ('failed' or 'ended' -> finish()); the leg
    // stays until then so those handlers see what we sent, and is released here whatever happens.
    leg.sentStatus = opts?.status_code;
    try {
      if (!leg.session.isEnded()) leg.session.terminate(opts);
    } catch (err) {
      this.reportError(PhoneErrorCode.ProviderError, `Hang-up failed: ${errorMessage(err)}`, call.id, err);
    } finally {
      this.release(call.id);
    }
  }

  /**
   * The WebSocket, connected at or after `since`: a connection made over a network path that has since
   * gone may be dead without either side knowing (no keep-alive), so one that is older is replaced.
   * JsSIP re-registers by itself once connected, and keeps retrying while the server cannot be reached.
   */
  private freshTransport(since: number): Promise<void> {
    const ua = this.ua;
    if (!ua) return Promise.reject(new Error('not registered'));
    if (ua.isConnected() && this.connectedAt >= since) return Promise.resolve();
    return new Promise((resolve) => {
      this.transportWaiters.push(resolve);
      if (ua.isConnected()) {
        const transport = (ua as unknown as { transport: { disconnect(): void; connect(): void } }).transport;
        transport.disconnect();
        transport.connect();
      }
    });
  }

  private mediaConstraints(): MediaStreamConstraints {
    return { audio: audioConstraint(this.devices.input), video: false };
  }

  private requireUa(): JsSIP.UA {
    if (!this.ua) throw new Error('not registered');
    return this.ua;
  }

  private requireLeg(call: CallImpl): Leg {
    const leg = this.legs.get(call.id);
    if (!leg) throw new Error('this call has no SIP session');
    return leg;
  }

  /** Unregister (best effort, ≤1 s), stop the UA and close its socket now rather than JsSIP's 2 s later. */
  private async stopUa(): Promise<void> {
    const ua = this.ua;
    if (!ua) return;
    this.ua = null;
    this.transportWaiters = [];
    for (const leg of this.legs.values()) {
      leg.recovery?.stop();
      try {
        if (!leg.session.isEnded()) leg.session.terminate();
      } catch {
        /* already gone */
      }
    }
    this.legs.clear();
    // UA is a Node-style EventEmitter; its typings lean on @types/node, which browser code does not load.
    const emitter = ua as unknown as {
      once(event: string, fn: () => void): void;
      removeAllListeners(): void;
    };
    if (ua.isRegistered() && ua.isConnected()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        emitter.once('unregistered', done);
        emitter.once('registrationFailed', done);
        ua.unregister();
      });
    }
    ua.stop();
    (ua as unknown as { transport?: { disconnect(): void } }).transport?.disconnect();
    emitter.removeAllListeners();
    uaCount--;
  }
}
