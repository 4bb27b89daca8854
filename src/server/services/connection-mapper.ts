/**
 * Rows -> ConnectionDto. This runs for every trunk and number of GET /api/connections, so it is plain
 * property copies: no schema parsing (the database's own constraints and the admin API's validation are
 * what make the rows trustworthy), and repeated JSON texts (capabilities) are parsed once per call.
 */
import type { AssignedNumberDto, ConnectionDto, ConnectionHealthDto } from '../../shared/api.js';
import type {
  AssignmentType,
  ConnectionType,
  HealthStatus,
  NumberType,
  Provider,
  TrunkSettings,
  TrunkStatus,
} from '../../shared/domain.js';
import { parseJson } from '../db/json.js';
import type { ConnectionNumberRow } from '../repositories/assignment-repository.js';
import type { TrunkView } from '../repositories/trunk-repository.js';

export function parseSettings(text: string): TrunkSettings {
  const value = parseJson<unknown>(text, {});
  return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

export function healthOf(t: TrunkView): ConnectionHealthDto {
  return {
    status: t.health_status as HealthStatus,
    checkedAt: t.health_checked_at,
    latencyMs: t.health_latency_ms,
    message: t.health_message,
  };
}

/** A trunk can register with its own credentials when it has both a user name and a password. */
export function hasCredentials(t: Pick<TrunkView, 'has_password' | 'sip_username'>): boolean {
  return Number(t.has_password) === 1 && !!t.sip_username;
}

export function toConnectionDto(t: TrunkView, numbers: AssignedNumberDto[]): ConnectionDto {
  return {
    id: t.id,
    name: t.name,
    provider: t.provider as Provider,
    connectionType: t.connection_type as ConnectionType,
    status: t.status as TrunkStatus,
    sipUri: t.sip_uri,
    wsServer: t.ws_server,
    username: t.sip_username,
    region: t.region,
    location: t.location,
    channelLimit: t.channel_limit,
    settings: parseSettings(t.settings),
    notes: t.notes,
    health: healthOf(t),
    hasCredentials: hasCredentials(t),
    emergencyCalls: t.emergency_calls === 1,
    telnyxConnectionId: t.telnyx_connection_id,
    activatedAt: t.activated_at,
    numbers,
  };
}

/**
 * JSON.stringify(toConnectionDto(t, numbers)) where the numbers are already JSON text (an
 * AssignedNumberDto[] built by the database): `numbers` is the DTO's last property, so the text of the
 * DTO with no numbers ends in `[]}` and the numbers go in place of that `[]`.
 */
export function toConnectionJson(t: TrunkView, numbersJson: string): string {
  const text = JSON.stringify(toConnectionDto(t, []));
  return text.slice(0, -3) + numbersJson + '}';
}

/** Maps number rows, grouped by trunk id (rows arrive already in display order). */
export function groupNumbersByTrunk(rows: ConnectionNumberRow[]): Map<string, AssignedNumberDto[]> {
  const byTrunk = new Map<string, AssignedNumberDto[]>();
  const capabilities = new Map<string, string[]>();
  for (const r of rows) {
    let caps = capabilities.get(r.capabilities);
    if (!caps) {
      const parsed = parseJson<unknown>(r.capabilities, []);
      caps = Array.isArray(parsed) ? (parsed as string[]) : [];
      capabilities.set(r.capabilities, caps);
    }
    const dto: AssignedNumberDto = {
      assignmentId: r.assignment_id,
      phoneNumberId: r.phone_number_id,
      number: r.number,
      assignmentType: r.assignment_type as AssignmentType,
      assignedAt: r.assigned_at,
      country: r.country,
      city: r.city,
      region: r.region,
      numberType: r.number_type as NumberType,
      capabilities: caps,
    };
    const list = byTrunk.get(r.trunk_id);
    if (list) list.push(dto);
    else byTrunk.set(r.trunk_id, [dto]);
  }
  return byTrunk;
}
