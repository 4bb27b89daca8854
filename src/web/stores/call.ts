/**
 * The call on screen. Follows the phone store's softphone (whichever connection it serves); the page
 * calls {@link dial}, {@link answer}, {@link hangup}, ... and renders {@link current}. The call's record
 * on the server is kept in step by {@link CallRecordSync}; this store only shows what it reports.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { AssignedNumberDto } from '../../shared/api.js';
import type { CallerVerification } from '../../shared/domain.js';
import { trunkFailureReason } from '../../shared/health.js';
import {
  describeEnd,
  outcomeOf,
  type Call,
  type CallQuality,
  type CallState,
  type EndCause,
  type Softphone,
} from '../../phone/index.js';
import { closeCallNotification, notifyIncomingCall } from '../lib/desktop-notification.js';
import { CallRecordSync } from '../services/call-record-sync.js';
import { usePhoneStore } from './phone.js';

/** What the page shows of a call (a plain snapshot, refreshed on every phone event). */
export interface CallView {
  id: string;
  direction: 'outbound' | 'inbound';
  remoteNumber: string;
  remoteName: string | null;
  /** Our number: the caller ID (outbound) or the number that was called (inbound, when known). */
  callerId: string | null;
  /** Inbound: the carrier's STIR/SHAKEN verdict on the caller ID. */
  callerVerification: CallerVerification | null;
  state: CallState;
  muted: boolean;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  cause: EndCause | null;
  sipCode: number | null;
  /** "Busy (486)", "Call ended by the other party", ... once ended. */
  endText: string | null;
  quality: CallQuality | null;
  dtmfSent: string;
  dtmfReceived: string;
  /** The server's record id, once created. */
  recordId: string | null;
  /** Network interruptions the answered call lived through so far (state `reconnecting`). */
  interruptions: number;
  /** Why the record could not be written (the call goes on regardless). */
  recordError: string | null;
  /**
   * Outbound, ended: why the call could not be set up because of its trunk (transport error, 408, 5xx;
   * shared/health.ts), which the failover offers to retry on another connection; null otherwise.
   */
  trunkFailure: string | null;
}

/** How long an ended call's summary stays before the dial pad returns (the call stays in History). */
export const ENDED_CALL_SHOWN_MS = 6000;

export const useCallStore = defineStore('call', () => {
  const phone = usePhoneStore();
  const current = ref<CallView | null>(null);
  /** A dial is in progress (record being opened, INVITE about to go). */
  const placing = ref(false);
  const now = ref(Date.now());
  /** The phone's Call behind {@link current} (null while a dial is still opening its record). */
  let currentCall: Call | null = null;
  let ticker: ReturnType<typeof setInterval> | null = null;
  let endedTimer: ReturnType<typeof setTimeout> | null = null;
  /** Hang up pressed while the record was being opened: do not send the INVITE. */
  let dialAborted = false;
  /** Counts calls whose record was written for the last time (an open History page reloads on it). */
  const recordsClosed = ref(0);
  const records = new CallRecordSync({
    recordOpened: (callId, recordId) => patchView(callId, { recordId }),
    recordFailed: (callId, message) => patchView(callId, { recordError: message }),
    recordClosed: () => recordsClosed.value++,
  });

  const live = computed(() => current.value !== null && current.value.state !== 'ended');
  const incoming = computed(
    () =>
      current.value !== null &&
      current.value.direction === 'inbound' &&
      (current.value.state === 'ringing' || current.value.state === 'early_media'),
  );
  /** Seconds since the call was answered (0 before). */
  const elapsedSeconds = computed(() => {
    const c = current.value;
    if (!c?.answeredAt) return 0;
    const end = c.endedAt ?? now.value;
    return Math.max(0, Math.floor((end - c.answeredAt) / 1000));
  });

  // Follow whichever softphone the phone store holds; `sync` so no event of a new one is missed.
  let unfollow: (() => void) | null = null;
  watch(
    () => phone.softphone,
    (softphone) => {
      unfollow?.();
      unfollow = softphone ? follow(softphone) : null;
    },
    { immediate: true, flush: 'sync' },
  );

  function follow(softphone: Softphone): () => void {
    const offs = [
      softphone.on('callState', ({ call }) => onCallState(call)),
      softphone.on('incomingCall', (call) => onIncoming(call, softphone.connectionId)),
      softphone.on('callQuality', ({ call, quality }) => {
        records.quality(call.id, quality);
        patchView(call.id, { quality });
      }),
      softphone.on('dtmfReceived', ({ call, digit }) => {
        if (current.value?.id === call.id)
          patchView(call.id, { dtmfReceived: current.value.dtmfReceived + digit });
      }),
    ];
    return () => offs.forEach((off) => off());
  }

  function show(call: Call): void {
    currentCall = call;
    current.value = snapshot(call, current.value);
  }

  function patchView(callId: string, change: Partial<CallView>): void {
    if (current.value?.id === callId) current.value = { ...current.value, ...change };
  }

  function startTicker(): void {
    if (ticker !== null) return;
    ticker = setInterval(() => {
      now.value = Date.now();
      if (!live.value) stopTicker();
    }, 1000);
  }

  function stopTicker(): void {
    if (ticker !== null) clearInterval(ticker);
    ticker = null;
  }

  function onCallState(call: Call): void {
    show(call);
    if (call.state !== 'ended') startTicker();
    else {
      now.value = Date.now();
      closeCallNotification(call.id);
      dismissLater(call.id);
    }
    records.stateChanged(call);
  }

  function onIncoming(call: Call, connectionId: string | null): void {
    show(call);
    notifyIncomingCall(call.id, call.remoteName ?? call.remoteNumber);
    records.followInbound(call, connectionId);
  }

  /**
   * Place a call: open the record (the server checks the caller ID belongs to the connection), then
   * send the INVITE. Throws the server's ApiError or the phone's PhoneError for the page to show.
   */
  async function dial(
    destination: string,
    callerId: AssignedNumberDto,
    options: { emergency?: boolean; retryOfCallId?: string } = {},
  ): Promise<void> {
    const softphone = phone.softphone;
    const connectionId = softphone?.connectionId;
    if (!softphone || !connectionId) throw new Error('The phone is not connected.');
    if (live.value || placing.value) throw new Error('Finish the current call before starting another.');
    placing.value = true;
    dialAborted = false;
    // The request and the microphone start first, before any other work in this click: the microphone's
    // start-up (not the server) is the longest step before the INVITE. The INVITE waits for both.
    const opening = Promise.all([
      records.open({
        connectionId,
        direction: 'outbound',
        remoteNumber: destination,
        callerNumber: callerId.number,
        phoneNumberId: callerId.phoneNumberId,
        ...(options.retryOfCallId ? { retryOfCallId: options.retryOfCallId } : {}),
      }),
      softphone.prepareMedia().catch(() => undefined),
    ]);
    // Show the call at once: the page re-renders while the server answers, not while the INVITE is prepared.
    currentCall = null;
    current.value = pendingView(destination, callerId.number);
    startTicker();
    try {
      const [record] = await opening;
      if (dialAborted) {
        await records.closeUnplaced(record.id, 'cancelled', 'Cancelled');
        current.value = null;
        return;
      }
      let call: Call;
      try {
        call = softphone.call({ destination, callerId: callerId.number, emergency: options.emergency });
      } catch (err) {
        current.value = null;
        await records.closeUnplaced(record.id, 'failed', (err as Error).message);
        throw err;
      }
      records.follow(call, record.id);
    } catch (err) {
      if (current.value?.id === PENDING_ID) current.value = null;
      throw err;
    } finally {
      placing.value = false;
    }
  }

  function withCall(action: (call: Call) => void | Promise<void>): Promise<void> {
    const call = currentCall;
    if (!call || call.id !== current.value?.id || call.state === 'ended') return Promise.resolve();
    return Promise.resolve(action(call));
  }

  const answer = (): Promise<void> => withCall((c) => c.answer());
  const decline = (): Promise<void> => withCall((c) => c.decline());
  const hangup = (): Promise<void> => {
    if (current.value?.id === PENDING_ID) dialAborted = true;
    return withCall((c) => c.hangup());
  };
  const toggleMute = (): Promise<void> =>
    withCall((c) => {
      if (c.muted) c.unmute();
      else c.mute();
    });
  const toggleHold = (): Promise<void> => withCall((c) => (c.state === 'held' ? c.unhold() : c.hold()));

  /** Why the current connection cannot transfer calls (shown instead of the control), or null. */
  const transferUnavailable = computed(() => phone.softphone?.transferUnavailableReason ?? null);
  /** A transfer is on its way: the far end has been asked and has not answered yet. */
  const transferring = ref(false);

  /** Blind transfer of the current call to an E.164 number; throws the phone's error (the call stays up). */
  const transfer = (target: string): Promise<void> =>
    withCall(async (c) => {
      transferring.value = true;
      try {
        await c.transfer(target);
      } finally {
        transferring.value = false;
      }
    });

  function sendDtmf(digit: string): void {
    void withCall((c) => {
      if (c.state !== 'active' && c.state !== 'early_media') return;
      c.sendDtmf(digit);
      patchView(c.id, { dtmfSent: (current.value?.dtmfSent ?? '') + digit });
    });
  }

  /** Clear an ended call from the screen. */
  /** Back to the dial pad: the ended call's summary goes (it is in History); a live call stays. */
  function dismiss(): void {
    if (endedTimer !== null) clearTimeout(endedTimer);
    endedTimer = null;
    if (current.value?.state === 'ended') current.value = null;
  }

  /**
   * The ended call gives way to the dial pad by itself, so the next call is one step away; unless its
   * record could not be saved: then the panel is the only place that says so, and it waits for the agent.
   */
  function dismissLater(callId: string): void {
    if (endedTimer !== null) clearTimeout(endedTimer);
    endedTimer = setTimeout(() => {
      endedTimer = null;
      const c = current.value;
      if (c?.id === callId && c.state === 'ended' && !c.recordError) current.value = null;
    }, ENDED_CALL_SHOWN_MS);
  }

  return {
    current,
    placing,
    live,
    incoming,
    elapsedSeconds,
    recordsClosed,
    dial,
    answer,
    decline,
    hangup,
    toggleMute,
    toggleHold,
    transferUnavailable,
    transferring,
    transfer,
    sendDtmf,
    dismiss,
  };
});

const PENDING_ID = 'pending';

function snapshot(call: Call, previous: CallView | null): CallView {
  const same = previous?.id === call.id ? previous : null;
  return {
    id: call.id,
    direction: call.direction,
    remoteNumber: call.remoteNumber,
    remoteName: call.remoteName,
    callerId: call.callerId,
    callerVerification: call.callerVerification,
    state: call.state,
    muted: call.muted,
    startedAt: call.startedAt.getTime(),
    answeredAt: call.answeredAt?.getTime() ?? null,
    endedAt: call.endedAt?.getTime() ?? null,
    cause: call.cause,
    sipCode: call.sipCode,
    endText: call.end ? describeEnd(call.end) : null,
    quality: same?.quality ?? null,
    dtmfSent: same?.dtmfSent ?? '',
    dtmfReceived: same?.dtmfReceived ?? '',
    recordId: same?.recordId ?? null,
    recordError: same?.recordError ?? null,
    interruptions: call.interruptions,
    trunkFailure:
      call.direction === 'outbound' && call.end
        ? trunkFailureReason({
            outcome: outcomeOf(call.end, call.answeredAt !== null),
            sipCode: call.end.sipCode,
            hangupCause: describeEnd(call.end),
            progressAt: call.progressAt?.toISOString() ?? null,
          })
        : null,
  };
}

/** The outbound call between the click and the phone's own call object (a few ms). */
function pendingView(remoteNumber: string, callerId: string): CallView {
  return {
    id: PENDING_ID,
    direction: 'outbound',
    remoteNumber,
    remoteName: null,
    callerId,
    callerVerification: null,
    state: 'dialing',
    muted: false,
    startedAt: Date.now(),
    answeredAt: null,
    endedAt: null,
    cause: null,
    sipCode: null,
    endText: null,
    quality: null,
    dtmfSent: '',
    dtmfReceived: '',
    recordId: null,
    recordError: null,
    interruptions: 0,
    trunkFailure: null,
  };
}
