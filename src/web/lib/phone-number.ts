/**
 * Turning what an agent types or pastes into an E.164 destination, with a plain-words reason when it
 * is not one yet. The character rules are the shared ones (src/shared/phone-number.ts, also used by the
 * server and the admin forms); what is added here is the dialer's view: a number still being typed is
 * "incomplete", not wrong, and * and # are tones. Uses libphonenumber-js's small ("min") metadata: it
 * validates lengths and number plans per country, which is what a dialer needs.
 */
import {
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
} from 'libphonenumber-js/min';
import { phoneTextProblem } from '../../shared/phone-number.js';
import { isEmergencyNumber } from '../../shared/emergency-numbers.js';

export type Destination =
  | { kind: 'empty'; message: string }
  /** Could still become a valid number with more digits. */
  | { kind: 'incomplete'; message: string }
  | { kind: 'invalid'; message: string }
  /**
   * A number to call. `e164` is E.164, except for an emergency number (`emergency: true`), which is
   * dialled as the short code it is (911, 112, 999, …).
   */
  | { kind: 'valid'; e164: string; formatted: string; country: string | null; emergency?: true };

/** Keypad tones: allowed in the field (a paste may carry them), never part of the number. */
const TONES = /[*#]/;

/** Characters the dial field keeps from a paste: `tel:` URIs and formatting are cleaned up. */
export function cleanPastedNumber(text: string): string {
  let value = text.trim();
  value = value.replace(/^tel:/i, '').replace(/;.*$/, '');
  // Keep digits, a leading +, * and #; drop words, dots, dashes, brackets and spaces.
  const plus = value.trimStart().startsWith('+') ? '+' : '';
  return plus + value.replace(/[^0-9*#]/g, '');
}

/** "United States (+1)". */
export function regionLabel(country: string): string {
  const name = countryName(country);
  return isSupportedCountry(country) ? `${name} (+${getCountryCallingCode(country)})` : name;
}

export function countryName(country: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'region' }).of(country) ?? country;
  } catch {
    return country;
  }
}

/**
 * Normalises the dial field to E.164 with the user's default country, or says why it cannot. An
 * emergency number of `emergencyCountry` (the caller ID's country; default: the user's) stays short.
 */
export function parseDestination(
  input: string,
  defaultCountry: string,
  emergencyCountry: string | null = defaultCountry,
): Destination {
  const text = input.trim();
  if (isEmergencyNumber(text, emergencyCountry) && !text.startsWith('+')) {
    const digits = text.replace(/\D/g, '');
    return {
      kind: 'valid',
      e164: digits,
      formatted: `${digits} (emergency)`,
      country: emergencyCountry,
      emergency: true,
    };
  }
  if (!/[0-9]/.test(text) && !TONES.test(text) && !/[a-z]/i.test(text)) {
    return { kind: 'empty', message: 'Enter the number to call.' };
  }
  const problem = phoneTextProblem(text.replace(/[*#]/g, ''));
  if (problem === 'characters') {
    return {
      kind: 'invalid',
      message: 'Use digits only, with + and the country code in front of an international number.',
    };
  }
  if (TONES.test(text)) {
    return {
      kind: 'invalid',
      message: '* and # cannot be part of the number to call; send them as tones during the call.',
    };
  }
  if (problem === 'plus') {
    return { kind: 'invalid', message: 'A + can only come first, before the country code.' };
  }

  const country = isSupportedCountry(defaultCountry) ? defaultCountry : undefined;
  const lengthProblem = validatePhoneNumberLength(text, country);
  const parsed = parsePhoneNumberFromString(text, country);
  const where = parsed?.country ?? (text.startsWith('+') ? undefined : country);
  const place = where
    ? regionLabel(where)
    : parsed
      ? `country code +${parsed.countryCallingCode}`
      : 'that country';

  switch (lengthProblem) {
    case 'NOT_A_NUMBER':
      return { kind: 'invalid', message: 'This is not a phone number.' };
    case 'INVALID_COUNTRY':
      if (text.startsWith('+') && text.replace(/\D/g, '').length < 4) {
        return { kind: 'incomplete', message: 'Enter the country code and the number after the +.' };
      }
      return {
        kind: 'invalid',
        message: text.startsWith('+')
          ? 'Unknown country code. After the +, enter the country code, e.g. +44 for the United Kingdom.'
          : 'Add the country code with a + in front, e.g. +44…',
      };
    case 'TOO_SHORT':
      return { kind: 'incomplete', message: `Too short for a number in ${place}.` };
    case 'TOO_LONG':
      return { kind: 'invalid', message: `Too long for a number in ${place}.` };
    case 'INVALID_LENGTH':
      return { kind: 'invalid', message: `Wrong number of digits for ${place}.` };
    case undefined:
      break;
  }
  if (!parsed || !parsed.isValid()) {
    return { kind: 'invalid', message: `Not a valid number in ${place}.` };
  }
  return {
    kind: 'valid',
    e164: parsed.number,
    formatted: parsed.formatInternational(),
    country: parsed.country ?? null,
  };
}

/** "+1 312 555 0100" for an E.164 number; the input when it cannot be parsed. */
export function formatE164(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}
