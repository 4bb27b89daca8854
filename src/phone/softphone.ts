/**
 * The softphone interface: everything the page may use to make and take calls. The page never imports
 * a SIP library; it gets a {@link Softphone} from `createSoftphone(provider)` and listens to its events.
 */
import type { CallDirection, CallerVerification, Provider } from '../shared/domain.js';
import type { RegistrationDto } from '../shared/api.js';
import type { CallEnd, CallState, EndCause, LineState, RegistrationState } from './call-state.js';
import type { PhoneError } from './errors.js';
import type { PhoneLogger } from './logger.js';
import type { CallQuality } from './quality.js';

export type { CallEnd, CallState, EndCause, LineState, RegistrationState } from './call-state.js';
export type { PhoneError, PhoneErrorCode } from './errors.js';
export type { PhoneLogger } from './logger.js';
export type { CallQuality } from './quality.js';

/** A call in progress or finished. Read-only view; act on it through the methods. */
export interface Call {
  /** Local id, unique per softphone (the provider's call id when it has one). */
  readonly id: string;
  readonly direction: CallDirection;
  /** The other party, E.164 when it could be parsed (destination of outbound, caller of inbound). */
  readonly remoteNumber: string;
  /** Display name of the other party when the network sent one. */
  readonly remoteName: string | null;
  /** Our number on this call: the chosen caller ID (outbound) or the number dialled (inbound, when known). */
  readonly callerId: string | null;
  readonly state: CallState;
  /** Set once `state === 'ended'`. */
  readonly end: CallEnd | null;
  readonly cause: EndCause | null;
  readonly sipCode: number | null;
  readonly muted: boolean;
  readonly startedAt: Date;
  readonly answeredAt: Date | null;
  readonly endedAt: Date | null;
  /** The SIP Call-ID of the call's dialog (Telnyx: once the SDK reports it), null until known. */
  readonly sipCallId: string | null;
  /** When the INVITE left (outbound) or arrived (inbound). */
  readonly inviteAt: Date | null;
  /** The first provisional response (180/183) of an outbound call: post-dial delay = progressAt - inviteAt. */
  readonly progressAt: Date | null;
  /** Inbound: the caller's STIR/SHAKEN verification (`verstat`), null when the network sent none. */
  readonly callerVerification: CallerVerification | null;
  /**
   * Network interruptions the answered call lived through (state `reconnecting`): how many, when the
   * latest began, and how long it took to recover (null while reconnecting, or if it never recovered).
   */
  readonly interruptions: number;
  readonly interruptedAt: Date | null;
  readonly recoveredAfterMs: number | null;
  /**
   * While `reconnecting`: the call comes back on hold (it was on hold when its path broke, or Hold was
   * pressed since; Resume clears it). False in every other state.
   */
  readonly heldWhenBack: boolean;
  /** Latest quality from getStats(); nulls before media flows. */
  getQuality(): Promise<CallQuality>;
  answer(): Promise<void>;
  /** Reject an inbound call that rings (486/603-style). */
  decline(): void;
  /** End the call in whatever live state it is (cancel, reject or BYE). */
  hangup(): void;
  mute(): void;
  unmute(): void;
  hold(): Promise<void>;
  unhold(): Promise<void>;
  /** One of 0-9 * # A-D; RFC 4733 or SIP INFO per the connection's dtmfMode. */
  sendDtmf(digit: string): void;
  /** Blind transfer to an E.164 number: see {@link Softphone.transfer}. */
  transfer(target: string): Promise<void>;
  /** Attended transfer of this call's party to the party of another call: see {@link Softphone.completeTransfer}. */
  completeTransfer(consultCallId: string): Promise<void>;
}

export interface DialOptions {
  /** E.164, e.g. +13125550100; with `emergency`, the short code as dialled (911, 112, 999). */
  destination: string;
  /** The destination is an emergency number (the server has checked this connection may call it). */
  emergency?: boolean;
  /** E.164 caller ID chosen from the connection's assigned numbers. */
  callerId: string;
  /** Optional display name sent with the caller ID. */
  callerName?: string;
}

/** Device ids from {@link listAudioDevices}; undefined = leave unchanged, '' or 'default' = system default. */
export interface AudioDevices {
  input?: string;
  output?: string;
  ringer?: string;
}

export interface CallStateEvent {
  call: Call;
  state: CallState;
  /**
   * The call's state before this event; null for a call that has just begun. Equal for changes that
   * are not a move (mute, the Call-ID or INVITE time becoming known, the first 18x).
   */
  previous: CallState | null;
}

export interface CallQualityEvent {
  call: Call;
  quality: CallQuality;
}

export interface SoftphoneEvents {
  registrationState: RegistrationState;
  incomingCall: Call;
  callState: CallStateEvent;
  /** Every ~2 s while a call is answered (and once at the end). */
  callQuality: CallQualityEvent;
  /** A keypad tone from the other party (SIP INFO; RFC 4733 tones in RTP are not visible to the page). */
  dtmfReceived: { call: Call; digit: string };
  error: PhoneError;
}

export interface SoftphoneOptions {
  /**
   * Element that plays the remote audio. Default: the adapter creates a hidden `<audio autoplay>` and
   * appends it to `document.body` (removed on destroy). Pass one to control placement (e.g. a Vue ref).
   */
  audioElement?: HTMLAudioElement;
  /** Play the built-in WebAudio ringtone on incoming calls (default true in a browser). */
  ringtone?: boolean;
  /** Interval for `callQuality` events, ms (default 2000; 0 = off). */
  qualityIntervalMs?: number;
  /** Where refused state changes and failing listeners are reported (default: the console). */
  logger?: PhoneLogger;
}

/** The page's only handle on calling. One instance per selected connection; destroy() before switching. */
export interface Softphone {
  readonly provider: Provider | 'fake';
  readonly registrationState: RegistrationState;
  /** The connection of the registration in use (its RegistrationDto's), null when not registered. */
  readonly connectionId: string | null;
  /** idle / registering / ready from the registration, or the state of the call in focus (see lineStateOf). */
  readonly lineState: LineState;
  /**
   * The call in focus: the one the agent talks to (or last talked to), else the last ended one. A call
   * waiting during another call takes the focus once answered (lines.ts).
   */
  readonly currentCall: Call | null;
  /**
   * Every live call, oldest first: at most two (a second line). An incoming call during a call rings
   * with a short quiet tone; answering it, or resuming a held call, first puts the connected call on
   * hold; a third incoming call is answered busy (486).
   */
  readonly calls: readonly Call[];

  /**
   * Register with the connection's credentials. Resolves once registered; rejects with a
   * PhoneErrorException (code PHONE_REGISTRATION_FAILED, message says why) otherwise.
   * Calling it again first ends the previous registration (no second UA / socket).
   */
  register(reg: RegistrationDto): Promise<void>;
  /** End the registration and close the socket. Live calls are hung up. */
  unregister(): Promise<void>;
  /**
   * Start an outbound call. Throws a PhoneErrorException synchronously for plain mistakes:
   * PHONE_NOT_REGISTERED, PHONE_INVALID_NUMBER (destination or caller ID not E.164), PHONE_BUSY_LINE
   * (another call is connected: hold it first, e.g. to consult before a transfer; or two calls are up).
   */
  call(opts: DialOptions): Call;
  /** Answer a ringing call; a connected call is put on hold first. */
  answer(callId?: string): Promise<void>;
  decline(callId?: string): void;
  hangup(callId?: string): void;
  mute(callId?: string): void;
  unmute(callId?: string): void;
  hold(callId?: string): Promise<void>;
  /** Resume a held call; the other connected call, if any, is put on hold first (switching lines). */
  unhold(callId?: string): Promise<void>;
  sendDtmf(digit: string, callId?: string): void;
  /**
   * Why this phone cannot transfer calls (fit for the user), or null when it can ({@link transfer}).
   * Telnyx's browser SDK has no transfer; SIP connections transfer with REFER.
   */
  readonly transferUnavailableReason: string | null;
  /** Whether Hold and Resume work while a call is reconnecting (they choose how it comes back). */
  readonly holdsWhileReconnecting: boolean;
  /**
   * Blind transfer of a connected (or held) call to `target` (E.164): the other party is asked to call
   * the target (REFER, RFC 3515); once they report it reached (NOTIFY 2xx), or accepted the request and
   * said nothing more within 10 s, our leg hangs up and the call ends with the reason "Transferred to …".
   * Rejects with PHONE_TRANSFER_FAILED (the call stays up; the message says why), PHONE_INVALID_NUMBER
   * or PHONE_NOT_SUPPORTED.
   */
  transfer(target: string, callId?: string): Promise<void>;
  /**
   * Attended transfer: put the party of `callId` (usually on hold) through to the party of
   * `consultCallId` (the consult call the agent placed beside it, connected). The first party is asked
   * to call the second in place of our consult call (REFER with Replaces, RFC 3515 / 3891); once they
   * report it done (NOTIFY 2xx), or accepted the request and said nothing more within 10 s, both our
   * legs hang up and each call ends "Transferred to" the other's number. Rejects like {@link transfer}
   * (PHONE_TRANSFER_FAILED: both calls stay as they were).
   */
  completeTransfer(callId: string, consultCallId: string): Promise<void>;
  /** Microphone (next and current call), speaker (remote audio via setSinkId), ringer (ringtone). */
  setAudioDevices(devices: AudioDevices): Promise<void>;
  /**
   * Open the microphone for a call() that follows within a few seconds, so the page can do other work
   * first (e.g. open the call record) without adding the microphone's start-up to the time to INVITE.
   * Released after 5 s if no call uses it. A no-op for adapters that cannot take a stream.
   */
  prepareMedia(): Promise<void>;

  on<K extends keyof SoftphoneEvents>(event: K, listener: (payload: SoftphoneEvents[K]) => void): () => void;
  off<K extends keyof SoftphoneEvents>(event: K, listener: (payload: SoftphoneEvents[K]) => void): void;

  /** Hang up, unregister, close sockets, remove listeners and created elements. Idempotent. */
  destroy(): Promise<void>;
}

/** One of 0-9 * # A-D. */
export const DTMF_DIGIT = /^[0-9*#A-D]$/;
