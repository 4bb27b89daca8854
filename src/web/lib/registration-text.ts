/**
 * A failed registration in words for the person reading it. An agent gets the plain reason and what to
 * do or whom to ask; an admin also gets the operator's detail (the server's address, the WebSocket close
 * code, the SIP status), which agents cannot act on. Pure, so both wordings are unit-tested.
 */
import type { RegistrationState } from '../../phone/index.js';
import type { UserRole } from '../../shared/domain.js';

type Failed = Extract<RegistrationState, { status: 'failed' }>;

const CREDENTIAL_CODES = new Set([401, 403, 407]);

export function registrationFailureText(state: Failed, reader: UserRole | null): string {
  const reason = state.reason.replace(/[.\s]+$/, '');
  if (reader === 'admin') {
    const extra = [state.detail, state.sipCode ? `SIP ${state.sipCode}` : null].filter(Boolean).join(', ');
    return extra ? `${reason}: ${extra}.` : `${reason}.`;
  }
  const next =
    state.sipCode !== null && CREDENTIAL_CODES.has(state.sipCode)
      ? 'Ask your admin to check this connection’s SIP user name and password.'
      : 'Choose another connection, or ask your admin to check this one.';
  return `${reason}. ${next}`;
}
