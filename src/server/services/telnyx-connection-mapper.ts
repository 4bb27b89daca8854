/**
 * Maps what Telnyx says about a credential connection and its phone numbers into the same
 * `ConnectionDto` the database list returns, so the dialer cannot tell the sources apart by shape.
 *
 * Rules (documented because Telnyx has no notion of them):
 * - `id` is the local trunk's id when the connection is linked to one (so registration works from the
 *   fallback list too), otherwise `telnyx:<connection id>`; `telnyxConnectionId` is always Telnyx's id.
 * - Numbers are the account's numbers whose `connection_id` is the connection, ordered by E.164 number:
 *   the first is `primary`, all others `secondary` (Telnyx routes inbound calls to all of them alike;
 *   there is no backup at Telnyx). `phoneNumberId` is the local number's id when known, else
 *   `telnyx:<number id>`; `assignmentId` is `telnyx:<number id>`.
 * - `hasCredentials` is true when the connection has a SIP user name (its password stays at Telnyx; the
 *   browser logs in with a short-lived token minted from a telephony credential).
 */
import type { AssignedNumberDto, ConnectionDto } from '../../shared/api.js';
import {
  numberTypeFromTelnyx,
  settingsFromTelnyx,
  sipUriFor,
} from '../repositories/telnyx/telnyx-mapping.js';
import type { TelnyxConnection, TelnyxPhoneNumber } from '../repositories/telnyx/telnyx-repository.js';

export interface LocalIds {
  trunkIdByConnection: Map<string, string>;
  numberIdByTelnyxId: Map<string, string>;
}

export function toTelnyxConnectionDto(
  c: TelnyxConnection,
  numbers: TelnyxPhoneNumber[],
  local: LocalIds,
): ConnectionDto {
  const sorted = [...numbers].sort((a, b) =>
    a.phoneNumber < b.phoneNumber ? -1 : a.phoneNumber > b.phoneNumber ? 1 : 0,
  );
  const assigned: AssignedNumberDto[] = sorted.map((n, i) => ({
    assignmentId: `telnyx:${n.id}`,
    phoneNumberId: local.numberIdByTelnyxId.get(n.id) ?? `telnyx:${n.id}`,
    number: n.phoneNumber,
    assignmentType: i === 0 ? 'primary' : 'secondary',
    assignedAt: n.updatedAt ?? n.purchasedAt ?? n.createdAt ?? new Date(0).toISOString(),
    country: n.country,
    city: null,
    region: null,
    numberType: numberTypeFromTelnyx(n.numberType),
    capabilities: ['voice'],
  }));
  return {
    id: local.trunkIdByConnection.get(c.id) ?? `telnyx:${c.id}`,
    name: c.name,
    provider: 'telnyx',
    connectionType: 'credential',
    status: c.active ? 'active' : 'inactive',
    sipUri: sipUriFor(c),
    wsServer: null,
    username: c.userName,
    region: c.anchorsite,
    location: null,
    channelLimit: c.channelLimit,
    // Not known from the Telnyx connection; its numbers' emergency_enabled decides per caller ID.
    emergencyCalls: false,
    settings: settingsFromTelnyx(c),
    notes: null,
    health: { status: 'unknown', checkedAt: null, latencyMs: null, message: null },
    hasCredentials: Boolean(c.userName),
    telnyxConnectionId: c.id,
    activatedAt: c.active ? c.createdAt : null,
    numbers: assigned,
  };
}
