/**
 * The benchmark's database: 1,000 users and 100,000 numbers, one user (the one we measure) with 50 active
 * trunks x 20 active numbers; every other user with an active trunk of 40 numbers and a pending one, the
 * rest of the numbers unassigned, some inactive assignments on the measured user's trunks so the filters
 * have something to skip. Written with multi-row inserts in one transaction per table.
 */
import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Db, DatabaseKind } from '../../src/server/db/database.js';
import type { Database } from '../../src/server/db/schema.js';

export const BENCH_USER = { email: 'bench@dialer.local', password: 'bench-password-1' };

export const SHAPE = {
  users: 1_000,
  numbers: 100_000,
  benchTrunks: 50,
  numbersPerBenchTrunk: 20,
  numbersPerOtherUser: 40,
} as const;

export interface Dataset {
  benchUserId: string;
  rows: { users: number; trunks: number; numbers: number; assignments: number };
}

type Table = keyof Database;

/** Multi-row inserts, as many rows per statement as the bound-parameter limits allow (SQLite: 32,766). */
async function bulkInsert<T extends Table>(db: Db, table: T, rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!).length;
  const perStatement = Math.max(1, Math.floor(30_000 / columns));
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += perStatement) {
      await trx
        .insertInto(table)
        .values(rows.slice(i, i + perStatement) as never)
        .execute();
    }
  });
}

const SETTINGS = JSON.stringify({
  codecs: ['opus', 'PCMU', 'PCMA'],
  dtmfMode: 'rfc2833',
  rtpTimeoutSeconds: 30,
});
const HEALTH = ['up', 'degraded', 'down', 'unknown'] as const;

export async function buildDataset(db: Db, kind: DatabaseKind, passwordHash: string): Promise<Dataset> {
  const now = new Date().toISOString();
  const uuid = (): string => crypto.randomUUID();

  const users = Array.from({ length: SHAPE.users }, (_, i) => ({
    id: uuid(),
    email: i === 0 ? BENCH_USER.email : `user${String(i).padStart(4, '0')}@bench.local`,
    name: i === 0 ? 'Bench User' : `User ${i}`,
    // Only the measured user logs in; the others get a placeholder hash (argon2 x 1,000 would take minutes).
    password_hash: i === 0 ? passwordHash : 'x',
    role: i % 50 === 1 ? 'admin' : 'agent',
    status: 'active',
    default_country: 'US',
    created_at: now,
    updated_at: now,
    last_login_at: null,
  }));
  const benchUserId = users[0]!.id;

  const numbers = Array.from({ length: SHAPE.numbers }, (_, i) => ({
    id: uuid(),
    owner_id: null as string | null,
    number: `+1${2_000_000_000 + i}`,
    country: 'US',
    area_code: String(200 + (i % 700)),
    city: `City ${i % 300}`,
    region: ['IL', 'NY', 'CA', 'TX', 'MA'][i % 5]!,
    carrier: 'Telnyx',
    number_type: i % 20 === 0 ? 'toll_free' : 'local',
    status: 'active',
    capabilities: i % 3 === 0 ? '["voice"]' : '["voice","sms"]',
    telnyx_number_id: null,
    monthly_rate: 1,
    purchased_at: now,
    metadata: '{}',
    missing_at_telnyx_at: null,
    created_at: now,
    updated_at: now,
  }));

  const trunk = (ownerId: string, name: string, status: string, i: number) => ({
    id: uuid(),
    owner_id: ownerId,
    name,
    provider: i % 2 === 0 ? 'sip' : 'telnyx',
    connection_type: 'credential',
    status,
    telnyx_connection_id: null,
    telnyx_credential_id: null,
    sip_uri: `sip:user${i}@sip.example.com`,
    ws_server: i % 2 === 0 ? 'wss://sip.example.com:7443' : null,
    sip_username: `user${i}`,
    // A real envelope is not needed: the list only reports whether one exists.
    sip_password_enc: 'v1:bench:bench:bench',
    display_name: name,
    settings: SETTINGS,
    region: 'us-east',
    location: 'Ashburn, VA',
    channel_limit: 10,
    notes: `Benchmark trunk ${i}`,
    health_status: HEALTH[i % 4]!,
    health_checked_at: now,
    health_latency_ms: 20 + (i % 50),
    health_message: 'OPTIONS 200 OK',
    missing_at_telnyx_at: null,
    activated_at: status === 'active' ? now : null,
    created_at: now,
    updated_at: now,
  });

  const trunks: ReturnType<typeof trunk>[] = [];
  const assignments: Record<string, unknown>[] = [];
  let nextNumber = 0;
  const assign = (trunkId: string, ownerId: string, type: string, active: boolean): void => {
    const n = numbers[nextNumber++]!;
    n.owner_id = ownerId;
    assignments.push({
      id: uuid(),
      trunk_id: trunkId,
      phone_number_id: n.id,
      assignment_type: type,
      is_active: active ? 1 : 0,
      assigned_at: now,
      last_used_at: nextNumber % 7 === 0 ? now : null,
      settings: '{}',
      created_at: now,
      updated_at: now,
    });
  };

  for (let t = 0; t < SHAPE.benchTrunks; t++) {
    const tr = trunk(benchUserId, `Bench trunk ${String(t + 1).padStart(2, '0')}`, 'active', t);
    trunks.push(tr);
    for (let k = 0; k < SHAPE.numbersPerBenchTrunk; k++) {
      assign(tr.id, benchUserId, k === 0 ? 'primary' : k < 5 ? 'secondary' : 'backup', true);
    }
    if (t % 10 === 0) assign(tr.id, benchUserId, 'backup', false);
  }
  // Hidden trunks of the measured user: the query must skip them.
  for (let t = 0; t < 5; t++)
    trunks.push(trunk(benchUserId, `Bench old trunk ${t}`, t % 2 ? 'inactive' : 'pending', t));

  for (let u = 1; u < users.length; u++) {
    const owner = users[u]!.id;
    const active = trunk(owner, `Main line ${u}`, 'active', u);
    trunks.push(active, trunk(owner, `Spare line ${u}`, 'pending', u + 1));
    for (let k = 0; k < SHAPE.numbersPerOtherUser; k++) {
      assign(active.id, owner, k === 0 ? 'primary' : k < 10 ? 'secondary' : 'backup', true);
    }
  }

  await bulkInsert(db, 'users', users);
  await bulkInsert(db, 'phone_numbers', numbers);
  await bulkInsert(db, 'sip_trunks', trunks);
  await bulkInsert(db, 'trunk_phone_numbers', assignments);
  // Fresh statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) would have after a while.
  await sql`analyze`.execute(db);
  if (kind === 'postgres') await sql`vacuum analyze`.execute(db).catch(() => undefined);

  return {
    benchUserId,
    rows: {
      users: users.length,
      trunks: trunks.length,
      numbers: numbers.length,
      assignments: assignments.length,
    },
  };
}
