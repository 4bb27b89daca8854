/**
 * Normalising stored phone numbers (the admin API, the CLI, Telnyx sync and the browser's forms) to
 * E.164 with one set of rules. Plain libphonenumber-js, no Node or DOM imports, so the browser bundles
 * the same code the server validates with.
 */
import {
  isSupportedCountry,
  parsePhoneNumberFromString,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js';
import type { NumberType } from './domain.js';
import { areaCodeOf } from './local-presence.js';

export type PhoneNumberParse =
  | {
      ok: true;
      /** +13125550100 */
      e164: string;
      /** ISO 3166 alpha-2 of the number, when the number plan tells it. */
      country: string | null;
      /** The area code (national destination code), when the number has one. */
      areaCode: string | null;
      numberType: NumberType;
      /** "+1 312 555 0100" */
      international: string;
    }
  | { ok: false; message: string };

/**
 * What is wrong with the characters of a typed or pasted number, before any number plan is read:
 * `characters` when it has more than digits and the formatting people type (spaces, dots, dashes,
 * slashes, brackets, a +), `plus` when a + stands anywhere but first; null when neither.
 */
export function phoneTextProblem(text: string): 'characters' | 'plus' | null {
  if (!/^[0-9+\s().\-/]*$/.test(text)) return 'characters';
  return text.lastIndexOf('+') > 0 ? 'plus' : null;
}

const TYPE_MAP: Partial<Record<string, NumberType>> = {
  FIXED_LINE: 'local',
  FIXED_LINE_OR_MOBILE: 'local',
  MOBILE: 'mobile',
  TOLL_FREE: 'toll_free',
  SHARED_COST: 'shared_cost',
};

/** True when `country` is an ISO 3166 alpha-2 code the number plans know (e.g. "US", "GB"). */
export function isKnownCountry(country: string): boolean {
  return isSupportedCountry(country);
}

/** What a person typed, read as a valid number, or why it is not one. */
function readNumber(
  input: string,
  defaultCountry: string,
): { ok: true; parsed: PhoneNumber } | { ok: false; message: string } {
  const text = input.trim().replace(/^tel:/i, '');
  if (text === '') return { ok: false, message: 'Enter a phone number.' };
  if (phoneTextProblem(text) !== null) {
    return {
      ok: false,
      message: `"${input.slice(0, 40)}" is not a phone number: use digits, with + and the country code in front (E.164, e.g. +13125550100).`,
    };
  }
  const country: CountryCode | undefined = isSupportedCountry(defaultCountry) ? defaultCountry : undefined;
  const parsed = parsePhoneNumberFromString(text, country);
  if (!parsed) {
    return {
      ok: false,
      message: text.startsWith('+')
        ? `"${text}" is not a phone number: the country code is not known.`
        : `"${text}" is not a phone number in ${defaultCountry}; add + and the country code for other countries.`,
    };
  }
  if (!parsed.isValid()) {
    return {
      ok: false,
      message: `"${text}" is not a valid phone number${parsed.country ? ` in ${parsed.country}` : ''}: check the number of digits and the area code.`,
    };
  }
  return { ok: true, parsed };
}

/**
 * Parses what a person typed into an E.164 number. Numbers without a leading + are read in
 * `defaultCountry`'s national format. Anything that is not a valid, dialable number gets a message that
 * says why, in words an admin understands.
 */
export function parsePhoneNumber(input: string, defaultCountry: string): PhoneNumberParse {
  const read = readNumber(input, defaultCountry);
  if (!read.ok) return read;
  const { parsed } = read;
  const formatted = parsed.formatInternational();
  return {
    ok: true,
    e164: parsed.number,
    country: parsed.country ?? null,
    areaCode: areaCodeOf(parsed),
    numberType: TYPE_MAP[parsed.getType() ?? ''] ?? 'unknown',
    international: formatted,
  };
}

/**
 * The E.164 form of what a person typed, with parsePhoneNumber's rules and messages but none of its
 * details (type, area code, formatting): about half its cost, for the CSV import's 10,000 rows.
 */
export function normalisePhoneNumber(
  input: string,
  defaultCountry: string,
): { ok: true; e164: string } | { ok: false; message: string } {
  const read = readNumber(input, defaultCountry);
  return read.ok ? { ok: true, e164: read.parsed.number } : read;
}

/** The E.164 form of `input`, or null when it is not a valid number. */
export function toE164(input: string, defaultCountry: string): string | null {
  const r = normalisePhoneNumber(input, defaultCountry);
  return r.ok ? r.e164 : null;
}
