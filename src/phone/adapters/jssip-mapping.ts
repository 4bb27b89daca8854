/** Pure translations between JsSIP's vocabulary and the phone's (no JsSIP import: unit-testable). */
import type { EndCause } from '../call-state.js';
import { toE164ish } from '../phone-helpers.js';

export { toE164ish };

/** A SIP user part or display name that is a phone number (with or without its +). */
const NUMBER_USER = /^\+?\d{6,15}$/;

export function audioConstraint(deviceId: string | undefined): MediaTrackConstraints | boolean {
  return deviceId && deviceId !== 'default' ? { deviceId: { exact: deviceId } } : true;
}

export function sipDomain(sipUri: string): string {
  const m = /^sips?:(?:[^@]*@)?([^;>?]+)/i.exec(sipUri);
  if (!m?.[1]) throw new Error(`invalid SIP URI: ${sipUri}`);
  return m[1];
}

/**
 * The caller's number on an inbound INVITE: P-Asserted-Identity (trusted networks), else a numeric
 * display name (how this adapter and many PBXs present a caller ID), else the From user.
 */
export function callerOfInvite(
  assertedIdentity: string | undefined,
  displayName: string | undefined,
  fromUser: string,
): { number: string; name: string | null } {
  const pai = /<?sips?:(\+?\d{6,15})@/.exec(assertedIdentity ?? '')?.[1];
  const display = displayName?.trim() ?? '';
  const number = pai ?? (NUMBER_USER.test(display) ? display : fromUser);
  return { number: toE164ish(number), name: display && display !== number ? display : null };
}

/** Our number on an inbound call: the R-URI user when it is a number, else the To user, else unknown. */
export function calledNumber(ruriUser: string | undefined, toUser: string | undefined): string | null {
  for (const user of [ruriUser, toUser]) {
    if (user && NUMBER_USER.test(user)) return toE164ish(user.replace(/^\+/, ''));
  }
  return null;
}

/** JsSIP.C.causes values (plain strings, so they compare without JsSIP's enum types). */
export function causeFromJsSip(cause: string): EndCause {
  switch (cause) {
    case 'Busy':
      return 'busy';
    case 'Rejected':
      return 'rejected';
    case 'Canceled':
      return 'cancelled';
    case 'No Answer':
    case 'Unavailable':
    case 'Expires':
      return 'no_answer';
    case 'Connection Error':
    case 'Request Timeout':
    case 'RTP Timeout':
      return 'network';
    default:
      return 'failed';
  }
}

export function registrationFailureText(cause: string | undefined, code: number | null): string {
  if (code === 401 || code === 403 || cause === 'Authentication Error') {
    return `Wrong SIP user name or password${code ? ` (${code})` : ''}.`;
  }
  if (code === 404) return 'The SIP user does not exist on this server (404).';
  if (cause === 'Request Timeout') return 'The SIP server did not answer the registration (timeout).';
  if (cause === 'Connection Error') return 'The connection to the SIP server failed.';
  return `Registration refused${code ? ` (${code})` : ''}: ${cause ?? 'unknown reason'}.`;
}

/** A failure without a final response (the caller's CANCEL, no answer to the INVITE): its code per RFC 3261. */
export function sipCodeOfJsSipCause(reason: string): number | null {
  if (reason === 'Canceled') return 487;
  if (reason === 'Request Timeout' || reason === 'No Answer') return 408;
  return null;
}
