/**
 * The agent's connections (trunks) and the numbers assigned to them, from the database or the live
 * Telnyx API, plus what is selected: one connection and one of its numbers as caller ID.
 * Changing the connection re-picks the caller ID from data already loaded; no request is made.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type {
  AssignedNumberDto,
  ConnectionDto,
  ConnectionListDto,
  ConnectionSource,
} from '../../shared/api.js';
import { compareAssignmentType } from '../../shared/domain.js';
import { ApiError, api } from '../api/client.js';
import { DATABASE_LIST_OPTIONS, takeEarlyConnections } from '../api/early-requests.js';
import { defaultConnection } from '../lib/default-connection.js';
import { useLiveEventsStore } from './live-events.js';

/** The Telnyx API is slow at times; the page gives up on it after this long and says so. */
export const TELNYX_TIMEOUT_MS = 5000;

/** The caller-ID choice "Auto (local match)": per call, the connection's number nearest the destination. */
export const AUTO_CALLER_ID = 'auto';

export const SOURCE_LABELS: Record<ConnectionSource, string> = { database: 'Database', telnyx: 'Telnyx API' };

export type LoadStatus =
  | { state: 'idle' }
  | { state: 'loading'; source: ConnectionSource }
  | { state: 'ok'; source: ConnectionSource; at: string }
  | { state: 'error'; source: ConnectionSource; message: string; code: string };

/** Numbers ordered primary, secondary, backup (stable within a type), whatever order they came in. */
export function orderNumbers(numbers: readonly AssignedNumberDto[]): AssignedNumberDto[] {
  return [...numbers].sort((a, b) => compareAssignmentType(a.assignmentType, b.assignmentType));
}

export const useConnectionsStore = defineStore('connections', () => {
  /** The source the toggle asks for. */
  const source = ref<ConnectionSource>('database');
  /** The list on screen: the last one that loaded, from whichever source gave it. */
  const list = ref<ConnectionListDto | null>(null);
  const status = ref<LoadStatus>({ state: 'idle' });
  const selectedId = ref<string | null>(null);
  const selectedCallerId = ref<string | null>(null);
  /** "Auto (local match)" chosen: kept across connections until the agent picks a number. */
  const autoCallerId = ref(false);
  let loadSeq = 0;

  const live = useLiveEventsStore();
  /** The loaded list, with each connection's health as the live events last told it. */
  const connections = computed<ConnectionDto[]>(() =>
    (list.value?.connections ?? []).map((c) => ({
      ...c,
      health: live.healthOf(c.id, c.health),
      numbers: orderNumbers(c.numbers),
    })),
  );
  const count = computed(() => list.value?.count ?? connections.value.length);
  const listSource = computed<ConnectionSource | null>(() => list.value?.source ?? null);
  const selected = computed(() => connections.value.find((c) => c.id === selectedId.value) ?? null);
  const numbers = computed(() => selected.value?.numbers ?? []);
  /**
   * The number picked by hand; in auto mode the connection's first, which the dialer store replaces per
   * destination (dialer.callerId) and emergency rules go by.
   */
  const callerId = computed(() =>
    autoCallerId.value
      ? (numbers.value[0] ?? null)
      : (numbers.value.find((n) => n.phoneNumberId === selectedCallerId.value) ?? null),
  );
  const isLoading = computed(() => status.value.state === 'loading');
  /** A load has finished at least once (so "no connections" really means none). */
  const settled = computed(() => list.value !== null || status.value.state === 'error');

  function selectConnection(id: string | null): void {
    const next = connections.value.find((c) => c.id === id) ?? null;
    selectedId.value = next?.id ?? null;
    if (autoCallerId.value && next && next.numbers.length > 0) return;
    autoCallerId.value = false;
    selectedCallerId.value = next?.numbers[0]?.phoneNumberId ?? null;
  }

  function selectCallerId(phoneNumberId: string | null): void {
    autoCallerId.value = phoneNumberId === AUTO_CALLER_ID && numbers.value.length > 0;
    if (autoCallerId.value) {
      selectedCallerId.value = AUTO_CALLER_ID;
      return;
    }
    selectedCallerId.value = numbers.value.some((n) => n.phoneNumberId === phoneNumberId)
      ? phoneNumberId
      : null;
  }

  /**
   * Keeps the current choices when they still exist in a fresh list; otherwise picks the connection an
   * agent can call from at once (lib/default-connection.ts) and its first number.
   */
  function reconcileSelection(): void {
    const keep = connections.value.find((c) => c.id === selectedId.value);
    if (!keep) {
      selectConnection(defaultConnection(connections.value)?.id ?? null);
      return;
    }
    if (!autoCallerId.value && !keep.numbers.some((n) => n.phoneNumberId === selectedCallerId.value)) {
      selectedCallerId.value = keep.numbers[0]?.phoneNumberId ?? null;
    }
  }

  /** Loads the list from `source` (default: the toggle's). Older answers arriving late are ignored. */
  async function load(from: ConnectionSource = source.value): Promise<void> {
    const seq = ++loadSeq;
    source.value = from;
    status.value = { state: 'loading', source: from };
    try {
      const ask = (): Promise<ConnectionListDto> =>
        api.listConnections(
          from,
          from === 'telnyx'
            ? { timeoutMs: TELNYX_TIMEOUT_MS, timeoutMessage: 'Telnyx API did not answer in 5 s.' }
            : DATABASE_LIST_OPTIONS,
        );
      // The entry asked for the database's list already (main.ts); if that was refused (nobody was
      // signed in yet), ask again.
      const early = from === 'database' ? takeEarlyConnections() : null;
      const result = await (early ? early.catch(ask) : ask());
      if (seq !== loadSeq) return;
      list.value = result;
      status.value = { state: 'ok', source: from, at: result.fetchedAt };
      reconcileSelection();
    } catch (err) {
      if (seq !== loadSeq) return;
      const apiError = err instanceof ApiError ? err : null;
      status.value = {
        state: 'error',
        source: from,
        message: apiError?.message ?? 'The connections could not be loaded.',
        code: apiError?.code ?? 'UNKNOWN',
      };
    }
  }

  function setSource(next: ConnectionSource): Promise<void> {
    return load(next);
  }

  function reset(): void {
    loadSeq++;
    source.value = 'database';
    list.value = null;
    status.value = { state: 'idle' };
    selectedId.value = null;
    selectedCallerId.value = null;
    autoCallerId.value = false;
  }

  return {
    source,
    list,
    status,
    selectedId,
    selectedCallerId,
    connections,
    count,
    listSource,
    selected,
    numbers,
    autoCallerId,
    callerId,
    isLoading,
    settled,
    selectConnection,
    selectCallerId,
    load,
    setSource,
    reset,
  };
});
