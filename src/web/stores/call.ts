/**
 * The calls on screen. Follows the phone store's softphone (whichever connection it serves); the page
 * calls {@link dial}, {@link answer}, {@link hangup}, ... and renders {@link current}, the call shown
 * in the panel, with {@link others} (the second line: a held call, a consult call) beside it and
 * {@link ringing} in the incoming-call dialog. Which call is shown is this store's to decide: the one
 * the agent talks to (a call that becomes connected is shown), else the newest; the phone keeps at
 * most one call connected (src/phone/lines.ts). Each call's record on the server is kept in step by
 * {@link CallRecordSync}; this store only shows what it reports. Over 400 lines: dial() has two ways
 * (on a call approval given ahead, or record first), and they read best side by side.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { AssignedNumberDto } from '../../shared/api.js';
import type { Call, Softphone } from '../../phone/index.js';
import { closeCallNotification, notifyIncomingCall } from '../lib/desktop-notification.js';
import { CallApprovals } from '../services/call-approvals.js';
import { CallRecordSync } from '../services/call-record-sync.js';
import { PENDING_ID, pendingView, ringsHere, snapshot, type CallView } from './call-view.js';
import { usePhoneStore } from './phone.js';

export type { CallView } from './call-view.js';

/** How long an ended call's summary stays before the dial pad returns (the call stays in History). */
export const ENDED_CALL_SHOWN_MS = 6000;

export const useCallStore = defineStore('call', () => {
  const phone = usePhoneStore();
  /** Every call the page shows or keeps beside the shown one: live calls, and the ended one summarised. */
  const views = ref<CallView[]>([]);
  /** Which of {@link views} the panel shows. */
  const shownId = ref<string | null>(null);
  const current = computed(() => views.value.find((v) => v.id === shownId.value) ?? null);
  /** The other live calls, beside the shown one (a held call, a consult call), not one that rings here. */
  const others = computed(() =>
    views.value.filter((v) => v.id !== shownId.value && v.state !== 'ended' && !ringsHere(v)),
  );
  /** An inbound call ringing here (the incoming-call dialog), the first one when two ring. */
  const ringing = computed(() => views.value.find(ringsHere) ?? null);
  /** A dial is in progress (record being opened, INVITE about to go). */
  const placing = ref(false);
  const now = ref(Date.now());
  /** The phone's Call behind each view (none while a dial is still opening its record). */
  const phoneCalls = new Map<string, Call>();
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

  const live = computed(() => views.value.some((v) => v.state !== 'ended'));
  /** A call rings here: the incoming-call dialog is up (over the shown call, for a call waiting). */
  const incoming = computed(() => ringing.value !== null);
  /** The call that rings is a second call, arriving while another is up (call waiting). */
  const waiting = computed(
    () =>
      ringing.value !== null && views.value.some((v) => v.id !== ringing.value?.id && v.state !== 'ended'),
  );
  /** Seconds since the call was answered (0 before). */
  const elapsedSeconds = computed(() => {
    const c = current.value;
    if (!c?.answeredAt) return 0;
    const end = c.endedAt ?? now.value;
    return Math.max(0, Math.floor((end - c.answeredAt) / 1000));
  });

  /** The server's approvals of the chosen caller ID, held for the next call (see prepareCall). */
  const approvals = new CallApprovals();

  // Follow whichever softphone the phone store holds; `sync` so no event of a new one is missed.
  let unfollow: (() => void) | null = null;
  watch(
    () => phone.softphone,
    (softphone) => {
      unfollow?.();
      approvals.clear(); // another connection (or no user): approvals of the last one are of no use
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
        const view = viewOf(call.id);
        if (view) patchView(call.id, { dtmfReceived: view.dtmfReceived + digit });
      }),
    ];
    return () => offs.forEach((off) => off());
  }

  const viewOf = (id: string): CallView | undefined => views.value.find((v) => v.id === id);

  /** Refresh (or add) the call's view, and decide which call the panel shows. */
  function upsert(call: Call): void {
    phoneCalls.set(call.id, call);
    const known = viewOf(call.id);
    const view = snapshot(call, known ?? null);
    if (known) views.value = views.value.map((v) => (v.id === call.id ? view : v));
    else views.value = [...views.value.filter((v) => v.state !== 'ended'), view];
    const shown = current.value;
    if (call.state === 'active' || !shown || (shown.state === 'ended' && call.state !== 'ended')) {
      // The call the agent talks to is the one shown; a new call shows when nothing else is up.
      shownId.value = call.id;
    } else if (call.state === 'ended' && shown.id === call.id) {
      // The shown call ended beside another live call: that one is shown (still held until resumed).
      const next = views.value.find((v) => v.state !== 'ended' && !ringsHere(v));
      if (next) shownId.value = next.id;
    }
    if (call.state === 'ended' && shownId.value !== call.id) forget(call.id);
  }

  function forget(callId: string): void {
    views.value = views.value.filter((v) => v.id !== callId);
    phoneCalls.delete(callId);
  }

  function patchView(callId: string, change: Partial<CallView>): void {
    if (!viewOf(callId)) return;
    views.value = views.value.map((v) => (v.id === callId ? { ...v, ...change } : v));
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

  /** Placing a call on an approval: its first events wait until its INVITE is out (dial). */
  let inviting = false;
  const unshown = new Set<string>();

  function onCallState(call: Call): void {
    if (inviting || unshown.has(call.id)) {
      records.stateChanged(call);
      return;
    }
    upsert(call);
    if (call.state !== 'ended') startTicker();
    else {
      now.value = Date.now();
      closeCallNotification(call.id);
      if (shownId.value === call.id) dismissLater(call.id);
    }
    records.stateChanged(call);
  }

  function onIncoming(call: Call, connectionId: string | null): void {
    upsert(call);
    notifyIncomingCall(call.id, call.remoteName ?? call.remoteNumber);
    records.followInbound(call, connectionId);
  }

  /** The caller ID chosen for the next call: the server approves it now, so Call sends at once (dial()). */
  function prepareCall(callerId: AssignedNumberDto | null): void {
    const connectionId = phone.softphone?.connectionId;
    if (!callerId || !connectionId || !phone.isRegistered) return;
    approvals.prepare(connectionId, callerId);
  }

  /**
   * Place a call. Nothing is sent before the server has approved the caller ID on this connection: with
   * an approval given ahead (prepareCall), the INVITE leaves at once and the record opens as soon as it
   * is out (a refusal then hangs up); without one (and always for emergency numbers and failover retries, whose
   * rules the server decides per call), the record opens first and the INVITE follows.
   * Throws the server's ApiError or the phone's PhoneError for the page to show.
   */
  async function dial(
    destination: string,
    callerId: AssignedNumberDto,
    options: { emergency?: boolean; retryOfCallId?: string; beside?: boolean } = {},
  ): Promise<void> {
    const softphone = phone.softphone;
    const connectionId = softphone?.connectionId;
    if (!softphone || !connectionId) throw new Error('The phone is not connected.');
    // A consult call may start beside held calls (the phone says why not otherwise); a plain dial may not.
    if (placing.value || (live.value && !options.beside))
      throw new Error('Finish the current call before starting another.');
    const approval =
      options.emergency || options.retryOfCallId ? null : approvals.take(connectionId, callerId);
    if (approval) {
      // Approved ahead: the INVITE leaves now, the record opens alongside; a refused record hangs up.
      placing.value = true;
      try {
        // The INVITE's own work (peer connection, offer, first ICE candidate) runs on this thread in
        // steps: the panel's render and the record's request and answer wait until it is out (tens of
        // ms, capped), so none of them is in its way.
        let call: Call;
        inviting = true;
        try {
          call = softphone.call({ destination, callerId: callerId.number });
        } finally {
          inviting = false;
        }
        unshown.add(call.id);
        await inviteSent(softphone, call);
        unshown.delete(call.id);
        onCallState(call);
        shownId.value = call.id;
        const request = {
          connectionId,
          callerNumber: callerId.number,
          phoneNumberId: callerId.phoneNumberId,
        };
        await records
          .openAlongside(call, { ...request, direction: 'outbound', remoteNumber: destination, approval })
          .catch((err: unknown) => {
            if (call.state !== 'ended') call.hangup();
            throw err;
          });
        approvals.prepare(connectionId, callerId); // the next call's: each approval places one call
      } finally {
        placing.value = false;
      }
      return;
    }
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
    const before = shownId.value;
    views.value = [
      ...views.value.filter((v) => v.state !== 'ended'),
      pendingView(destination, callerId.number),
    ];
    shownId.value = PENDING_ID;
    startTicker();
    const dropPending = (): void => {
      forget(PENDING_ID);
      if (shownId.value === PENDING_ID) shownId.value = before && viewOf(before) ? before : null;
    };
    try {
      const [record] = await opening;
      if (dialAborted) {
        await records.closeUnplaced(record.id, 'cancelled', 'Cancelled');
        dropPending();
        return;
      }
      let call: Call;
      try {
        call = softphone.call({ destination, callerId: callerId.number, emergency: options.emergency });
      } catch (err) {
        dropPending();
        await records.closeUnplaced(record.id, 'failed', (err as Error).message);
        throw err;
      }
      forget(PENDING_ID);
      shownId.value = call.id;
      records.follow(call, record.id);
    } catch (err) {
      dropPending();
      throw err;
    } finally {
      placing.value = false;
    }
  }

  /** Act on one live call: the shown one by default. */
  function withCall(action: (call: Call) => void | Promise<void>, id = shownId.value): Promise<void> {
    const call = id === null ? undefined : phoneCalls.get(id);
    if (!call || call.state === 'ended') return Promise.resolve();
    return Promise.resolve(action(call));
  }

  /** Answer the ringing call (a call in progress is put on hold first, by the phone). */
  const answer = (): Promise<void> => withCall((c) => c.answer(), ringing.value?.id ?? null);
  /** Decline the ringing call; a call in progress is not touched. */
  const decline = (): Promise<void> => withCall((c) => c.decline(), ringing.value?.id ?? null);
  /** Talk to another live call: it is resumed, the shown one put on hold (by the phone). */
  const switchTo = (id: string): Promise<void> =>
    withCall((c) => (c.state === 'held' ? c.unhold() : undefined), id);
  const hangup = (): Promise<void> => {
    if (current.value?.id === PENDING_ID) dialAborted = true;
    return withCall((c) => c.hangup());
  };
  const toggleMute = (): Promise<void> =>
    withCall((c) => {
      if (c.muted) c.unmute();
      else c.mute();
    });
  // While reconnecting, Hold and Resume choose how the call comes back (Call.heldWhenBack).
  const toggleHold = (): Promise<void> =>
    withCall((c) =>
      c.state === 'held' || (c.state === 'reconnecting' && c.heldWhenBack) ? c.unhold() : c.hold(),
    );

  /** Why the current connection cannot transfer calls (shown instead of the control), or null. */
  const transferUnavailable = computed(() => phone.softphone?.transferUnavailableReason ?? null);
  /** Hold and Resume work while the shown call is reconnecting (not every provider can). */
  const holdsWhileReconnecting = computed(() => phone.softphone?.holdsWhileReconnecting ?? false);
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

  /** The call a consult call was placed for (attended transfer): who is put through on completion. */
  const consultOf = ref<{ callId: string; consultId: string } | null>(null);

  /**
   * Attended transfer, step one: the shown call goes on hold and a consult call to `destination` is
   * placed beside it (its own record, as any call). Throws like {@link dial}; the held call stays held.
   */
  async function consult(destination: string, callerId: AssignedNumberDto): Promise<void> {
    const original = current.value;
    if (!original || (original.state !== 'active' && original.state !== 'held'))
      throw new Error('Only a connected call can be transferred.');
    await withCall((c) => (c.state === 'active' ? c.hold() : undefined), original.id);
    await dial(destination, callerId, { beside: true });
    const placed = shownId.value;
    if (placed && placed !== original.id && placed !== PENDING_ID)
      consultOf.value = { callId: original.id, consultId: placed };
  }

  /**
   * The two connected calls the page can join (attended transfer): the consult call and the call it
   * was placed for, else the shown call and the other one on hold. Null when there are not two.
   */
  const transferPair = computed<{ callId: string; consultId: string } | null>(() => {
    const answered = (v: CallView | null | undefined): boolean =>
      v?.state === 'active' || v?.state === 'held';
    const pair = consultOf.value;
    if (pair && answered(viewOf(pair.callId)) && answered(viewOf(pair.consultId))) return pair;
    const shown = current.value;
    const other = others.value.find((v) => v.state === 'held');
    if (!shown || !other || !answered(shown)) return null;
    return { callId: other.id, consultId: shown.id };
  });

  /**
   * Attended transfer, step two: the party of the first call is put through to the consult call's
   * party (REFER with Replaces); both our legs end as transferred. Throws the phone's error (both calls
   * stay as they were).
   */
  async function completeTransfer(): Promise<void> {
    const pair = transferPair.value;
    const call = pair ? phoneCalls.get(pair.callId) : undefined;
    if (!pair || !call) throw new Error('Two connected calls are needed to put one through to the other.');
    transferring.value = true;
    try {
      await call.completeTransfer(pair.consultId);
      consultOf.value = null;
    } finally {
      transferring.value = false;
    }
  }

  function sendDtmf(digit: string): void {
    void withCall((c) => {
      if (c.state !== 'active' && c.state !== 'early_media') return;
      c.sendDtmf(digit);
      patchView(c.id, { dtmfSent: (viewOf(c.id)?.dtmfSent ?? '') + digit });
    });
  }

  /** Clear an ended call from the screen. */
  /** Back to the dial pad: the ended call's summary goes (it is in History); a live call stays. */
  function dismiss(): void {
    if (endedTimer !== null) clearTimeout(endedTimer);
    endedTimer = null;
    const shown = current.value;
    if (shown?.state !== 'ended') return;
    forget(shown.id);
    shownId.value = views.value.find((v) => !ringsHere(v))?.id ?? views.value[0]?.id ?? null;
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
      if (c?.id === callId && c.state === 'ended' && !c.recordError) dismiss();
    }, ENDED_CALL_SHOWN_MS);
  }

  return {
    current,
    others,
    ringing,
    placing,
    live,
    incoming,
    waiting,
    elapsedSeconds,
    recordsClosed,
    prepareCall,
    dial,
    answer,
    decline,
    hangup,
    switchTo,
    toggleMute,
    toggleHold,
    holdsWhileReconnecting,
    transferUnavailable,
    transferring,
    transfer,
    consult,
    transferPair,
    completeTransfer,
    sendDtmf,
    dismiss,
  };
});

/** The longest the panel waits for an INVITE to go out (the SIP adapter's own ICE cap is 200 ms). */
const INVITE_WAIT_MS = 300;

/** Resolves once `call`'s INVITE went out (inviteAt), it ended, or {@link INVITE_WAIT_MS} passed. */
function inviteSent(softphone: Softphone, call: Call): Promise<void> {
  if (call.inviteAt || call.state === 'ended') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(done, INVITE_WAIT_MS);
    const off = softphone.on('callState', ({ call: c }) => {
      if (c.id === call.id && (c.inviteAt || c.state === 'ended')) done();
    });
  });
}
