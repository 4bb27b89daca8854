/**
 * Browser side of the phone harness: exposes the softphone (through createSoftphone, as the page uses
 * it) and a plain RTCPeerConnection "far end" on window, for Playwright to drive.
 */
import { createSoftphone, type SoftphoneKind } from '../../../src/phone/create-softphone.js';
import type { RegistrationDto } from '../../../src/shared/api.js';
import type { Call, DialOptions, Softphone } from '../../../src/phone/softphone.js';

interface LogEntry {
  t: number;
  kind: string;
  data: unknown;
}

const log: LogEntry[] = [];
let phone: Softphone | null = null;
let lastIncoming: Call | null = null;
/** The microphone track taken off the call by silence(true). */
let silenced: { sender: RTCRtpSender; track: MediaStreamTrack } | null = null;

function record(kind: string, data: unknown): void {
  log.push({ t: performance.now(), kind, data });
}

const harness = {
  log,
  async create(provider: SoftphoneKind): Promise<void> {
    phone = await createSoftphone(provider, { qualityIntervalMs: 500 });
    phone.on('registrationState', (s) => record('registration', s));
    phone.on('callState', (e) => {
      if (e.previous === null || e.state !== e.previous)
        record('callState', {
          id: e.call.id,
          state: e.state,
          cause: e.call.cause,
          sipCode: e.call.sipCode,
          by: e.call.end?.by ?? null,
        });
    });
    phone.on('incomingCall', (c) => {
      lastIncoming = c;
      record('incoming', { id: c.id, from: c.remoteNumber, name: c.remoteName, to: c.callerId });
    });
    phone.on('callQuality', (q) => record('quality', q.quality));
    phone.on('error', (e) => record('error', { code: e.code, message: e.message }));
  },
  async register(reg: RegistrationDto): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
    try {
      await phone!.register(reg);
      return { ok: true };
    } catch (err) {
      const e = err as { code?: string; message: string };
      return { ok: false, code: e.code ?? 'UNKNOWN', message: e.message };
    }
  },
  registration: () => phone!.registrationState,
  lineState: () => phone!.lineState,
  call(opts: DialOptions): string {
    return phone!.call(opts).id;
  },
  /** The call in focus, or the live call `id`. */
  callInfo(id?: string) {
    const c = id === undefined ? phone!.currentCall : (phone!.calls.find((x) => x.id === id) ?? null);
    return (
      c && {
        id: c.id,
        state: c.state,
        direction: c.direction,
        remoteNumber: c.remoteNumber,
        callerId: c.callerId,
        cause: c.cause,
        sipCode: c.sipCode,
        muted: c.muted,
        answered: c.answeredAt !== null,
        ended: c.endedAt !== null,
        endedBy: c.end?.by ?? null,
        sipCallId: c.sipCallId,
        inviteAt: c.inviteAt?.getTime() ?? null,
        progressAt: c.progressAt?.getTime() ?? null,
        callerVerification: c.callerVerification,
        heldWhenBack: c.heldWhenBack,
      }
    );
  },
  states: (id?: string) =>
    log
      .filter((l) => l.kind === 'callState' && (!id || (l.data as { id: string }).id === id))
      .map((l) => (l.data as { state: string }).state),
  incoming: () => lastIncoming?.id ?? null,
  /** Every live call as [id, direction, state, remote number], oldest first. */
  lines: () => phone!.calls.map((c) => [c.id, c.direction, c.state, c.remoteNumber]),
  answer: (id?: string) => phone!.answer(id),
  decline: (id?: string) => phone!.decline(id),
  hangup: (id?: string) => phone!.hangup(id),
  mute: () => phone!.mute(),
  unmute: () => phone!.unmute(),
  hold: (id?: string) => phone!.hold(id),
  unhold: (id?: string) => phone!.unhold(id),
  dtmf: (d: string) => phone!.sendDtmf(d),
  quality: () => phone!.currentCall?.getQuality() ?? null,
  setDevices: (d: { input?: string; output?: string; ringer?: string }) => phone!.setAudioDevices(d),
  async destroy(): Promise<void> {
    await phone?.destroy();
    phone = null;
  },
  /** Adapter statics (loaded on demand, like the page would). */
  async counts(): Promise<{ jssipUas: number; jssipSockets: number; telnyxClients: number }> {
    const [{ JsSipSoftphone }, { TelnyxSoftphone }] = await Promise.all([
      import('../../../src/phone/adapters/jssip-adapter.js'),
      import('../../../src/phone/adapters/telnyx-adapter.js'),
    ]);
    return {
      jssipUas: JsSipSoftphone.activeUaCount(),
      jssipSockets: JsSipSoftphone.openSocketCount(),
      telnyxClients: TelnyxSoftphone.activeClientCount(),
    };
  },
  /** The JsSIP session of the current call (for DTMF/INFO assertions on the receiving side). */
  watchSipDtmf(): void {
    type DtmfEvent = {
      originator: string;
      dtmf: { tone: string };
      info: { contentType: string; body: string };
    };
    const p = phone as unknown as {
      sessionOf?: (id: string) => { on(ev: string, fn: (e: DtmfEvent) => void): void } | null;
    };
    const c = phone!.currentCall;
    const s = c && p.sessionOf ? p.sessionOf(c.id) : null;
    if (!s) throw new Error('no SIP session');
    s.on('newDTMF', (e) => record('dtmf', { originator: e.originator, tone: e.dtmf.tone }));
    s.on('newInfo', (e) =>
      record('info', { originator: e.originator, contentType: e.info.contentType, body: e.info.body }),
    );
  },
  /** A header of the INVITE that started the current (inbound) SIP call. */
  inviteHeader(name: string): string | null {
    type Session = { _request?: { getHeader(n: string): string | undefined } };
    const p = phone as unknown as { sessionOf?: (id: string) => Session | null };
    const c = phone!.currentCall;
    const s = c && p.sessionOf ? p.sessionOf(c.id) : null;
    return s?._request?.getHeader(name) ?? null;
  },
  /** RFC 4733: tones leave through the audio sender's RTCDTMFSender (tonechange fires per tone). */
  watchRtpDtmf(): boolean {
    const p = phone as unknown as { sessionOf?: (id: string) => { connection?: RTCPeerConnection } | null };
    const c = phone!.currentCall;
    const pc = c && p.sessionOf ? p.sessionOf(c.id)?.connection : null;
    const dtmf = pc?.getSenders().find((x) => x.track?.kind === 'audio')?.dtmf;
    if (!dtmf) throw new Error('no RTCDTMFSender');
    dtmf.addEventListener('tonechange', (e) => {
      if (e.tone) record('rtpDtmf', e.tone);
    });
    return dtmf.canInsertDTMF;
  },
  /** Whether the microphone track of the current SIP call is sending (false while muted). */
  micEnabled(): boolean | null {
    const p = phone as unknown as { sessionOf?: (id: string) => { connection?: RTCPeerConnection } | null };
    const c = phone!.currentCall;
    const pc = c && p.sessionOf ? p.sessionOf(c.id)?.connection : null;
    return pc?.getSenders().find((x) => x.track?.kind === 'audio')?.track?.enabled ?? null;
  },
  /**
   * Stop sending audio on the current SIP call (or send it again): the far end hears nothing, as when
   * the media path breaks one way, and its phone starts recovering the call.
   */
  async silence(on: boolean): Promise<void> {
    const p = phone as unknown as { sessionOf?: (id: string) => { connection?: RTCPeerConnection } | null };
    const c = phone!.currentCall;
    const pc = c && p.sessionOf ? p.sessionOf(c.id)?.connection : null;
    if (on) {
      const sender = pc?.getSenders().find((x) => x.track?.kind === 'audio');
      if (!sender?.track) return;
      silenced = { sender, track: sender.track };
      await sender.replaceTrack(null);
    } else if (silenced) {
      await silenced.sender.replaceTrack(silenced.track);
      silenced = null;
    }
  },
  remoteAudioElementCount: () => document.querySelectorAll('audio').length,
  /** Whether the far end of the current SIP call has put us on hold (a re-INVITE sendonly/inactive). */
  heldByRemote(): boolean | null {
    type Session = { isOnHold(): { local: boolean; remote: boolean } };
    const p = phone as unknown as { sessionOf?: (id: string) => Session | null };
    const c = phone!.currentCall;
    const s = c && p.sessionOf ? p.sessionOf(c.id) : null;
    return s ? s.isOnHold().remote : null;
  },
  /** Which live call the page's speaker plays: the call whose received audio track is in the <audio>. */
  playing(): string | null {
    const el = document.querySelector('audio');
    const src = el?.srcObject instanceof MediaStream ? el.srcObject.getAudioTracks().map((t) => t.id) : [];
    const p = phone as unknown as { sessionOf?: (id: string) => { connection?: RTCPeerConnection } | null };
    for (const c of phone!.calls) {
      const pc = p.sessionOf?.(c.id)?.connection;
      if (pc?.getReceivers().some((r) => src.includes(r.track.id))) return c.id;
    }
    return null;
  },
  /**
   * What the ringtone plays, as the speaker would: each WebAudio tone burst's loudness (its gain) and
   * length, logged as `tone` entries from now on.
   */
  watchTones(): void {
    const gains: GainNode[] = [];
    const createGain = AudioContext.prototype.createGain;
    AudioContext.prototype.createGain = function (this: AudioContext) {
      const g = createGain.call(this);
      gains.push(g);
      return g;
    };
    const stop = OscillatorNode.prototype.stop;
    OscillatorNode.prototype.stop = function (this: OscillatorNode, when?: number) {
      if (when !== undefined && when > this.context.currentTime) {
        const gain = gains.at(-1)?.gain.value ?? null;
        record('tone', { volume: gain, ms: Math.round((when - this.context.currentTime) * 1000) });
      }
      stop.call(this, when);
    };
  },
  tones: () => log.filter((l) => l.kind === 'tone').map((l) => l.data as { volume: number; ms: number }),
};

/** A bare WebRTC peer standing in for the far end of a Telnyx call. */
let pc: RTCPeerConnection | null = null;
async function newPeer(): Promise<RTCPeerConnection> {
  pc?.close();
  pc = new RTCPeerConnection();
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  for (const t of stream.getTracks()) pc.addTrack(t, stream);
  return pc;
}
async function gathered(p: RTCPeerConnection): Promise<string> {
  if (p.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        if (p.iceGatheringState === 'complete') resolve();
      };
      p.addEventListener('icegatheringstatechange', done);
      setTimeout(resolve, 1000);
    });
  }
  return p.localDescription!.sdp;
}
const farEnd = {
  async answer(offer: string): Promise<string> {
    const p = await newPeer();
    await p.setRemoteDescription({ type: 'offer', sdp: offer });
    await p.setLocalDescription(await p.createAnswer());
    return gathered(p);
  },
  async offer(): Promise<string> {
    const p = await newPeer();
    await p.setLocalDescription(await p.createOffer());
    return gathered(p);
  },
  async setAnswer(sdp: string): Promise<void> {
    await pc!.setRemoteDescription({ type: 'answer', sdp });
  },
  async bytes(): Promise<{ sent: number; received: number; state: string }> {
    let sent = 0;
    let received = 0;
    const report = await pc!.getStats();
    report.forEach((s: { type: string; kind?: string; bytesSent?: number; bytesReceived?: number }) => {
      if (s.type === 'outbound-rtp' && s.kind === 'audio') sent += s.bytesSent ?? 0;
      if (s.type === 'inbound-rtp' && s.kind === 'audio') received += s.bytesReceived ?? 0;
    });
    return { sent, received, state: pc!.connectionState };
  },
  close(): void {
    pc?.close();
    pc = null;
  },
};

export type Harness = typeof harness;
export type FarEnd = typeof farEnd;
/** What the harness page puts on window, for tests: `(window as unknown as HarnessWindow).harness`. */
export interface HarnessWindow {
  harness: Harness;
  farEnd: FarEnd;
}

Object.assign(window, { harness, farEnd } satisfies HarnessWindow);
document.title = 'phone harness ready';
