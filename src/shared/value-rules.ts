/**
 * The value rules every layer shares, as plain patterns (no zod, no libphonenumber) so the phone and
 * the web can use them without pulling a library into their bundle. The request schemas in
 * schemas/*.ts build on them.
 */

/**
 * An E.164 number as stored and sent: "+", a country code that does not start with 0, at most 15 digits
 * in all (ITU-T E.164). Turning what a person typed into this form is parsePhoneNumber's job
 * (phone-number.ts); this only says whether a string already is one.
 */
export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;

export function isE164(value: string): boolean {
  return E164_PATTERN.test(value);
}

/** Ids in paths and bodies: the app's UUIDs, and the URL-safe ids of Telnyx and older imports. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

/** ISO 3166 alpha-2 country codes, upper case (US, GB). */
export const COUNTRY_CODE_PATTERN = /^[A-Z]{2}$/;
