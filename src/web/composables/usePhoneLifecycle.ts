/**
 * Keeps the browser phone registered with the selected connection for as long as the app runs (on
 * every page, so calls keep ringing while the agent reads the history): re-registers when the
 * selection changes, ends the registration when there is no user or no selection. Also prepares what
 * needs a user gesture: the ringtone's audio and the permission for desktop notifications.
 */
import { onScopeDispose, watch } from 'vue';
import { primeAudioOnFirstInteraction } from '../../phone/index.js';
import { askNotificationPermissionOnFirstInteraction } from '../lib/desktop-notification.js';
import { useCallStore } from '../stores/call.js';
import { useConnectionsStore } from '../stores/connections.js';
import { usePhoneStore } from '../stores/phone.js';
import { useSessionStore } from '../stores/session.js';

export function usePhoneLifecycle(): void {
  const session = useSessionStore();
  const connections = useConnectionsStore();
  const phone = usePhoneStore();
  const calls = useCallStore();
  const offPrime = primeAudioOnFirstInteraction();
  const offAsk = askNotificationPermissionOnFirstInteraction();

  watch(
    () => [session.user?.id ?? null, connections.selected?.id ?? null] as const,
    ([userId, connectionId], previous) => {
      if (previous && previous[0] === userId && previous[1] === connectionId) return;
      if (!userId || !connectionId) void phone.disconnect();
      else void phone.connect(connections.selected, userId);
    },
    { immediate: true },
  );

  const unload = (): void => void phone.disconnect();
  // Closing or reloading the tab ends the call: let the browser ask first.
  const confirmLeave = (event: BeforeUnloadEvent): void => {
    if (calls.live) event.preventDefault();
  };
  window.addEventListener('pagehide', unload);
  window.addEventListener('beforeunload', confirmLeave);
  onScopeDispose(() => {
    offPrime();
    offAsk();
    window.removeEventListener('pagehide', unload);
    window.removeEventListener('beforeunload', confirmLeave);
    void phone.disconnect();
  });
}
