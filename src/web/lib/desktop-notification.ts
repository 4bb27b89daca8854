/**
 * A desktop notification for an incoming call while the tab is hidden. Permission is asked once, on
 * the agent's first interaction with the page (browsers ignore or penalise unprompted requests), and
 * never again once answered; one notification per call (tagged with its id), closed when it stops ringing.
 */
const open = new Map<string, Notification>();
let asked = false;

function supported(): boolean {
  return typeof window !== 'undefined' && 'Notification' in window;
}

/** Ask for permission on the first click or key press; no-op when already decided. */
export function askNotificationPermissionOnFirstInteraction(target: Document = document): () => void {
  if (!supported() || Notification.permission !== 'default') return () => undefined;
  const events = ['pointerdown', 'keydown'] as const;
  const ask = (): void => {
    off();
    if (asked || Notification.permission !== 'default') return;
    asked = true;
    void Notification.requestPermission().catch(() => undefined);
  };
  const off = (): void => events.forEach((e) => target.removeEventListener(e, ask, true));
  events.forEach((e) => target.addEventListener(e, ask, { capture: true, passive: true }));
  return off;
}

export function notifyIncomingCall(callId: string, caller: string): void {
  if (!supported() || Notification.permission !== 'granted' || !document.hidden || open.has(callId)) return;
  try {
    const n = new Notification('Incoming call', {
      body: `${caller} is calling`,
      tag: `call-${callId}`,
      requireInteraction: true,
    });
    n.onclick = () => {
      window.focus();
      n.close();
    };
    open.set(callId, n);
  } catch {
    // Some browsers only allow notifications from a service worker; the in-page dialog still rings.
  }
}

export function closeCallNotification(callId: string): void {
  open.get(callId)?.close();
  open.delete(callId);
}
