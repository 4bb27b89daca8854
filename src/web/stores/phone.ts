/**
 * The browser phone as the page sees it: one softphone for the selected connection, its registration
 * and line state. {@link connect} ends the previous softphone (its registration and socket) before it
 * asks the server for the new connection's registration and registers; answers that arrive after the
 * agent switched again are dropped, so switching quickly never leaves two phones registered.
 *
 * The selection itself lives in the connections store (the app lifecycle hands it to connect()); the
 * calls live in the call store, which follows {@link softphone}. This store knows neither.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { ConnectionDto, RegistrationDto } from '../../shared/api.js';
import { DEMO_PHONE_NOT_RUNNING, isDemoPhoneServer } from '../../shared/demo-phone.js';
import {
  PhoneErrorCode,
  createSoftphone,
  type LineState,
  type RegistrationState,
  type Softphone,
} from '../../phone/index.js';
import { ApiError, api } from '../api/client.js';
import { takeEarlyPhone, type EarlyPhone } from '../api/early-requests.js';
import { loadAudioDevices } from '../lib/audio-preferences.js';
import { registrationFailureText } from '../lib/registration-text.js';
import { useSessionStore } from './session.js';

export const NOT_CONNECTED_REASON = 'choose a connection to register the phone';

/** No call is up: the line may be re-registered without cutting anyone off. */
const isQuiet = (line: LineState): boolean => line === 'ready' || line === 'idle';

export const usePhoneStore = defineStore('phone', () => {
  /** Who reads the phone's messages: agents get plain words, admins the operator's detail too. */
  const session = useSessionStore();
  const reader = computed(() => session.user?.role ?? null);
  /** null = no softphone (no connection selected, or its registration could not be fetched). */
  const softphone = shallowRef<Softphone | null>(null);
  const registration = ref<RegistrationState>({ status: 'unregistered' });
  const lineState = ref<LineState>('idle');
  /** The server's default credentials are in use (the connection has none of its own). */
  const fallback = ref(false);
  /** Fetching the registration from the server. */
  const preparing = ref(false);
  /** The server refused the registration (no credentials, Telnyx unavailable, ...): its message. */
  const setupError = ref<string | null>(null);
  /** The connection's server is the demo phone system (`npm run demo:phone`), which may not be running. */
  const demoPhone = ref(false);
  /** Unsubscribes this store from the followed softphone's events. */
  let unfollow: (() => void) | null = null;
  /** The softphone connect() created, with what it was created for; teardown() destroys it. */
  let owned: { softphone: Softphone; connection: ConnectionDto; userId: string | null } | null = null;
  /** Bumped by every connect()/disconnect(): answers for an older generation are dropped. */
  let generation = 0;
  /** A Telnyx login token is about to expire: register again with a fresh one once no call is up. */
  let tokenRefreshDue = false;

  watch(lineState, refreshTokenWhenQuiet);

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
    if (state.status === 'failed') return failedText(state);
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
        return `Phone registration failed: ${withStop(failedText(state))}`;
      case 'reconnecting':
        return `Phone lost its connection and is reconnecting (attempt ${state.attempt}).`;
    }
  });

  /** Why a registration failed; for the demo phone system's address, that it is not running. */
  function failedText(state: Extract<RegistrationState, { status: 'failed' }>): string {
    if (state.sipCode === null && demoPhone.value) return DEMO_PHONE_NOT_RUNNING;
    return registrationFailureText(state, reader.value);
  }

  /** Follow a softphone's events (the real one from connect(), or a fake in tests). */
  function attach(source: Softphone): void {
    detachSoftphone();
    registration.value = source.registrationState;
    lineState.value = source.lineState;
    const offs = [
      source.on('registrationState', (state) => {
        // The whole story for whoever reads the browser's console; the page words it for its reader.
        if (state.status === 'failed') console.warn('phone registration failed', state);
        registration.value = state;
        lineState.value = source.lineState;
        if (owned?.softphone === source) reportRegistration(owned.connection.id, state);
      }),
      source.on('callState', () => (lineState.value = source.lineState)),
      source.on('error', (e) => {
        if (e.code !== PhoneErrorCode.TokenExpiring || owned?.softphone !== source) return;
        tokenRefreshDue = true;
        refreshTokenWhenQuiet();
      }),
    ];
    unfollow = () => offs.forEach((off) => off());
    softphone.value = source;
  }

  /**
   * Tells the server how registering went (a passive health signal: a refused password turns the
   * connection down for everyone). Once per outcome per softphone: a registration that refreshes, or
   * the same failure retried, is not news. Best effort: the phone works whether the report lands or not.
   */
  let reported: { softphone: Softphone; outcome: string } | null = null;
  function reportRegistration(connectionId: string, state: RegistrationState): void {
    if (state.status !== 'registered' && state.status !== 'failed') return;
    const phone = owned?.softphone;
    if (!phone) return;
    const outcome = state.status === 'registered' ? 'ok' : `failed:${state.sipCode ?? state.reason}`;
    if (reported?.softphone === phone && reported.outcome === outcome) return;
    reported = { softphone: phone, outcome };
    const report =
      state.status === 'registered'
        ? { ok: true }
        : {
            ok: false,
            ...(state.sipCode && state.sipCode >= 100 && state.sipCode <= 699
              ? { statusCode: state.sipCode }
              : {}),
            cause: state.reason.slice(0, 200),
          };
    void api.reportRegistration(connectionId, report).catch(() => undefined);
  }

  function detachSoftphone(): void {
    unfollow?.();
    unfollow = null;
    softphone.value = null;
    registration.value = { status: 'unregistered' };
    lineState.value = 'idle';
  }

  function refreshTokenWhenQuiet(): void {
    if (!tokenRefreshDue || !owned || !isQuiet(lineState.value)) return;
    tokenRefreshDue = false;
    void connect(owned.connection, owned.userId);
  }

  /** End the current softphone: hang up, unregister, close its socket. */
  async function disconnect(): Promise<void> {
    generation++;
    tokenRefreshDue = false;
    preparing.value = false;
    setupError.value = null;
    fallback.value = false;
    await teardown();
  }

  async function teardown(): Promise<void> {
    const phone = owned?.softphone;
    owned = null;
    // Destroy first, still followed: a call it hangs up reaches the call store, which closes its record.
    if (phone) await phone.destroy().catch(() => undefined);
    detachSoftphone();
  }

  /**
   * Register the phone with `connection` (null = no phone). Resolves when registered or when the
   * attempt failed; the state says which. `userId` picks the agent's remembered audio devices.
   */
  async function connect(connection: ConnectionDto | null, userId: string | null = null): Promise<void> {
    performance.mark('dialer:phone-connect');
    const gen = ++generation;
    tokenRefreshDue = false;
    setupError.value = null;
    fallback.value = false;
    demoPhone.value = false;
    preparing.value = connection !== null;
    // Nothing to end (the first connect): no await, so a phone the entry started is shown at once.
    if (owned) await teardown();
    else detachSoftphone();
    if (!connection || gen !== generation) return;

    // The entry may have started this connection's phone already (main.ts): it is registering.
    const started = takeEarlyPhone(connection.id, userId);
    const early: EarlyPhone | null = started instanceof Promise ? await started.catch(() => null) : started;
    let reg: RegistrationDto;
    let phone: Softphone;
    if (early) {
      ({ registration: reg, softphone: phone } = early);
    } else {
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
    }
    if (gen !== generation) {
      await phone.destroy();
      return;
    }
    owned = { softphone: phone, connection, userId };
    preparing.value = false;
    fallback.value = reg.fallback;
    demoPhone.value = reg.provider === 'sip' && isDemoPhoneServer(reg.wsServer);
    attach(phone);
    if (early) reportRegistration(connection.id, phone.registrationState); // it may have registered already
    const devices = loadAudioDevices(userId);
    if (devices) await phone.setAudioDevices(devices).catch(() => undefined);
    try {
      await (early ? early.registered : phone.register(reg));
    } catch {
      // The registration state already says why (failed: reason); nothing else to do here.
    }
  }

  /** A number to call is complete: the microphone opens now (for a few seconds), not on Call. */
  function prepareMedia(): void {
    if (isRegistered.value) void softphone.value?.prepareMedia().catch(() => undefined);
  }

  return {
    softphone,
    registration,
    lineState,
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
    prepareMedia,
  };
});

function withStop(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
