/**
 * Emergency numbers by country (ISO 3166-1 alpha-2), for the "may this connection place emergency
 * calls" rule. libphonenumber-js does not ship the short-number metadata, so this is a small table of the
 * main public emergency services (police, fire, ambulance; sources: ITU-T E.161.1 and the national
 * regulators' lists), not every service number. 112 and 911 count everywhere: most mobile networks route
 * them to the local service whatever the country, so a trunk without an emergency service must not take
 * them either. Compared as dialled digits (spaces, dashes and a leading + removed).
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

const EVERYWHERE = ['112', '911'] as const;

const BY_COUNTRY: Readonly<Record<string, readonly string[]>> = {
  US: ['911'],
  CA: ['911'],
  MX: ['911'],
  GB: ['999'],
  IE: ['999'],
  FR: ['15', '17', '18', '114'],
  DE: ['110'],
  AT: ['122', '133', '144'],
  CH: ['117', '118', '144'],
  IT: ['113', '115', '118'],
  ES: ['091', '080', '061'],
  NL: [],
  BE: ['100', '101'],
  AU: ['000'],
  NZ: ['111'],
  IN: ['100', '101', '102', '108'],
  JP: ['110', '118', '119'],
  CN: ['110', '119', '120'],
  BR: ['190', '192', '193'],
  ZA: ['10111', '10177'],
};

/** The emergency numbers that count for a caller in `country` (null/unknown: the ones valid everywhere). */
export function emergencyNumbersOf(country: string | null | undefined): readonly string[] {
  const own = country ? (BY_COUNTRY[country.toUpperCase()] ?? []) : [];
  return [...new Set([...own, ...EVERYWHERE])];
}

/** Is the dialled text an emergency number in the caller ID's country? */
export function isEmergencyNumber(dialled: string, country: string | null | undefined): boolean {
  const digits = dialled.replace(/[\s().-]/g, '').replace(/^\+/, '');
  return /^\d{2,6}$/.test(digits) && emergencyNumbersOf(country).includes(digits);
}

/** The country whose emergency numbers apply to a call: the caller ID's (stored, else read from its E.164). */
export function callerCountry(callerId: { number: string; country: string | null }): string | null {
  return callerId.country ?? parsePhoneNumberFromString(callerId.number)?.country ?? null;
}

/** The capability a number carries when its carrier routes emergency calls from it (Telnyx `emergency_enabled`). */
export const EMERGENCY_CAPABILITY = 'emergency';

/**
 * May a call from this connection and caller ID reach an emergency number? Yes when the admin allowed the
 * connection (sip trunks), or when the caller ID is emergency-enabled at its carrier (Telnyx numbers).
 */
export function mayPlaceEmergencyCalls(
  connectionAllowed: boolean,
  callerCapabilities: readonly string[],
): boolean {
  return connectionAllowed || callerCapabilities.includes(EMERGENCY_CAPABILITY);
}
