/** Small builders of API DTOs for web unit tests. */
import type {
  AssignedNumberDto,
  ConnectionDto,
  ConnectionListDto,
  SessionDto,
  SipRegistrationDto,
  UserDto,
} from '../../src/shared/api.js';
import type { AssignmentType } from '../../src/shared/domain.js';

let seq = 0;

export function aUser(overrides: Partial<UserDto> = {}): UserDto {
  return {
    id: 'user-1',
    email: 'agent1@dialer.local',
    name: 'Alex Agent',
    role: 'agent',
    status: 'active',
    defaultCountry: 'US',
    createdAt: '2026-01-01T00:00:00.000Z',
    lastLoginAt: null,
    ...overrides,
  };
}

export function aSession(overrides: Partial<SessionDto> = {}): SessionDto {
  return { user: aUser(), csrfToken: 'csrf-123', expiresAt: '2099-01-01T00:00:00.000Z', ...overrides };
}

export function aNumber(
  number: string,
  assignmentType: AssignmentType,
  overrides: Partial<AssignedNumberDto> = {},
): AssignedNumberDto {
  seq += 1;
  return {
    assignmentId: `asg-${seq}`,
    phoneNumberId: `num-${number}`,
    number,
    assignmentType,
    assignedAt: '2026-01-01T00:00:00.000Z',
    country: 'US',
    city: 'Chicago',
    region: 'IL',
    numberType: 'local',
    capabilities: ['voice'],
    ...overrides,
  };
}

export function aConnection(id: string, overrides: Partial<ConnectionDto> = {}): ConnectionDto {
  return {
    id,
    name: `Trunk ${id}`,
    provider: 'sip',
    connectionType: 'credential',
    status: 'active',
    sipUri: `sip:${id}@dialer.local`,
    wsServer: 'wss://sip.dialer.local',
    username: id,
    region: 'us-central',
    location: 'Chicago, IL',
    channelLimit: 10,
    emergencyCalls: false,
    settings: { codecs: ['opus', 'PCMU'], dtmfMode: 'rfc2833' },
    notes: null,
    health: { status: 'up', checkedAt: '2026-01-01T00:00:00.000Z', latencyMs: 12, message: null },
    hasCredentials: true,
    telnyxConnectionId: null,
    activatedAt: '2026-01-01T00:00:00.000Z',
    numbers: [],
    ...overrides,
  };
}

export function aList(
  connections: ConnectionDto[],
  source: 'database' | 'telnyx' = 'database',
): ConnectionListDto {
  return { source, count: connections.length, fetchedAt: '2026-01-02T10:00:00.000Z', connections };
}

/** What POST /api/connections/:id/registration answers for a `sip` connection. */
export function aSipRegistration(overrides: Partial<SipRegistrationDto> = {}): SipRegistrationDto {
  const connectionId = overrides.connectionId ?? 'conn-1';
  return {
    provider: 'sip',
    connectionId,
    wsServer: 'wss://sip.example.test',
    sipUri: `sip:${connectionId}@example.test`,
    authorizationUser: connectionId,
    password: 'secret',
    displayName: 'Alice',
    fallback: false,
    dtmfMode: 'rfc2833',
    sendPAssertedIdentity: true,
    iceServers: [],
    ...overrides,
  };
}
