/**
 * Keeps an answered JsSIP call alive across a change of network path (issue 14, item 1).
 *
 * Noticing: the media path is broken when ICE says so (`disconnected` / `failed`) or when audio, once
 * flowing, has not arrived for {@link STALL_MS} while neither side holds the call. The second matters: after the
 * browser's interface goes away, Chromium moves its ICE checks to another interface and the media relay
 * (rtpengine) answers them, so ICE stays "connected" while the relay keeps sending the audio to the old
 * address. The WebSocket's TCP connection on the old path may be just as dead without anyone knowing.
 *
 * Recovering: the call goes `reconnecting`; the WebSocket is reconnected unless it already connected
 * after the break began (JsSIP re-registers by itself on connect); then a re-INVITE with an ICE restart
 * renegotiates the media path over the new one. The call goes back to `active` (or `held`) once ICE is
 * connected again and, if it is not on hold, audio arrives. The phone never ends the call for this: a
 * refused or unanswered re-INVITE is retried with a growing pause. (JsSIP's renegotiate() hangs up when
 * the re-INVITE is refused or times out, so it goes through jssip-reinvite.ts instead.)
 *
 * Hold or Resume pressed while reconnecting ({@link CallRecovery.holdWhenBack}) sets the session's hold
 * flag, so the restart's offer says sendonly (or sendrecv); pressed after that offer left, one more
 * re-INVITE carries it before the call is back, `held` or `active` as the flag says.
 *
 * After a drop of the WebSocket alone (media fine), {@link CallRecovery.refreshContact} sends a plain
 * re-INVITE so the far end's requests reach us on the new connection.
 */
import type { RTCSession } from 'jssip/lib/RTCSession.js';
import type { CallImpl } from '../call.js';
import type { PhoneLogger } from '../logger.js';
import { sendReinvite } from './jssip-reinvite.js';

/** No audio for this long, while neither side holds the call, means the path broke. */
export const STALL_MS = 1500;
/** How often the received audio is checked. */
const CHECK_MS = 250;
/** A refused or impossible re-INVITE is tried again after this, doubling up to RETRY_MAX_MS. */
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 8000;
/** Tries at a contact refresh that got no answer (refreshContact). */
const REFRESH_ATTEMPTS = 3;
/** ICE connected but no audio this long after the restart: the path works; the far end is just quiet. */
const QUIET_FAR_END_MS = 5000;

/** What the recovery needs from the adapter. */
export interface RecoveryHost {
  readonly logger: PhoneLogger;
  /** Resolves once the WebSocket is connected and was (re)connected at or after `since` (ms epoch). */
  freshTransport(since: number): Promise<void>;
}

/** JsSIP's hold flag and the handlers hold()/unhold() run after setting it (not in its typings). */
interface SessionHold {
  _localHold: boolean;
  _onhold(originator: 'local'): void;
  _onunhold(originator: 'local'): void;
}

export class CallRecovery {
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastBytes = -1;
  /** Audio has arrived at least once: a far end that never sends any (a test peer without RTP) never stalls. */
  private mediaSeen = false;
  private lastChange = Date.now();
  private recovering = false;
  private stopped = false;
  private retryMs = RETRY_MIN_MS;
  private pc: RTCPeerConnection | null = null;

  constructor(
    private readonly call: CallImpl,
    private readonly session: RTCSession,
    private readonly host: RecoveryHost,
  ) {}

  /** Watch the call's media path from now on (the call has been answered). */
  start(): void {
    if (this.timer !== null || this.stopped) return;
    this.watchIce(this.session.connection);
    this.lastChange = Date.now();
    this.timer = setInterval(() => void this.check(), CHECK_MS);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private watchIce(pc: RTCPeerConnection | undefined): void {
    if (!pc || pc === this.pc) return;
    this.pc = pc;
    pc.addEventListener('iceconnectionstatechange', () => {
      const s = pc.iceConnectionState;
      if (s === 'disconnected' || s === 'failed') this.recover(`ICE ${s}`);
    });
  }

  /**
   * Hold or Resume pressed while reconnecting (Softphone.hold): the session's own hold flag, which
   * shapes every offer from now on (sendonly), and its local media (the microphone goes quiet on hold).
   */
  holdWhenBack(hold: boolean): void {
    const s = this.session as unknown as SessionHold;
    if (s._localHold === hold) return;
    s._localHold = hold;
    if (hold) s._onhold('local');
    else s._onunhold('local');
  }

  private localHold(): boolean {
    return this.session.isOnHold().local;
  }

  private onHold(): boolean {
    const h = this.session.isOnHold();
    return h.local || h.remote || this.call.state === 'held';
  }

  private async receivedBytes(): Promise<number | null> {
    const pc = this.pc;
    if (!pc || pc.connectionState === 'closed') return null;
    let bytes = 0;
    const report = await pc.getStats();
    report.forEach((r: { type?: string; kind?: string; bytesReceived?: number }) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') bytes += r.bytesReceived ?? 0;
    });
    return bytes;
  }

  private async check(): Promise<void> {
    if (this.stopped) return;
    if (!this.call.live || this.session.isEnded()) {
      this.stop();
      return;
    }
    const bytes = await this.receivedBytes().catch(() => null);
    if (bytes === null) return;
    const now = Date.now();
    if (bytes !== this.lastBytes) {
      if (this.lastBytes >= 0 && bytes > this.lastBytes) this.mediaSeen = true;
      this.lastBytes = bytes;
      this.lastChange = now;
      return;
    }
    if (this.recovering || this.onHold()) {
      if (this.onHold()) this.lastChange = now;
      return;
    }
    if (this.mediaSeen && now - this.lastChange >= STALL_MS)
      this.recover(`no audio for ${now - this.lastChange} ms`);
  }

  private recover(why: string): void {
    if (this.recovering || this.stopped || !this.call.live) return;
    if (!this.call.apply({ type: 'interrupted' })) return;
    this.recovering = true;
    const since = Date.now();
    this.host.logger.warn('call media path lost, recovering', { callId: this.call.id, why });
    void this.host
      .freshTransport(since)
      .then(() => this.restartIce(since))
      .catch((err: unknown) => {
        this.host.logger.warn('call recovery failed', { callId: this.call.id, error: err });
        this.recovering = false;
      });
  }

  private restartIce(since: number): void {
    if (this.stopped || !this.call.live) return;
    if (!this.session.isReadyToReOffer()) {
      setTimeout(() => this.restartIce(since), 200);
      return;
    }
    // The offer carries the hold direction the session is in now (JsSIP's _mangleOffer).
    const offeredHold = this.localHold();
    void sendReinvite(this.session, { iceRestart: true }).then((outcome) => {
      if (this.stopped || !this.call.live || outcome === 'gone') return;
      if (outcome === 'answered') {
        this.retryMs = RETRY_MIN_MS;
        this.watchIce(this.session.connection);
        void this.awaitMedia(since, offeredHold);
        return;
      }
      const wait = this.retryMs;
      this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
      this.host.logger.warn('ICE restart re-INVITE failed; trying again', {
        callId: this.call.id,
        outcome,
        inMs: wait,
      });
      setTimeout(() => this.restartIce(since), wait);
    });
  }

  /**
   * The WebSocket reconnected and the phone registered again while the media path still works (only
   * the signalling connection dropped): the far end would still send its in-dialog requests (its BYE)
   * to our contact as the proxy knew it, on the connection that is gone. A re-INVITE over the new
   * connection (no ICE restart: the media is fine) gives the far end our contact as the proxy sees it
   * now (Kamailio's add_contact_alias), so its requests follow us. A recovery under way sends its own
   * re-INVITE over the new connection. A failed refresh leaves the call as it is: the media still flows.
   */
  refreshContact(attempt = 1): void {
    if (this.stopped || this.recovering || !this.call.live) return;
    if (!this.session.isReadyToReOffer()) {
      setTimeout(() => this.refreshContact(attempt), 200);
      return;
    }
    void sendReinvite(this.session, { iceRestart: false }).then((outcome) => {
      if (outcome === 'answered' || outcome === 'gone' || this.stopped || !this.call.live) return;
      this.host.logger.warn('re-INVITE after the WebSocket reconnected failed; the call goes on', {
        callId: this.call.id,
        outcome,
        attempt,
      });
      // No answer may be a passing loss on the new connection; a refusal will not change.
      if (outcome === 'no_answer' && attempt < REFRESH_ATTEMPTS)
        setTimeout(() => this.refreshContact(attempt + 1), RETRY_MIN_MS * attempt);
    });
  }

  /** Back once ICE is connected and (unless held) audio arrives again. */
  private async awaitMedia(since: number, offeredHold: boolean): Promise<void> {
    const restartedAt = Date.now();
    const start = await this.receivedBytes().catch(() => null);
    for (;;) {
      if (this.stopped || !this.call.live) return;
      const pc = this.pc;
      const ice = pc?.iceConnectionState;
      const iceUp = ice === 'connected' || ice === 'completed';
      const bytes = await this.receivedBytes().catch(() => null);
      const audio = bytes !== null && start !== null && bytes > start;
      if (iceUp && (audio || this.onHold() || Date.now() - restartedAt > QUIET_FAR_END_MS)) break;
      await new Promise((r) => setTimeout(r, CHECK_MS / 2));
    }
    this.lastBytes = -1;
    this.lastChange = Date.now();
    this.recovering = false;
    // Hold or Resume pressed after the restart's offer left: tell the far end before the call is back.
    const held = this.localHold();
    if (held !== offeredHold) {
      const outcome = await sendReinvite(this.session, { iceRestart: false });
      if (this.stopped || !this.call.live) return;
      if (outcome !== 'answered')
        this.host.logger.warn('the hold change after reconnecting was not confirmed', {
          callId: this.call.id,
          outcome,
        });
    }
    this.call.apply({ type: held ? 'recovered_on_hold' : 'recovered' });
    this.host.logger.debug('call media path recovered', { callId: this.call.id, ms: Date.now() - since });
  }
}
