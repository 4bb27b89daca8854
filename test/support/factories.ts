/**
 * Small factories for tests: users, trunks (with an encrypted SIP password), numbers and assignments,
 * written through the repositories (not the admin API, which audits and validates) so a test can build
 * exactly the state it needs, including states the API would refuse. Every field has a sensible default;
 * pass only what the test is about.
 */
import crypto from 'node:crypto';
import type { Services } from '../../src/server/container.js';
import type { AssignmentRow, PhoneNumberRow, SipTrunkRow, UserRow } from '../../src/server/db/schema.js';
import { plainTestHasher } from './app.js';

export const TEST_PASSWORD = 's3cret-pass';

let seq = 0;
const next = () => `${Date.now().toString(36)}${(seq++).toString(36)}`;
const now = () => new Date().toISOString();

export interface CreatedUser {
  row: UserRow;
  id: string;
  email: string;
  password: string;
}

export async function createUser(
  services: Services,
  overrides: Partial<Pick<UserRow, 'email' | 'name' | 'role' | 'status' | 'default_country'>> & {
    password?: string;
  } = {},
): Promise<CreatedUser> {
  const password = overrides.password ?? TEST_PASSWORD;
  const row = await services.users.create({
    email: overrides.email ?? `user-${next()}@example.com`,
    name: overrides.name ?? 'Test User',
    passwordHash: await plainTestHasher.hash(password),
    role: overrides.role ?? 'agent',
    status: overrides.status ?? 'active',
    defaultCountry: overrides.default_country ?? 'US',
  });
  return { row, id: row.id, email: row.email, password };
}

export async function createTrunk(
  services: Services,
  ownerId: string,
  overrides: Partial<Omit<SipTrunkRow, 'sip_password_enc'>> & { password?: string | null } = {},
): Promise<SipTrunkRow> {
  const { password = 'trunk-secret', ...rest } = overrides;
  const t = now();
  const id = rest.id ?? crypto.randomUUID();
  const row: SipTrunkRow = {
    id,
    owner_id: ownerId,
    name: `Trunk ${next()}`,
    provider: 'sip',
    connection_type: 'credential',
    status: 'active',
    telnyx_connection_id: null,
    telnyx_credential_id: null,
    sip_uri: `sip:agent-${id.slice(0, 8)}@sip.example.test`,
    ws_server: 'wss://sip.example.test:7443',
    sip_username: `agent-${id.slice(0, 8)}`,
    sip_password_enc: password === null ? null : services.cipher.encrypt(password),
    display_name: null,
    settings: '{}',
    region: null,
    location: null,
    channel_limit: null,
    notes: null,
    health_status: 'unknown',
    health_checked_at: null,
    health_latency_ms: null,
    health_message: null,
    missing_at_telnyx_at: null,
    activated_at: t,
    created_at: t,
    updated_at: t,
    ...rest,
  };
  await services.trunks.insert(row);
  return row;
}

/** A phone number; the default is a unique, valid-looking US number (+1 312 555 xxxx style). */
export async function createNumber(
  services: Services,
  overrides: Partial<PhoneNumberRow> = {},
): Promise<PhoneNumberRow> {
  const t = now();
  const row: PhoneNumberRow = {
    id: crypto.randomUUID(),
    owner_id: null,
    number: `+1312${String(crypto.randomInt(0, 10_000_000)).padStart(7, '0')}`,
    country: 'US',
    area_code: '312',
    city: null,
    region: null,
    carrier: null,
    number_type: 'local',
    status: 'active',
    capabilities: '["voice"]',
    telnyx_number_id: null,
    monthly_rate: null,
    purchased_at: null,
    metadata: '{}',
    missing_at_telnyx_at: null,
    created_at: t,
    updated_at: t,
    ...overrides,
  };
  await services.phoneNumbers.insert(row);
  return row;
}

export async function assign(
  services: Services,
  trunkId: string,
  phoneNumberId: string,
  overrides: Partial<AssignmentRow> = {},
): Promise<AssignmentRow> {
  const t = now();
  const row: AssignmentRow = {
    id: crypto.randomUUID(),
    trunk_id: trunkId,
    phone_number_id: phoneNumberId,
    assignment_type: 'primary',
    is_active: 1,
    assigned_at: t,
    last_used_at: null,
    settings: '{}',
    created_at: t,
    updated_at: t,
    ...overrides,
  };
  await services.assignments.insert(row);
  return row;
}

/** An agent with one active trunk and one actively assigned primary number: the usual calling setup. */
export async function createAgentWithLine(services: Services, overrides: { role?: string } = {}) {
  const user = await createUser(services, { role: overrides.role ?? 'agent' });
  const trunk = await createTrunk(services, user.id);
  const number = await createNumber(services, { owner_id: user.id });
  const assignment = await assign(services, trunk.id, number.id);
  return { user, trunk, number, assignment };
}
