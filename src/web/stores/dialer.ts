/** The number being dialled: what the agent typed, its E.164 form, and what is wrong with it. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { cleanPastedNumber, parseDestination, regionLabel } from '../lib/phone-number.js';
import { callerCountry } from '../../shared/emergency-numbers.js';
import { localPresence, type LocalMatch } from '../../shared/local-presence.js';
import type { AssignedNumberDto } from '../../shared/api.js';
import { useConnectionsStore } from './connections.js';
import { useSessionStore } from './session.js';

export const DIAL_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;
export type DialKey = (typeof DIAL_KEYS)[number];

/** Longest dial string we keep: E.164 is at most 15 digits, plus room for formatting. */
const MAX_INPUT = 32;

export const useDialerStore = defineStore('dialer', () => {
  const session = useSessionStore();
  const input = ref('');
  /** The agent has left the field or pressed Call once: show "too short" as an error, not a hint. */
  const touched = ref(false);

  const defaultCountry = computed(() => session.defaultCountry);
  const connections = useConnectionsStore();
  /** Emergency numbers are those of the caller ID's country (a UK number dials 999, a US one 911). */
  const emergencyCountry = computed(() => {
    const callerId = connections.callerId;
    return (callerId && callerCountry(callerId)) ?? defaultCountry.value;
  });
  const destination = computed(() =>
    parseDestination(input.value, defaultCountry.value, emergencyCountry.value),
  );
  const countryHint = computed(() => regionLabel(defaultCountry.value));
  /**
   * "Auto (local match)": the connection's number nearest this destination, and how near. Before a valid
   * number, and for emergency numbers (their rules go by the connection's first number), the first number.
   */
  const callerIdMatch = computed<{ number: AssignedNumberDto; match: LocalMatch } | null>(() => {
    if (!connections.autoCallerId) return null;
    const d = destination.value;
    if (d.kind === 'valid' && !d.emergency) return localPresence(connections.numbers, d.e164);
    return connections.callerId ? { number: connections.callerId, match: 'none' } : null;
  });
  /** The caller ID this call goes out with: the one picked, or the auto match. */
  const callerId = computed(() => callerIdMatch.value?.number ?? connections.callerId);
  /**
   * Flag shown as you type: an invalid number at once; a too-short or missing one only once the agent
   * left the field or tried to call, so typing the first digits is not greeted with an error.
   */
  const showError = computed(
    () => destination.value.kind === 'invalid' || (touched.value && destination.value.kind !== 'valid'),
  );

  function setInput(value: string): void {
    input.value = value.slice(0, MAX_INPUT);
  }

  function press(key: DialKey | '+'): void {
    if (key === '+' && input.value.trim() !== '') return;
    setInput(input.value + key);
  }

  function backspace(): void {
    input.value = input.value.slice(0, -1);
  }

  function clear(): void {
    input.value = '';
    touched.value = false;
  }

  /** Pasted `tel:+1 (312) 555-0100` becomes `+13125550100`. */
  function paste(text: string): void {
    setInput(cleanPastedNumber(text));
  }

  /** The agent left the field: from now on an incomplete number is an error. */
  function touch(): void {
    if (input.value.trim() !== '') touched.value = true;
  }

  /** The agent pressed Call: a missing number is an error too. */
  function markAttempted(): void {
    touched.value = true;
  }

  return {
    input,
    touched,
    defaultCountry,
    destination,
    countryHint,
    callerId,
    callerIdMatch,
    showError,
    setInput,
    press,
    backspace,
    clear,
    paste,
    touch,
    markAttempted,
  };
});
