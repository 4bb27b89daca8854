/**
 * The browser phone as the page sees it: one softphone per selected connection, its registration and
 * line state. {@link connect} ends the previous softphone (its registration and socket) before it asks
 * the server for the new connection's registration and registers; answers that arrive after the agent
 * switched again are dropped, so switching quickly never leaves two phones registered.
 *
 * The page (Call button, status bar) reads the state here without knowing which adapter runs; calls
 * themselves live in `useCallStore`, bound to each new softphone.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { ConnectionDto, RegistrationDto } from '../../shared/api.js';
import type { Provider } from '../../shared/domain.js';
import { createSoftphone } from '../../phone/create-softphone.js';
import type { CallState, RegistrationState, Softphone } from '../../phone/softphone.js';
import { ApiError, api } from '../api/client.js';
import { loadAudioDevices } from '../lib/audio-preferences.js';
import { useCallStore } from './call.js';

/** What the store needs from a softphone (a `Softphone` from src/phone; a fake in tests). */
export type PhoneEventSource = Pick<Softphone, 'on' | 'registrationState' | 'lineState'>;

export const NOT_CONNECTED_REASON = 'choose a connection to register the phone';

export const usePhoneStore = defineStore('phone', () => {
  /** null = no softphone (no connection selected, or its registration could not be fetched). */
  const softphone = shallowRef<PhoneEventSource | null>(null);
  const registration = ref<RegistrationState>({ status: 'unregistered' });
  const callState = ref<CallState>('idle');
  /** The connection the phone is (being) registered with. */
  const connectionId = ref<string | null>(null);
  const provider = ref<Provider | null>(null);
  /** The server's default credentials are in use (the connection has none of its own). */
  const fallback = ref(false);
  /** Fetching the registration from the server. */
  const preparing = ref(false);
  /** The server refused the registration (no credentials, Telnyx unavailable, ...): its message. */
  const setupError = ref<string | null>(null);
  let detach: (() => void) | null = null;
  let owned: Softphone | null = null;
  /** Bumped by every connect()/disconnect(): answers for an older generation are dropped. */
  let generation = 0;
  /** A Telnyx login token is about to expire: register again with a fresh one once no call is up. */
  let refreshWhenIdle: (() => void) | null = null;

  watch(callState, (state) => {
    if (refreshWhenIdle && (state === 'ready' || state === 'idle' || state === 'ended')) {
      const refresh = refreshWhenIdle;
      refreshWhenIdle = null;
      refresh();
    }
  });

  const isRegistered = computed(() => registration.value.status === 'registered');

  /** Short label for the status bar. */
  const registrationLabel = computed(() => {
    if (preparing.value) return 'Registering…';
    if (setupError.value) return 'Registration failed';
    if (!softphone.value) return 'Not connected';
    const state = registration.value;
    switch (state.status) {
      case 'unregistered':
        return 'Not registered';
      case 'registering':
        return 'Registering…';
      case 'registered':
        return fallback.value ? 'Registered (default credentials)' : 'Registered';
      case 'failed':
        return 'Registration failed';
      case 'reconnecting':
        return `Reconnecting (attempt ${state.attempt})`;
    }
  });

  /** The plain reason behind a failed or interrupted registration, for the status bar; null otherwise. */
  const registrationDetail = computed<string | null>(() => {
    if (setupError.value) return setupError.value;
    const state = registration.value;
    if (state.status === 'failed') return failureText(state.reason, state.sipCode);
    if (state.status === 'reconnecting') return `next try within ${Math.ceil(state.nextRetryInMs / 1000)} s`;
    return null;
  });

  /** Why the phone cannot call, in words for the Call button; null when it can. */
  const problem = computed<string | null>(() => {
    if (preparing.value) return 'Phone is still registering with the selected connection.';
    if (setupError.value) return `Phone registration failed: ${withStop(setupError.value)}`;
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
        return `Phone registration failed: ${failureText(state.reason, state.sipCode)}.`;
      case 'reconnecting':
        return `Phone lost its connection and is reconnecting (attempt ${state.attempt}).`;
    }
  });

  /** Follow a softphone's events (the real one from connect(), or a fake in tests). */
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

  /** End the current softphone: hang up, unregister, close its socket. */
  async function disconnect(): Promise<void> {
    generation++;
    refreshWhenIdle = null;
    preparing.value = false;
    setupError.value = null;
    connectionId.value = null;
    provider.value = null;
    fallback.value = false;
    await teardown();
  }

  async function teardown(): Promise<void> {
    const phone = owned;
    owned = null;
    // Destroy first, still listening: a call it hangs up reaches the call store, which closes its record.
    if (phone) await phone.destroy().catch(() => undefined);
    detachSoftphone();
  }

  /**
   * Register the phone with `connection` (null = no phone). Resolves when registered or when the
   * attempt failed; the state says which. `userId` picks the agent's remembered audio devices.
   */
  async function connect(connection: ConnectionDto | null, userId: string | null = null): Promise<void> {
    const gen = ++generation;
    refreshWhenIdle = null;
    setupError.value = null;
    fallback.value = false;
    connectionId.value = connection?.id ?? null;
    provider.value = connection?.provider ?? null;
    preparing.value = connection !== null;
    await teardown();
    if (!connection || gen !== generation) return;

    let reg: RegistrationDto;
    let phone: Softphone;
    // The SDK chunk loads while the server prepares the registration: the provider is already known.
    const sdk = createSoftphone(connection.provider);
    try {
      reg = await api.createRegistration(connection.id);
      phone = await sdk;
      if (reg.provider !== phone.provider) {
        await phone.destroy();
        phone = await createSoftphone(reg.provider);
      }
    } catch (err) {
      void sdk.then((p) => p.destroy()).catch(() => undefined);
      if (gen !== generation) return;
      preparing.value = false;
      setupError.value = err instanceof ApiError || err instanceof Error ? err.message : String(err);
      return;
    }
    if (gen !== generation) {
      await phone.destroy();
      return;
    }
    owned = phone;
    preparing.value = false;
    fallback.value = reg.fallback;
    attach(phone);
    const unbind = useCallStore().bind(phone, connection.id);
    const offError = phone.on('error', (e) => {
      if (e.code !== 'PHONE_TOKEN_EXPIRING' || gen !== generation) return;
      refreshWhenIdle = () => void connect(connection, userId);
      const line = phone.lineState;
      if (line === 'ready' || line === 'idle' || line === 'ended') refreshWhenIdle();
    });
    const offDetach = detach;
    detach = () => {
      offDetach?.();
      unbind();
      offError();
    };
    const devices = loadAudioDevices(userId);
    if (devices) await phone.setAudioDevices(devices).catch(() => undefined);
    try {
      await phone.register(reg);
    } catch {
      // The registration state already says why (failed: reason); nothing else to do here.
    }
  }

  /** The live softphone, for the call store and the audio settings. */
  function current(): Softphone | null {
    return owned;
  }

  return {
    softphone,
    registration,
    callState,
    connectionId,
    provider,
    fallback,
    preparing,
    setupError,
    isRegistered,
    registrationLabel,
    registrationDetail,
    problem,
    attach,
    detach: detachSoftphone,
    connect,
    disconnect,
    current,
  };
});

/** "Wrong password (SIP 403)"; the code is not repeated when the reason already gives it. */
function failureText(reason: string, sipCode: number | null): string {
  const text = reason.replace(/\.$/, '');
  return sipCode && !text.includes(String(sipCode)) ? `${text} (SIP ${sipCode})` : text;
}

function withStop(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
