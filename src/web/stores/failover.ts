/**
 * Failover of a call that could not be set up because of its trunk (transport error, 408, 5xx): the
 * dialer offers one click to retry it on the next healthy connection that has a caller ID of its own,
 * or retries by itself when the agent turned automatic failover on. The retry selects that connection
 * (the phone registers with it, as on any change of connection), takes its own first number as caller
 * ID, and links its record to the failed one (retryOfCallId), so History shows both attempts.
 *
 * It talks to the call, connections and phone stores only: never to a SIP library.
 */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import type { AssignedNumberDto } from '../../shared/api.js';
import { localPresence } from '../../shared/local-presence.js';
import {
  loadAutoFailover,
  nextFailoverTarget,
  saveAutoFailover,
  type FailoverTarget,
} from '../lib/failover.js';
import { useCallStore } from './call.js';
import { useConnectionsStore } from './connections.js';
import { usePhoneStore } from './phone.js';
import { useSessionStore } from './session.js';

/** How long a retry waits for the phone to register with the next connection. */
export const FAILOVER_REGISTER_TIMEOUT_MS = 15_000;

/** The call being placed, and the connections it was tried on so far. */
interface Attempt {
  destination: string;
  emergency: boolean;
  /** The agent chose "Auto (local match)": the retry takes the target's number nearest the callee. */
  autoCallerId: boolean;
  connectionId: string;
  tried: Set<string>;
}

export interface FailoverOffer {
  /** The failed attempt's record, which the retry's record links to. */
  failedRecordId: string;
  failedConnectionName: string;
  /** Why it failed, in plain words ("a call was refused by the trunk (503)"). */
  reason: string;
  destination: string;
  emergency: boolean;
  /** Where it would be retried; null when no other connection is healthy with a caller ID. */
  target: FailoverTarget | null;
  tried: Set<string>;
  autoCallerId: boolean;
}

export const useFailoverStore = defineStore('failover', () => {
  const calls = useCallStore();
  const connections = useConnectionsStore();
  const phone = usePhoneStore();
  const session = useSessionStore();

  /** The agent's setting: retry by itself, without the click. */
  const auto = ref(loadAutoFailover(session.user?.id ?? null));
  const offer = ref<FailoverOffer | null>(null);
  const retrying = ref(false);
  const error = ref<string | null>(null);
  let attempt: Attempt | null = null;
  let handledCallId: string | null = null;

  watch(
    () => session.user?.id ?? null,
    (userId) => {
      auto.value = loadAutoFailover(userId);
      reset();
    },
  );

  function setAuto(on: boolean): void {
    auto.value = on;
    const userId = session.user?.id;
    if (userId) saveAutoFailover(userId, on);
  }

  /** Place a call from the page (the first attempt): any earlier offer goes. */
  async function dial(
    destination: string,
    callerId: AssignedNumberDto,
    options: { emergency?: boolean } = {},
  ): Promise<void> {
    const connectionId = connections.selected?.id ?? null;
    offer.value = null;
    error.value = null;
    attempt = connectionId
      ? {
          destination,
          emergency: options.emergency ?? false,
          autoCallerId: connections.autoCallerId,
          connectionId,
          tried: new Set([connectionId]),
        }
      : null;
    await calls.dial(destination, callerId, options);
  }

  // A call of the current attempt ended: was its trunk to blame? Decided once its record is known (a
  // call sent on an approval may end before its record has answered), as the retry links to it.
  watch(
    () => calls.current,
    (c) => {
      if (!c || c.state !== 'ended' || c.direction !== 'outbound' || c.id === handledCallId) return;
      if (!c.recordId && !c.recordError) return;
      handledCallId = c.id;
      const a = attempt;
      if (!a || !c.trunkFailure || !c.recordId || c.remoteNumber !== a.destination) return;
      const failed = connections.connections.find((x) => x.id === a.connectionId);
      let target = nextFailoverTarget(connections.connections, a.connectionId, a.tried);
      if (target && a.autoCallerId && !a.emergency) {
        // Still one of the target's own numbers: the one nearest the callee.
        const near = localPresence(target.connection.numbers, a.destination);
        if (near) target = { ...target, callerId: near.number };
      }
      offer.value = {
        failedRecordId: c.recordId,
        failedConnectionName: failed?.name ?? 'this connection',
        reason: c.trunkFailure,
        destination: a.destination,
        emergency: a.emergency,
        target,
        tried: a.tried,
        autoCallerId: a.autoCallerId,
      };
      if (auto.value && offer.value.target) void retry();
    },
  );

  /** Resolves once the phone is registered with `connectionId`; rejects when it cannot be. */
  function phoneReadyFor(connectionId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let stop: (() => void) | null = null;
      const timer = setTimeout(() => {
        stop?.();
        reject(new Error('the phone did not register in time'));
      }, FAILOVER_REGISTER_TIMEOUT_MS);
      stop = watch(
        () => [phone.softphone?.connectionId ?? null, phone.registration, phone.setupError] as const,
        ([id, registration, setupError]) => {
          if (id !== connectionId && !setupError) return;
          const problem =
            setupError ?? (registration.status === 'failed' ? 'the phone could not register' : null);
          if (registration.status !== 'registered' && !problem) return;
          clearTimeout(timer);
          queueMicrotask(() => stop?.());
          if (problem) reject(new Error(problem));
          else resolve();
        },
        { immediate: true },
      );
    });
  }

  /** Retry the failed call on the offered connection, with that connection's own caller ID. */
  async function retry(): Promise<void> {
    const o = offer.value;
    if (!o?.target || retrying.value) return;
    const { connection, callerId } = o.target;
    retrying.value = true;
    error.value = null;
    try {
      calls.dismiss();
      connections.selectConnection(connection.id);
      // "Auto (local match)" stays the agent's choice; otherwise the number the retry goes out with.
      if (!o.autoCallerId) connections.selectCallerId(callerId.phoneNumberId);
      await phoneReadyFor(connection.id);
      offer.value = null;
      attempt = {
        destination: o.destination,
        emergency: o.emergency,
        autoCallerId: o.autoCallerId,
        connectionId: connection.id,
        tried: new Set([...o.tried, connection.id]),
      };
      await calls.dial(o.destination, callerId, {
        emergency: o.emergency,
        retryOfCallId: o.failedRecordId,
      });
    } catch (err) {
      error.value = `The retry on ${connection.name} did not go out: ${(err as Error).message}`;
    } finally {
      retrying.value = false;
    }
  }

  /** The agent puts the offer away. */
  function dismiss(): void {
    offer.value = null;
    error.value = null;
  }

  function reset(): void {
    offer.value = null;
    error.value = null;
    attempt = null;
    handledCallId = null;
  }

  return { auto, offer, retrying, error, setAuto, dial, retry, dismiss, reset };
});
