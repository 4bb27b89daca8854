/**
 * Small helpers of the base softphone and the adapters: messages, device ids, numbers from SIP users,
 * the dialled numbers' check, call ids.
 */
import { isE164 } from '../shared/value-rules.js';
import type { RegistrationState } from './call-state.js';
import { PhoneErrorCode, PhoneErrorException } from './errors.js';
import type { AudioDevices, DialOptions } from './softphone.js';

export function sameRegistration(a: RegistrationState, b: RegistrationState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function definedOnly(d: AudioDevices): AudioDevices {
  const out: AudioDevices = {};
  if (d.input !== undefined) out.input = d.input;
  if (d.output !== undefined) out.output = d.output;
  if (d.ringer !== undefined) out.ringer = d.ringer;
  return out;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}

export function notRegisteredMessage(s: RegistrationState): string {
  switch (s.status) {
    case 'unregistered':
      return 'The phone is not registered: pick a connection first.';
    case 'registering':
      return 'The phone is still registering; try again in a moment.';
    case 'failed':
      return `The phone is not registered: ${s.reason}`;
    case 'reconnecting':
      return `The connection to the phone server was lost; reconnecting (attempt ${s.attempt}).`;
    case 'registered':
      return 'The phone is not registered.';
  }
}

/** SIP users and Telnyx caller numbers arrive as "+1312...", "1312..." or "alice"; digits-only with 8+ digits get a "+". */
export function toE164ish(user: string): string {
  return /^\d{8,15}$/.test(user) ? `+${user}` : user;
}

/**
 * STIR/SHAKEN: the `verstat` URI parameter a carrier's verification service puts in P-Asserted-Identity
 * or From (3GPP TS 24.229 7.2A.20; Telnyx and other US carriers): `TN-Validation-Passed` (also with an
 * attestation suffix such as `-A`), `TN-Validation-Failed`, `No-TN-Validation`. Null when no header has one.
 */
export function verificationOfHeaders(
  ...headers: (string | null | undefined)[]
): 'verified' | 'not_verified' | 'failed' | null {
  for (const h of headers) {
    const v = /[;?&]verstat=([A-Za-z-]+)/i.exec(h ?? '')?.[1]?.toLowerCase();
    if (!v) continue;
    if (v.startsWith('tn-validation-passed')) return 'verified';
    if (v.startsWith('tn-validation-failed')) return 'failed';
    if (v === 'no-tn-validation') return 'not_verified';
  }
  return null;
}

/** Destination and caller ID in E.164 (an emergency short code such as 911 only when the call says so). */
export function assertDialableNumbers(
  opts: Pick<DialOptions, 'destination' | 'callerId' | 'emergency'>,
): void {
  const emergencyCode = opts.emergency === true && /^\d{2,6}$/.test(opts.destination);
  if (!emergencyCode && !isE164(opts.destination)) {
    throw new PhoneErrorException(
      PhoneErrorCode.InvalidNumber,
      `The destination ${opts.destination} is not a valid number.`,
    );
  }
  if (!isE164(opts.callerId)) {
    throw new PhoneErrorException(
      PhoneErrorCode.InvalidNumber,
      `The caller ID ${opts.callerId} is not a valid number.`,
    );
  }
}

export function newCallId(): string {
  const c = globalThis.crypto as Crypto | undefined;
  return c?.randomUUID ? c.randomUUID() : `call-${Date.now()}-${Math.random().toString(16).slice(2)}`;
}
