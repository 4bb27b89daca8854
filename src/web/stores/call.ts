/**
 * The call on screen and its record on the server. Bound to each softphone the phone store creates
 * ({@link bind}); the page calls {@link dial}, {@link answer}, {@link hangup}, ... and renders
 * {@link current}.
 *
 * Records: outbound calls open theirs before the INVITE goes out (a 422 CALLER_ID_NOT_ASSIGNED stops
 * the call), inbound ones when they ring; `answeredAt` is sent when the call is answered, and one final
 * update carries the outcome, end time, cause, SIP code and the last quality sample. A heartbeat every
 * 15 s tells the server the browser is still there (else it closes the record as abandoned).
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AssignedNumberDto, CallQualityDto } from '../../shared/api.js';
import { isE164 } from '../../shared/value-rules.js';
import type { UpdateCallRequest } from '../../shared/call-api.js';
import { describeEnd, outcomeOf } from '../../phone/call-state.js';
import type { Call, CallQuality, CallState, EndCause, Softphone } from '../../phone/softphone.js';
import { heartbeatCallRecord, startCallRecord, updateCallRecord } from '../api/call-records.js';
import { closeCallNotification, notifyIncomingCall } from '../lib/desktop-notification.js';

export const HEARTBEAT_MS = 15_000;
/** How long the final record waits for the phone's last getStats() sample after the call ended. */
const FINAL_QUALITY_WAIT_MS = 1500;

/** What the page shows of a call (a plain snapshot, refreshed on every phone event). */
export interface CallView {
  id: string;
  direction: 'outbound' | 'inbound';
  remoteNumber: string;
  remoteName: string | null;
  /** Our number: the caller ID (outbound) or the number that was called (inbound, when known). */
  callerId: string | null;
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
  /** Why the record could not be written (the call goes on regardless). */
  recordError: string | null;
}

interface RecordContext {
  call: Call;
  record: Promise<string | null>;
  resolveRecord: (id: string | null) => void;
  /** Record writes, in order. */
  chain: Promise<unknown>;
  answeredSent: boolean;
  finalised: boolean;
  heartbeat: ReturnType<typeof setInterval> | null;
  lastQuality: CallQuality | null;
  finalQuality: ((q: CallQuality) => void) | null;
}

export const useCallStore = defineStore('call', () => {
  const current = ref<CallView | null>(null);
  /** A dial is in progress (record being opened, INVITE about to go). */
  const placing = ref(false);
  const now = ref(Date.now());
  let phone: Softphone | null = null;
  let connectionId: string | null = null;
  let ticker: ReturnType<typeof setInterval> | null = null;
  /** Hang up pressed while the record was being opened: do not send the INVITE. */
  let dialAborted = false;
  const contexts = new Map<string, RecordContext>();

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

  function snapshot(call: Call, previous: CallView | null): CallView {
    const same = previous?.id === call.id ? previous : null;
    return {
      id: call.id,
      direction: call.direction,
      remoteNumber: call.remoteNumber,
      remoteName: call.remoteName,
      callerId: call.callerId,
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
    };
  }

  function patchView(callId: string, change: Partial<CallView>): void {
    if (current.value?.id === callId) current.value = { ...current.value, ...change };
  }

  function contextFor(call: Call): RecordContext {
    let ctx = contexts.get(call.id);
    if (!ctx) {
      let resolveRecord: (id: string | null) => void = () => undefined;
      const record = new Promise<string | null>((resolve) => (resolveRecord = resolve));
      ctx = {
        call,
        record,
        resolveRecord,
        chain: Promise.resolve(),
        answeredSent: false,
        finalised: false,
        heartbeat: null,
        lastQuality: null,
        finalQuality: null,
      };
      contexts.set(call.id, ctx);
    }
    return ctx;
  }

  /** Queue a write that needs the record id; skipped when the record could not be created. */
  function write(ctx: RecordContext, body: UpdateCallRequest): Promise<unknown> {
    ctx.chain = ctx.chain
      .then(() => ctx.record)
      .then((id) => (id ? updateCallRecord(id, body) : undefined))
      .catch((err: unknown) => patchView(ctx.call.id, { recordError: (err as Error).message }));
    return ctx.chain;
  }

  function recordCreated(ctx: RecordContext, id: string | null): void {
    ctx.resolveRecord(id);
    patchView(ctx.call.id, { recordId: id });
    if (id && ctx.call.state !== 'ended' && ctx.heartbeat === null) {
      ctx.heartbeat = setInterval(() => {
        void heartbeatCallRecord(id).catch(() => undefined);
      }, HEARTBEAT_MS);
    }
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

  function onCallState(call: Call, state: CallState): void {
    const ctx = contextFor(call);
    current.value = snapshot(call, current.value);
    if (state !== 'ended') startTicker();
    if ((state === 'active' || state === 'held') && call.answeredAt && !ctx.answeredSent) {
      ctx.answeredSent = true;
      void write(ctx, { answeredAt: call.answeredAt.toISOString() });
    }
    if (state === 'ended' && !ctx.finalised) {
      ctx.finalised = true;
      now.value = Date.now();
      closeCallNotification(call.id);
      void finalise(ctx);
    }
  }

  async function finalise(ctx: RecordContext): Promise<void> {
    const { call } = ctx;
    if (ctx.heartbeat !== null) clearInterval(ctx.heartbeat);
    ctx.heartbeat = null;
    const quality = call.answeredAt ? await finalQuality(ctx) : null;
    if (quality) patchView(call.id, { quality });
    const end = call.end ?? { cause: 'failed' as const, sipCode: null, by: 'system' as const, reason: null };
    await write(ctx, {
      outcome: outcomeOf(end, call.answeredAt !== null),
      ...(call.answeredAt ? { answeredAt: call.answeredAt.toISOString() } : {}),
      endedAt: (call.endedAt ?? new Date()).toISOString(),
      hangupCause: describeEnd(end),
      sipCode: end.sipCode !== null && end.sipCode >= 100 && end.sipCode <= 699 ? end.sipCode : null,
      quality: quality ? qualityDto(quality) : null,
    });
    contexts.delete(call.id);
  }

  /** The phone emits one last sample right after the end; wait a moment for it, else use the latest. */
  function finalQuality(ctx: RecordContext): Promise<CallQuality | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        ctx.finalQuality = null;
        resolve(ctx.lastQuality);
      }, FINAL_QUALITY_WAIT_MS);
      ctx.finalQuality = (q) => {
        clearTimeout(timer);
        ctx.finalQuality = null;
        resolve(q);
      };
    });
  }

  function onIncoming(call: Call): void {
    const ctx = contextFor(call);
    current.value = snapshot(call, current.value);
    notifyIncomingCall(call.id, call.remoteName ?? call.remoteNumber);
    if (!connectionId) return ctx.resolveRecord(null);
    startCallRecord({
      connectionId,
      direction: 'inbound',
      remoteNumber: call.remoteNumber || 'unknown',
      callerNumber: call.callerId && isE164(call.callerId) ? call.callerId : null,
    })
      .then((record) => recordCreated(ctx, record.id))
      .catch((err: unknown) => {
        recordCreated(ctx, null);
        patchView(call.id, { recordError: (err as Error).message });
      });
  }

  /**
   * Follow a softphone's calls. Returns the function that stops following (the phone store calls it
   * when it destroys the softphone).
   */
  function bind(softphone: Softphone, forConnection: string): () => void {
    phone = softphone;
    connectionId = forConnection;
    const offs = [
      softphone.on('callState', ({ call, state }) => onCallState(call, state)),
      softphone.on('incomingCall', (call) => onIncoming(call)),
      softphone.on('callQuality', ({ call, quality }) => {
        const ctx = contexts.get(call.id);
        if (ctx) {
          ctx.lastQuality = quality;
          ctx.finalQuality?.(quality);
        }
        patchView(call.id, { quality });
      }),
      softphone.on('dtmfReceived', ({ call, digit }) => {
        if (current.value?.id === call.id)
          patchView(call.id, { dtmfReceived: current.value.dtmfReceived + digit });
      }),
    ];
    return () => {
      offs.forEach((off) => off());
      if (phone === softphone) {
        phone = null;
        connectionId = null;
      }
    };
  }

  /**
   * Place a call: open the record (the server checks the caller ID belongs to the connection), then
   * send the INVITE. Throws the server's ApiError or the phone's PhoneError for the page to show.
   */
  async function dial(destination: string, callerId: AssignedNumberDto): Promise<void> {
    const softphone = phone;
    const conn = connectionId;
    if (!softphone || !conn) throw new Error('The phone is not connected.');
    if (live.value || placing.value) throw new Error('Finish the current call before starting another.');
    placing.value = true;
    dialAborted = false;
    // The request and the microphone start first, before any other work in this click: the microphone's
    // start-up (not the server) is the longest step before the INVITE. The INVITE waits for both.
    const opening = Promise.all([
      startCallRecord({
        connectionId: conn,
        direction: 'outbound',
        remoteNumber: destination,
        callerNumber: callerId.number,
        phoneNumberId: callerId.phoneNumberId,
      }),
      softphone.prepareMedia().catch(() => undefined),
    ]);
    // Show the call at once: the page re-renders while the server answers, not while the INVITE is prepared.
    current.value = pendingView(destination, callerId.number);
    startTicker();
    try {
      const [record] = await opening;
      if (dialAborted) {
        await updateCallRecord(record.id, {
          outcome: 'cancelled',
          endedAt: new Date().toISOString(),
          hangupCause: 'Cancelled',
        }).catch(() => undefined);
        current.value = null;
        return;
      }
      let call: Call;
      try {
        call = softphone.call({ destination, callerId: callerId.number });
      } catch (err) {
        current.value = null;
        // The INVITE never went out: close the record at once so it does not wait to be abandoned.
        await updateCallRecord(record.id, {
          outcome: 'failed',
          endedAt: new Date().toISOString(),
          hangupCause: (err as Error).message.slice(0, 200),
        }).catch(() => undefined);
        throw err;
      }
      recordCreated(contextFor(call), record.id);
    } catch (err) {
      if (current.value?.id === PENDING_ID) current.value = null;
      throw err;
    } finally {
      placing.value = false;
    }
  }

  function withCall(action: (call: Call) => void | Promise<void>): Promise<void> {
    const id = current.value?.id;
    const call = id ? contexts.get(id)?.call : undefined;
    if (!call || call.state === 'ended') return Promise.resolve();
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

  function sendDtmf(digit: string): void {
    void withCall((c) => {
      if (c.state !== 'active' && c.state !== 'early_media') return;
      c.sendDtmf(digit);
      patchView(c.id, { dtmfSent: (current.value?.dtmfSent ?? '') + digit });
    });
  }

  /** Clear an ended call from the screen. */
  function dismiss(): void {
    if (current.value?.state === 'ended') current.value = null;
  }

  return {
    current,
    placing,
    live,
    incoming,
    elapsedSeconds,
    bind,
    dial,
    answer,
    decline,
    hangup,
    toggleMute,
    toggleHold,
    sendDtmf,
    dismiss,
  };
});

const PENDING_ID = 'pending';

/** The outbound call between the click and the phone's own call object (a few ms). */
function pendingView(remoteNumber: string, callerId: string): CallView {
  return {
    id: PENDING_ID,
    direction: 'outbound',
    remoteNumber,
    remoteName: null,
    callerId,
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
  };
}

function qualityDto(q: CallQuality): CallQualityDto {
  const clamp = (v: number | null, min: number, max: number): number | null =>
    v === null || !Number.isFinite(v) ? null : Math.min(max, Math.max(min, v));
  return {
    mos: clamp(q.mos, 1, 5),
    jitterMs: clamp(q.jitterMs, 0, 60_000),
    packetLossPct: clamp(q.packetLossPct, 0, 100),
    rttMs: clamp(q.rttMs, 0, 60_000),
  };
}
