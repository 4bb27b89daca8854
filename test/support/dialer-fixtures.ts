/**
 * Fixtures for the connections, registration and admin tests: users, trunks (password encrypted with the
 * app's cipher), numbers and assignments written straight to the database, so each test builds exactly
 * the state it is about. Defaults are valid; pass only what matters.
 */
import crypto from 'node:crypto';
import type { Services } from '../../src/server/container.js';
import type { AssignmentRow, PhoneNumberRow, SipTrunkRow, UserRow } from '../../src/server/db/schema.js';
import { plainTestHasher } from './app.js';

export const PASSWORD = 'user-pass-123';

/** Columns added after 0001_initial: written only when a test sets them, so the fixtures also fill a first-version database. */
const LATER_TRUNK_COLUMNS = ['telnyx_active', 'telnyx_seen_run_id', 'emergency_calls'] as const;
const LATER_NUMBER_COLUMNS = [
  'telnyx_connection_id',
  'telnyx_seen_run_id',
  'assigned_trunk_id',
  'assigned_type',
] as const;

function withoutUnsetLaterColumns<R extends object>(row: R, given: object, later: readonly string[]): R {
  const out = { ...row } as Record<string, unknown>;
  for (const c of later) if (!(c in given)) delete out[c];
  return out as R;
}
let seq = 0;
const uniq = () => `${process.pid.toString(36)}${(seq++).toString(36)}`;
const now = () => new Date().toISOString();

export async function addUser(
  s: Services,
  o: Partial<Pick<UserRow, 'email' | 'name' | 'role' | 'status'>> = {},
): Promise<UserRow> {
  return s.repos.users.create({
    email: o.email ?? `user-${uniq()}@example.com`,
    name: o.name ?? 'Test User',
    passwordHash: await plainTestHasher.hash(PASSWORD),
    role: o.role ?? 'agent',
    status: o.status ?? 'active',
    defaultCountry: 'US',
  });
}

export async function addTrunk(
  s: Services,
  ownerId: string,
  o: Partial<Omit<SipTrunkRow, 'sip_password_enc'>> & { password?: string | null } = {},
): Promise<SipTrunkRow> {
  const { password = `pw-${uniq()}`, ...rest } = o;
  const id = rest.id ?? crypto.randomUUID();
  const t = now();
  const row: SipTrunkRow = {
    id,
    owner_id: ownerId,
    name: `Trunk ${uniq()}`,
    provider: 'sip',
    emergency_calls: 0,
    connection_type: 'credential',
    status: 'active',
    telnyx_connection_id: null,
    telnyx_credential_id: null,
    sip_uri: 'sip.example.test',
    ws_server: 'wss://sip.example.test:7443',
    sip_username: `user-${id.slice(0, 8)}`,
    sip_password_enc: password === null ? null : s.cipher.encrypt(password),
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
    telnyx_active: null,
    telnyx_seen_run_id: null,
    ...rest,
  };
  await s.db
    .insertInto('sip_trunks')
    .values(withoutUnsetLaterColumns(row, o, LATER_TRUNK_COLUMNS))
    .execute();
  return row;
}

let numberSeq = 0;
/** A valid, unique US number: +1312555xxxx. */
export function nextNumber(): string {
  numberSeq += 1;
  const n = (process.pid * 7 + numberSeq) % 10_000;
  return `+1312555${String(n).padStart(4, '0')}`;
}

export async function addNumber(s: Services, o: Partial<PhoneNumberRow> = {}): Promise<PhoneNumberRow> {
  const t = now();
  let number = o.number;
  // Unique within a test database even when many tests add numbers.
  while (
    !number ||
    (await s.db.selectFrom('phone_numbers').select('id').where('number', '=', number).executeTakeFirst())
  ) {
    number = nextNumber();
  }
  const row: PhoneNumberRow = {
    id: crypto.randomUUID(),
    owner_id: null,
    country: 'US',
    area_code: '312',
    city: 'Chicago',
    region: 'IL',
    carrier: null,
    number_type: 'local',
    status: 'active',
    capabilities: '["voice","sms"]',
    telnyx_number_id: null,
    monthly_rate: null,
    purchased_at: null,
    metadata: '{}',
    missing_at_telnyx_at: null,
    created_at: t,
    updated_at: t,
    telnyx_connection_id: null,
    telnyx_seen_run_id: null,
    assigned_trunk_id: null,
    assigned_type: null,
    ...o,
    number,
  };
  await s.db
    .insertInto('phone_numbers')
    .values(withoutUnsetLaterColumns(row, o, LATER_NUMBER_COLUMNS))
    .execute();
  return row;
}

export async function assign(
  s: Services,
  trunkId: string,
  phoneNumberId: string,
  type: 'primary' | 'secondary' | 'backup',
  isActive = true,
): Promise<AssignmentRow> {
  const t = now();
  const row: AssignmentRow = {
    id: crypto.randomUUID(),
    trunk_id: trunkId,
    phone_number_id: phoneNumberId,
    assignment_type: type,
    is_active: isActive ? 1 : 0,
    assigned_at: t,
    last_used_at: null,
    settings: '{}',
    created_at: t,
    updated_at: t,
  };
  await s.db.insertInto('trunk_phone_numbers').values(row).execute();
  return row;
}

/** Row counts of every table an admin write touches: compare before/after to prove nothing was written. */
export async function tableCounts(s: Services): Promise<Record<string, number>> {
  const tables = ['users', 'sip_trunks', 'phone_numbers', 'trunk_phone_numbers', 'audit_log'] as const;
  const out: Record<string, number> = {};
  for (const t of tables) {
    const r = await s.db
      .selectFrom(t)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    out[t] = Number(r.n);
  }
  return out;
}

/** An agent with one active trunk and one actively assigned primary number: the usual calling setup. */
export async function createAgentWithLine(s: Services, o: { role?: 'admin' | 'agent' } = {}) {
  const user = await addUser(s, { role: o.role ?? 'agent' });
  const trunk = await addTrunk(s, user.id);
  const number = await addNumber(s, { owner_id: user.id });
  const assignment = await assign(s, trunk.id, number.id, 'primary');
  return { user, trunk, number, assignment };
}
