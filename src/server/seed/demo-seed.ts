/**
 * Writes the demo data set (demo-data.ts) idempotently, in one transaction (the unit of work). Rows are
 * matched by their natural keys (user email, trunk name per owner, E.164 number, trunk + number for an
 * assignment): a missing row is inserted; an existing row is updated only where the demo definition
 * differs, so a second run changes nothing, not even updated_at. Fields that the running system owns once
 * a row exists (health, last_used_at, activated_at) are written on insert only. It bypasses the admin
 * services on purpose ("insert or repair, and touch nothing that already matches", no audit entries) but
 * not the repositories.
 */
import crypto from 'node:crypto';
import type { Services } from '../container.js';
import type { Repositories } from '../repositories/index.js';
import {
  DEMO_NUMBERS,
  DEMO_SIP_DOMAIN,
  DEMO_SIP_WS_SERVER,
  DEMO_TRUNKS,
  DEMO_USERS,
  type DemoTrunk,
  type DemoUserKey,
} from './demo-data.js';

export { DEMO_USERS, DEMO_SIP_DOMAIN, DEMO_SIP_WS_SERVER } from './demo-data.js';
export { seedDemoCalls } from './demo-calls.js';
export type { DemoUser, DemoUserKey } from './demo-data.js';

export interface SeedDemoOptions {
  /** WebSocket server of the demo `sip` trunks (default ws://127.0.0.1:5066, not reachable). */
  sipWsServer?: string;
  /** SIP domain of the demo `sip` trunks' URIs (default dialer.local). */
  sipDomain?: string;
}

export interface SeedCounts {
  users: number;
  trunks: number;
  numbers: number;
  assignments: number;
}

export interface SeedDemoResult {
  created: SeedCounts;
  updated: SeedCounts;
  unchanged: SeedCounts;
  /** True when the run wrote nothing. */
  noChanges: boolean;
}

type SeedServices = Pick<Services, 'repos' | 'transaction' | 'cipher' | 'hasher'>;

const zero = (): SeedCounts => ({ users: 0, trunks: 0, numbers: 0, assignments: 0 });

/** JSON with sorted keys, so settings written by other code in another key order compare equal. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

function sameJson(stored: string, wanted: unknown): boolean {
  try {
    return canonicalJson(JSON.parse(stored)) === canonicalJson(wanted);
  } catch {
    return false;
  }
}

/** The columns of `wanted` whose value differs from `row` (JSON columns compared by meaning). */
function diff(
  row: object,
  wanted: Record<string, unknown>,
  jsonColumns: readonly string[] = [],
): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wanted)) {
    const current = (row as Record<string, unknown>)[key];
    const same = jsonColumns.includes(key)
      ? sameJson(String(current), JSON.parse(String(value)))
      : // pg returns REAL columns as numbers and integers as numbers; compare loosely on null/undefined only.
        current === value ||
        (current == null && value == null) ||
        (typeof value === 'number' && Number(current) === value);
    if (!same) changes[key] = value;
  }
  return changes;
}

export async function seedDemo(
  services: SeedServices,
  options: SeedDemoOptions = {},
): Promise<SeedDemoResult> {
  const wsServer = options.sipWsServer ?? DEMO_SIP_WS_SERVER;
  const domain = options.sipDomain ?? DEMO_SIP_DOMAIN;
  const created = zero();
  const updated = zero();
  const unchanged = zero();
  const count = (kind: keyof SeedCounts, changed: 'created' | 'updated' | 'unchanged'): void => {
    ({ created, updated, unchanged })[changed][kind] += 1;
  };
  const now = new Date();
  const nowIso = now.toISOString();

  // Password hashing is slow and salted: verify first and hash only the users that need it, before the
  // transaction so it stays short.
  const passwordHashes = new Map<string, string>();
  for (const demo of Object.values(DEMO_USERS)) {
    const row = await services.repos.users.findByEmail(demo.email);
    if (!row || !(await services.hasher.verify(row.password_hash, demo.password))) {
      passwordHashes.set(demo.email, await services.hasher.hash(demo.password));
    }
  }

  await services.transaction.run(async (trx) => {
    const userIds = new Map<DemoUserKey, string>();
    for (const [key, demo] of Object.entries(DEMO_USERS) as [
      DemoUserKey,
      (typeof DEMO_USERS)[DemoUserKey],
    ][]) {
      const row = await trx.users.findByEmail(demo.email);
      const newHash = passwordHashes.get(demo.email);
      if (!row) {
        const created = await trx.users.create({
          email: demo.email,
          name: demo.name,
          passwordHash: newHash ?? (await services.hasher.hash(demo.password)),
          role: demo.role,
          status: 'active',
          defaultCountry: 'US',
        });
        userIds.set(key, created.id);
        count('users', 'created');
        continue;
      }
      userIds.set(key, row.id);
      const changes = diff(row, { name: demo.name, role: demo.role, status: 'active' });
      if (newHash) changes.password_hash = newHash;
      await applyUpdate(
        (patch) => trx.users.update(row.id, patch),
        changes,
        nowIso,
        (c) => count('users', c),
      );
    }

    const numberIds = new Map<string, string>();
    const numberOwner = new Map<string, DemoUserKey>();
    for (const t of DEMO_TRUNKS) for (const a of t.assignments) numberOwner.set(a.number, t.owner);
    for (const n of DEMO_NUMBERS) {
      const ownerId = userIds.get(numberOwner.get(n.number) ?? 'admin') ?? null;
      const wanted = {
        owner_id: ownerId,
        country: n.country,
        area_code: n.areaCode,
        city: n.city,
        region: n.region,
        carrier: n.carrier,
        number_type: n.numberType,
        status: 'active',
        capabilities: JSON.stringify(n.capabilities),
        telnyx_number_id: n.telnyxNumberId,
        monthly_rate: n.monthlyRate,
        metadata: JSON.stringify({ demo: true }),
      };
      const row = await trx.phoneNumbers.findByNumber(n.number);
      if (!row) {
        const id = crypto.randomUUID();
        await trx.phoneNumbers.insert({
          id,
          number: n.number,
          ...wanted,
          purchased_at: '2025-11-01T09:00:00.000Z',
          created_at: nowIso,
          updated_at: nowIso,
        });
        numberIds.set(n.number, id);
        count('numbers', 'created');
        continue;
      }
      numberIds.set(n.number, row.id);
      await applyUpdate(
        (patch) => trx.phoneNumbers.update(row.id, patch),
        diff(row, wanted, ['capabilities', 'metadata']),
        nowIso,
        (c) => count('numbers', c),
      );
    }

    for (const t of DEMO_TRUNKS) {
      const ownerId = userIds.get(t.owner);
      if (!ownerId) throw new Error(`demo trunk ${t.name}: unknown owner ${t.owner}`);
      const trunkId = await upsertTrunk(trx, services, t, ownerId, { wsServer, domain, now }, (c) =>
        count('trunks', c),
      );
      for (const a of t.assignments) {
        const numberId = numberIds.get(a.number);
        if (!numberId) throw new Error(`demo assignment ${t.name}: unknown number ${a.number}`);
        const wanted = {
          assignment_type: a.type,
          is_active: a.active ? 1 : 0,
          settings: JSON.stringify(a.label ? { label: a.label } : {}),
        };
        const row = await trx.assignments.findByTrunkAndNumber(trunkId, numberId);
        if (!row) {
          await trx.assignments.insert({
            id: crypto.randomUUID(),
            trunk_id: trunkId,
            phone_number_id: numberId,
            ...wanted,
            assigned_at: '2025-11-02T09:00:00.000Z',
            last_used_at: a.lastUsedAt ?? null,
            created_at: nowIso,
            updated_at: nowIso,
          });
          count('assignments', 'created');
          continue;
        }
        await applyUpdate(
          (patch) => trx.assignments.update(row.id, patch),
          diff(row, wanted, ['settings']),
          nowIso,
          (c) => count('assignments', c),
        );
      }
    }
  });

  const noChanges =
    Object.values(created).every((v) => v === 0) && Object.values(updated).every((v) => v === 0);
  return { created, updated, unchanged, noChanges };
}

async function upsertTrunk(
  trx: Repositories,
  services: SeedServices,
  t: DemoTrunk,
  ownerId: string,
  ctx: { wsServer: string; domain: string; now: Date },
  counted: (c: 'created' | 'updated' | 'unchanged') => void,
): Promise<string> {
  const sipHost = t.provider === 'telnyx' ? 'sip.telnyx.com' : ctx.domain;
  const wanted = {
    provider: t.provider,
    connection_type: t.connectionType,
    status: t.status,
    telnyx_connection_id: t.telnyxConnectionId,
    sip_uri: t.username ? `sip:${t.username}@${sipHost}` : null,
    ws_server: t.usesDemoSipServer ? ctx.wsServer : null,
    sip_username: t.username,
    display_name: t.displayName,
    settings: JSON.stringify(t.settings),
    region: t.region,
    location: t.location,
    channel_limit: t.channelLimit,
    notes: t.notes,
  };
  const row = await trx.trunks.findSecretByOwnerAndName(ownerId, t.name);
  const nowIso = ctx.now.toISOString();
  if (!row) {
    const id = crypto.randomUUID();
    await trx.trunks.insert({
      id,
      owner_id: ownerId,
      name: t.name,
      ...wanted,
      sip_password_enc: t.password ? services.cipher.encrypt(t.password) : null,
      // Never probed yet: the health job measures it (no invented values).
      health_status: 'unknown',
      health_checked_at: null,
      health_latency_ms: null,
      health_message: null,
      activated_at: t.status === 'active' ? '2025-11-02T09:00:00.000Z' : null,
      created_at: nowIso,
      updated_at: nowIso,
    });
    counted('created');
    return id;
  }
  const changes: Record<string, unknown> = diff(row, wanted, ['settings']);
  // The envelope has a random IV, so compare plaintext; a row the current key cannot open is rewritten.
  let storedPassword: string | null = null;
  try {
    storedPassword = row.sip_password_enc ? services.cipher.decrypt(row.sip_password_enc) : null;
  } catch {
    storedPassword = '\u0000undecryptable';
  }
  if (storedPassword !== t.password) {
    changes.sip_password_enc = t.password ? services.cipher.encrypt(t.password) : null;
  }
  await applyUpdate((patch) => trx.trunks.update(row.id, patch), changes, nowIso, counted);
  return row.id;
}

/** Writes `changes` (and updated_at) through `update` when there are any, and counts the row either way. */
async function applyUpdate(
  update: (patch: Record<string, unknown>) => Promise<unknown>,
  changes: Record<string, unknown>,
  nowIso: string,
  counted: (c: 'updated' | 'unchanged') => void,
): Promise<void> {
  if (Object.keys(changes).length === 0) {
    counted('unchanged');
    return;
  }
  await update({ ...changes, updated_at: nowIso });
  counted('updated');
}

/** One line per demo login, for the console. */
export function formatDemoLogins(): string[] {
  return Object.values(DEMO_USERS).map(
    (u) => `  ${u.role.padEnd(5)}  ${u.email.padEnd(22)}  password: ${u.password}`,
  );
}
