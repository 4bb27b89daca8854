/**
 * What belongs to the signed-in user, in one place: loaded when a user signs in, forgotten the moment
 * the user changes (log out, expired or revoked session, another login), so nothing of one agent's
 * (a typed number, connections, call history, the registered phone) is ever shown to the next.
 * Whoever ends a session only ends it (session store); the clean-up follows from here. The phone
 * follows the selection (usePhoneLifecycle): with the connections forgotten, it unregisters. The admin
 * console's pick lists forget themselves (stores/admin-directory.ts).
 */
import { watch } from 'vue';
import { useCallHistoryStore } from '../stores/call-history.js';
import { useConnectionsStore } from '../stores/connections.js';
import { useDialerStore } from '../stores/dialer.js';
import { useLiveEventsStore } from '../stores/live-events.js';
import { useSessionStore } from '../stores/session.js';

export function useUserScope(): void {
  const session = useSessionStore();
  const connections = useConnectionsStore();
  const dialer = useDialerStore();
  const history = useCallHistoryStore();
  const live = useLiveEventsStore();

  watch(
    () => session.user?.id ?? null,
    (userId, previous) => {
      if (previous !== undefined) {
        connections.reset();
        dialer.clear();
        history.reset();
        live.reset();
      }
      // The phone needs the selected connection on every page (an agent may open /history first), and
      // loading the list as soon as the user is known overlaps it with loading the page's code.
      if (userId) {
        void connections.load('database');
        live.open();
      }
    },
    // `sync`: the previous user's data is gone before anything can render it for the next one.
    { immediate: true, flush: 'sync' },
  );

  // Live events may have been missed (the stream was reopened): read the list again.
  watch(
    () => live.resyncs,
    () => {
      if (session.user) void connections.load();
    },
  );
}
