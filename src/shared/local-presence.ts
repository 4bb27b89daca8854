/**
 * Local presence: the caller ID a callee is most likely to pick up, chosen per call among the numbers a
 * connection owns. Same country and area code first, then same country, then the connection's first
 * number (primary before secondary before backup, the order the caller has them in). The server's
 * caller-ID check still applies to whatever is chosen: only numbers assigned to the connection are here.
 */
import { parsePhoneNumberFromString, type PhoneNumber } from 'libphonenumber-js/min';

export type LocalMatch = 'area' | 'country' | 'none';

/**
 * The area code (national destination code) as the number plan's international format groups it:
 * "+1 312 555 0100" -> "312", "+44 20 7946 0130" -> "20". Null when the plan has no such group.
 */
export function areaCodeOf(
  parsed: Pick<PhoneNumber, 'nationalNumber' | 'formatInternational'>,
): string | null {
  const groups = parsed.formatInternational().split(' ');
  const candidate = groups[1];
  return groups.length > 2 && candidate && parsed.nationalNumber.startsWith(candidate) ? candidate : null;
}

interface Place {
  country: string | null;
  callingCode: string;
  areaCode: string | null;
}

function placeOf(e164: string): Place | null {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return null;
  return {
    country: parsed.country ?? null,
    callingCode: parsed.countryCallingCode,
    areaCode: areaCodeOf(parsed),
  };
}

/** Same country: the same ISO country, or the same calling code when the plan does not tell the country. */
function sameCountry(a: Place, b: Place): boolean {
  return a.country !== null && b.country !== null ? a.country === b.country : a.callingCode === b.callingCode;
}

/**
 * The best of `numbers` (in the caller's order of preference) to call `destination` (E.164) from, and how
 * well it matches; null when there are no numbers.
 */
export function localPresence<N extends { number: string }>(
  numbers: readonly N[],
  destination: string,
): { number: N; match: LocalMatch } | null {
  const first = numbers[0];
  if (!first) return null;
  const to = placeOf(destination);
  if (!to) return { number: first, match: 'none' };
  const places = numbers.map((n) => ({ n, place: placeOf(n.number) }));
  const inCountry = places.filter((p) => p.place !== null && sameCountry(p.place, to));
  const local = to.areaCode === null ? undefined : inCountry.find((p) => p.place?.areaCode === to.areaCode);
  if (local) return { number: local.n, match: 'area' };
  if (inCountry[0]) return { number: inCountry[0].n, match: 'country' };
  return { number: first, match: 'none' };
}
