/**
 * The browser phone as the page sees it: registration and call state.
 *
 * For now nothing registers, so the state is "not connected". The calling feature plugs a `Softphone`
 * from src/phone in through {@link attach}: it forwards the softphone's registration and call-state
 * events here, and the page (Call button, status bar) reacts without knowing which adapter runs.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { CallState, RegistrationState, Softphone } from '../../phone/softphone.js';

/** What the store needs from a softphone (a `Softphone` from src/phone; a fake in tests). */
export type PhoneEventSource = Pick<Softphone, 'on' | 'registrationState' | 'lineState'>;

export const NOT_CONNECTED_REASON = 'calling from the browser is not set up in this version yet';

export const usePhoneStore = defineStore('phone', () => {
  /** null = no softphone attached (the state this version ships with). */
  const softphone = shallowRef<PhoneEventSource | null>(null);
  const registration = ref<RegistrationState>({ status: 'unregistered' });
  const callState = ref<CallState>('idle');
  let detach: (() => void) | null = null;

  const isRegistered = computed(() => registration.value.status === 'registered');

  /** Short label for the status bar. */
  const registrationLabel = computed(() => {
    if (!softphone.value) return 'Not connected';
    const state = registration.value;
    switch (state.status) {
      case 'unregistered':
        return 'Not registered';
      case 'registering':
        return 'Registering…';
      case 'registered':
        return 'Registered';
      case 'failed':
        return 'Registration failed';
      case 'reconnecting':
        return `Reconnecting (attempt ${state.attempt})`;
    }
  });

  /** Why the phone cannot call, in words for the Call button; null when it can. */
  const problem = computed<string | null>(() => {
    if (!softphone.value) return `Phone not connected: ${NOT_CONNECTED_REASON}.`;
    const state = registration.value;
    switch (state.status) {
      case 'registered':
        return null;
      case 'unregistered':
        return 'Phone not registered with the selected connection.';
      case 'registering':
        return 'Phone is still registering with the selected connection.';
      case 'failed':
        return `Phone registration failed: ${state.reason}${state.sipCode ? ` (SIP ${state.sipCode})` : ''}.`;
      case 'reconnecting':
        return `Phone lost its connection and is reconnecting (attempt ${state.attempt}).`;
    }
  });

  function attach(source: PhoneEventSource): void {
    detachSoftphone();
    softphone.value = source;
    registration.value = source.registrationState;
    callState.value = source.lineState;
    const offRegistration = source.on('registrationState', (state) => (registration.value = state));
    const offState = source.on('callState', () => (callState.value = source.lineState));
    detach = () => {
      offRegistration();
      offState();
    };
  }

  function detachSoftphone(): void {
    detach?.();
    detach = null;
    softphone.value = null;
    registration.value = { status: 'unregistered' };
    callState.value = 'idle';
  }

  return {
    softphone,
    registration,
    callState,
    isRegistered,
    registrationLabel,
    problem,
    attach,
    detach: detachSoftphone,
  };
});
