/** Pure translations between JsSIP's vocabulary and the phone's (no JsSIP import: unit-testable). */
import type { EndCause } from '../call-state.js';

export function audioConstraint(deviceId: string | undefined): MediaTrackConstraints | boolean {
  return deviceId && deviceId !== 'default' ? { deviceId: { exact: deviceId } } : true;
}

export function sipDomain(sipUri: string): string {
  const m = /^sips?:(?:[^@]*@)?([^;>?]+)/i.exec(sipUri);
  if (!m?.[1]) throw new Error(`invalid SIP URI: ${sipUri}`);
  return m[1];
}

/** SIP users arrive as "+1312...", "1312..." or "alice"; digits-only with 8+ digits get a "+". */
export function toE164ish(user: string): string {
  return /^\d{8,15}$/.test(user) ? `+${user}` : user;
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
