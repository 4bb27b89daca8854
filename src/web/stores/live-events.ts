/**
 * The server's live events (GET /api/events, server-sent events) for the signed-in user: one
 * EventSource per tab, opened when a user signs in and closed when the user changes (useUserScope).
 * The browser reconnects by itself after a network error and sends Last-Event-ID, so the server replays
 * what was missed; when it cannot (`resync`), or when the stream had to be reopened from scratch, the
 * store bumps {@link resyncs} and whoever shows server data reloads it.
 *
 * Health is the first event type: the newest health of each connection heard since sign-in. Screens
 * show {@link healthOf}: the live value when it is newer than the one they loaded.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import type { ConnectionHealthDto } from '../../shared/api.js';
import type { LiveEvent } from '../../shared/health.js';
import { api } from '../api/client.js';

export const EVENTS_URL = '/api/events';
/** After the server refused the stream (e.g. during a restart it answered 503), try again this late. */
export const REOPEN_DELAY_MS = 5_000;

export type LiveStreamState = 'closed' | 'connecting' | 'open';

/** Newer of two health values by their check time; a value never checked is the oldest. */
function newer(a: ConnectionHealthDto, b: ConnectionHealthDto): ConnectionHealthDto {
  return (a.checkedAt ?? '') >= (b.checkedAt ?? '') ? a : b;
}

export const useLiveEventsStore = defineStore('live-events', () => {
  const state = ref<LiveStreamState>('closed');
  /** Connection id -> newest health heard live. */
  const health = reactive(new Map<string, ConnectionHealthDto>());
  /** Goes up whenever events may have been missed: reload what the page shows. */
  const resyncs = ref(0);
  let source: EventSource | null = null;
  let reopenTimer: ReturnType<typeof setTimeout> | null = null;
  /** Whether the stream was open before: a reopened stream (no replay) means missed events. */
  let wasOpen = false;

  const isLive = computed(() => state.value === 'open');

  function onHealth(message: MessageEvent<string>): void {
    let event: LiveEvent;
    try {
      event = JSON.parse(message.data) as LiveEvent;
    } catch {
      return;
    }
    if (event.type !== 'connection.health') return;
    const known = health.get(event.connectionId);
    health.set(event.connectionId, known ? newer(event.health, known) : event.health);
  }

  function open(): void {
    close();
    // Outside a browser (the stores' unit tests in Node) there is no stream to open.
    if (typeof EventSource === 'undefined') return;
    state.value = 'connecting';
    const es = new EventSource(EVENTS_URL, { withCredentials: true });
    source = es;
    es.addEventListener('open', () => {
      if (source !== es) return;
      state.value = 'open';
      if (wasOpen) resyncs.value++;
      wasOpen = true;
    });
    es.addEventListener('connection.health', onHealth);
    es.addEventListener('resync', () => resyncs.value++);
    es.addEventListener('error', () => {
      if (source !== es) return;
      // CONNECTING: the browser retries by itself (with Last-Event-ID). CLOSED: it gave up (the server
      // answered something other than an event stream); open a new stream a little later.
      if (es.readyState === EventSource.CLOSED) {
        state.value = 'closed';
        source = null;
        reopenTimer = setTimeout(open, REOPEN_DELAY_MS);
        // An EventSource does not say why it was refused: an ended session (401) must not be retried
        // every few seconds. Asking as a request inside the session lets a 401 end it (the page goes to
        // login and the user scope closes this store, timer included); any other answer keeps the retry.
        void api.checkSession().catch(() => undefined);
      } else {
        state.value = 'connecting';
      }
    });
  }

  /** Ends the stream and forgets what it heard (the user changed). */
  function close(): void {
    if (reopenTimer) clearTimeout(reopenTimer);
    reopenTimer = null;
    source?.close();
    source = null;
    state.value = 'closed';
  }

  function reset(): void {
    close();
    wasOpen = false;
    health.clear();
  }

  /** What to show for a connection: the live health when newer than `loaded` (what the page read). */
  function healthOf(connectionId: string, loaded: ConnectionHealthDto): ConnectionHealthDto {
    const live = health.get(connectionId);
    return live ? newer(live, loaded) : loaded;
  }

  return { state, health, resyncs, isLive, open, close, reset, healthOf };
});
