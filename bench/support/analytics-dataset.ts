/**
 * The analytics benchmark's database (issue 12): 1,000,000 finished calls over the last 90 days, on 200
 * connections and 5,000 numbers (25 per connection), made by 50 agents (4 connections each), with the
 * spread of a real team: 4 calls in 5 outbound, about half answered, busy / no answer / declined /
 * cancelled / failed with their SIP codes, PDD, talk time, MOS, jitter and loss, destinations in several
 * countries, more calls in working hours. Deterministic: every figure is a function of the call's index.
 *
 * The calls are generated inside the database in one INSERT … SELECT per 100,000 rows (a recursive CTE on
 * SQLite, generate_series on PostgreSQL), not sent from Node, so building the set takes seconds to a
 * minute rather than an hour. Ids are uuid-shaped and derived from the index, so the same call has the
 * same id on both databases. The analytics roll-ups (0015) are then built by the app's bulk rebuild
 * (analytics-rollup-rebuild.ts: one GROUP BY per level, indexes built after; the batched backfill of the
 * migrations took 38 minutes here). SQLite loads without WAL or fsync (a failed build is thrown away).
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db, DatabaseKind } from '../../src/server/db/database.js';
import { rebuildRollupsInBulk } from '../../src/server/repositories/analytics-rollup-rebuild.js';

/** The issue's scale; BENCH_ANALYTICS_CALLS sets another (a quick look at a small set). */
export const FULL_SCALE_CALLS = 1_000_000;

export const ANALYTICS_SHAPE = {
  calls: Number(process.env.BENCH_ANALYTICS_CALLS ?? FULL_SCALE_CALLS),
  trunks: 200,
  numbersPerTrunk: 25,
  agents: 50,
  days: 90,
} as const;

export const ANALYTICS_ADMIN = { email: 'admin@analytics.bench', password: 'analytics-bench-1' };

/** A uuid-shaped id for entity `kind` (1 digit) and index `n`. */
export const benchId = (kind: number, n: number): string =>
  `${kind}0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const CHUNK = 100_000;

async function insertRows(
  db: Db,
  table: 'users' | 'sip_trunks' | 'phone_numbers' | 'trunk_phone_numbers',
  rows: Record<string, unknown>[],
): Promise<void> {
  const per = Math.max(1, Math.floor(30_000 / Object.keys(rows[0]!).length));
  for (let i = 0; i < rows.length; i += per) {
    await db
      .insertInto(table)
      .values(rows.slice(i, i + per) as never)
      .execute();
  }
}

/** Users, connections, numbers and assignments (small tables, inserted from Node). */
async function insertDirectory(db: Db, adminHash: string, now: string): Promise<void> {
  const S = ANALYTICS_SHAPE;
  const stamp = { created_at: now, updated_at: now };
  await insertRows(db, 'users', [
    {
      id: benchId(2, 999),
      email: ANALYTICS_ADMIN.email,
      name: 'Bench Admin',
      password_hash: adminHash,
      role: 'admin',
      status: 'active',
      default_country: 'US',
      last_login_at: null,
      ...stamp,
    },
    ...Array.from({ length: S.agents }, (_, u) => ({
      id: benchId(2, u),
      email: `agent${u}@analytics.bench`,
      name: `Agent ${String(u).padStart(2, '0')}`,
      password_hash: 'x',
      role: 'agent',
      status: 'active',
      default_country: 'US',
      last_login_at: null,
      ...stamp,
    })),
  ]);
  await insertRows(
    db,
    'sip_trunks',
    Array.from({ length: S.trunks }, (_, t) => ({
      id: benchId(3, t),
      owner_id: benchId(2, t % S.agents),
      name: `Trunk ${String(t).padStart(3, '0')}`,
      provider: t % 2 ? 'telnyx' : 'sip',
      connection_type: 'credential',
      status: 'active',
      sip_uri: `sip:trunk${t}@sip.example.com`,
      sip_username: `trunk${t}`,
      settings: '{}',
      region: 'us-east',
      channel_limit: 10 + (t % 5) * 10,
      notes: null,
      health_status: 'unknown',
      activated_at: now,
      ...stamp,
    })),
  );
  const numbers = S.trunks * S.numbersPerTrunk;
  await insertRows(
    db,
    'phone_numbers',
    Array.from({ length: numbers }, (_, n) => ({
      id: benchId(4, n),
      owner_id: benchId(2, Math.floor(n / S.numbersPerTrunk) % S.agents),
      number: `+1312${String(2_000_000 + n).padStart(7, '0')}`,
      country: 'US',
      number_type: 'local',
      status: 'active',
      capabilities: '["voice"]',
      metadata: '{}',
      ...stamp,
    })),
  );
  await insertRows(
    db,
    'trunk_phone_numbers',
    Array.from({ length: numbers }, (_, n) => ({
      id: benchId(5, n),
      trunk_id: benchId(3, Math.floor(n / S.numbersPerTrunk)),
      phone_number_id: benchId(4, n),
      assignment_type: n % S.numbersPerTrunk === 0 ? 'primary' : 'secondary',
      is_active: 1,
      assigned_at: now,
      settings: '{}',
      ...stamp,
    })),
  );
}

/**
 * The per-dialect pieces of the generator: `i` is the call's index; `ms(expr)` turns epoch milliseconds
 * into the ISO 8601 text the app stores; `pad12(expr)` zero-pads an integer to 12 digits.
 */
interface Dialect {
  source(from: number, to: number): RawBuilder<unknown>;
  ms(expr: RawBuilder<unknown>): RawBuilder<unknown>;
  pad12(expr: RawBuilder<unknown>): RawBuilder<unknown>;
  pad4(expr: RawBuilder<unknown>): RawBuilder<unknown>;
}

const DIALECTS: Record<DatabaseKind, Dialect> = {
  sqlite: {
    source: (from, to) =>
      sql`(with recursive s(i) as (select ${sql.lit(from)} union all select i + 1 from s where i < ${sql.lit(to - 1)}) select i from s) g`,
    ms: (e) => sql`strftime('%Y-%m-%dT%H:%M:%fZ', (${e}) / 1000.0, 'unixepoch')`,
    pad12: (e) => sql`printf('%012d', ${e})`,
    pad4: (e) => sql`printf('%04d', ${e})`,
  },
  postgres: {
    source: (from, to) => sql`generate_series(${sql.lit(from)}::bigint, ${sql.lit(to - 1)}::bigint) as g(i)`,
    ms: (e) =>
      sql`to_char(to_timestamp((${e}) / 1000.0) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
    pad12: (e) => sql`lpad((${e})::text, 12, '0')`,
    pad4: (e) => sql`lpad((${e})::text, 4, '0')`,
  },
};

/** One INSERT … SELECT of calls [from, to). `endMs` is the newest call's start (epoch ms). */
function callsChunk(kind: DatabaseKind, from: number, to: number, endMs: number): RawBuilder<unknown> {
  const d = DIALECTS[kind];
  const S = ANALYTICS_SHAPE;
  const i = sql`g.i`;
  const trunk = sql`((${i} * 7) % ${sql.lit(S.trunks)})`;
  // i mod 200 picks the trunk, so anything else drawn from i mod a divisor of 200 would be fixed per trunk
  // (one number, one direction, one outcome each): these draws mix in the trunk's own call count i / 200.
  const round = sql`(${i} / ${sql.lit(S.trunks)})`;
  const number = sql`(${trunk} * ${sql.lit(S.numbersPerTrunk)} + (${round} % ${sql.lit(S.numbersPerTrunk)}))`;
  // Spread over the days, then pulled towards 08:00-20:00 UTC: a third of the night's calls move by 12 h.
  const spanMs = S.days * 86_400_000;
  const base = sql`(${sql.lit(endMs - spanMs)} + (${i} * ${sql.lit(Math.floor(spanMs / S.calls))}))`;
  const hour = sql`((${base} / 3600000) % 24)`;
  const start = sql`(${base} + case when (${hour} < 7 or ${hour} >= 21) and ${i} % 3 <> 0 then 43200000 else 0 end - case when ${base} + 43200000 > ${sql.lit(endMs)} and (${hour} < 7 or ${hour} >= 21) and ${i} % 3 <> 0 then 86400000 else 0 end)`;
  const r = sql`((${i} * 31 + ${round} * 17) % 100)`; // outcome draw
  const outcome = sql`case when ${r} < 52 then 'answered' when ${r} < 62 then 'busy' when ${r} < 72 then 'no_answer'
    when ${r} < 77 then 'rejected' when ${r} < 84 then 'cancelled' else 'failed' end`;
  const sip = sql`case when ${r} < 52 then 200 when ${r} < 62 then 486 when ${r} < 72 then 480 when ${r} < 77 then 603
    when ${r} < 84 then 487 when ${r} < 90 then 503 when ${r} < 94 then 404 when ${r} < 97 then 500 else 408 end`;
  const pdd = sql`(400 + (${i} * 17) % 4200)`;
  const rang = sql`(${r} < 84 or ${r} % 2 = 0)`; // failures after an 18x half of the time
  const ring = sql`(2000 + (${i} * 13) % 18000)`;
  const talk = sql`(5 + (${i} * 29) % 900)`;
  const answered = sql`${r} < 52`;
  const endMsExpr = sql`(${start} + ${pdd} + ${ring} + case when ${answered} then ${talk} * 1000 else 0 end)`;
  const remote = sql`case (${i} % 10) when 0 then '+44207946' || ${d.pad4(sql`${i} % 10000`)}
    when 1 then '+49301234' || ${d.pad4(sql`${i} % 10000`)}
    when 2 then '+1416555' || ${d.pad4(sql`${i} % 10000`)}
    when 3 then '+52551234' || ${d.pad4(sql`${i} % 10000`)}
    else '+1212555' || ${d.pad4(sql`${i} % 10000`)} end`;
  return sql`insert into calls (id, user_id, trunk_id, phone_number_id, caller_number, remote_number, direction,
      outcome, sip_code, started_at, invite_at, progress_at, answered_at, ended_at, duration_seconds, mos,
      jitter_ms, packet_loss_pct, ended_by, last_seen_at, created_at, updated_at)
    select
      '10000000-0000-4000-8000-' || ${d.pad12(i)},
      '20000000-0000-4000-8000-' || ${d.pad12(sql`${trunk} % ${sql.lit(S.agents)}`)},
      '30000000-0000-4000-8000-' || ${d.pad12(trunk)},
      '40000000-0000-4000-8000-' || ${d.pad12(number)},
      '+1312' || (2000000 + ${number}),
      ${remote},
      case when (${i} + ${round} * 3) % 5 = 0 then 'inbound' else 'outbound' end,
      ${outcome},
      ${sip},
      ${d.ms(start)},
      ${d.ms(start)},
      case when ${rang} then ${d.ms(sql`${start} + ${pdd}`)} else null end,
      case when ${answered} then ${d.ms(sql`${start} + ${pdd} + ${ring}`)} else null end,
      ${d.ms(endMsExpr)},
      case when ${answered} then ${talk} else null end,
      case when ${answered} and ${i} % 8 <> 0 then 2.4 + ((${i} * 37) % 210) / 100.0 else null end,
      case when ${answered} and ${i} % 8 <> 0 then (${i} * 11) % 90 else null end,
      case when ${answered} and ${i} % 8 <> 0 then ((${i} * 7) % 60) / 10.0 else null end,
      case when ${i} % 2 = 0 then 'local' else 'remote' end,
      ${d.ms(endMsExpr)}, ${d.ms(start)}, ${d.ms(endMsExpr)}
    from ${d.source(from, to)}`;
}

/**
 * Fills an empty, migrated database. `onProgress` is told the calls written so far. The newest call
 * starts at `endMs` (now, rounded down to the minute, so the default 30-day page covers a third).
 */
export async function buildAnalyticsDataset(
  db: Db,
  kind: DatabaseKind,
  adminHash: string,
  endMs: number,
  onProgress?: (calls: number) => void,
): Promise<void> {
  const now = new Date(endMs).toISOString();
  if (kind === 'sqlite') {
    // A bulk load into a throw-away file: the rollback journal in memory (it holds only the pages that
    // existed before the load: a few), where WAL wrote every page twice; no fsync; 1 GiB of page cache.
    // (journal_mode = OFF is refused: better-sqlite3 opens databases in defensive mode.)
    await sql`pragma journal_mode = MEMORY`.execute(db);
    await sql`pragma synchronous = OFF`.execute(db);
    await sql`pragma cache_size = -1048576`.execute(db);
    await sql`pragma temp_store = MEMORY`.execute(db);
  }
  await db.transaction().execute(async (trx) => {
    await insertDirectory(trx, adminHash, now);
    for (let from = 0; from < ANALYTICS_SHAPE.calls; from += CHUNK) {
      const to = Math.min(ANALYTICS_SHAPE.calls, from + CHUNK);
      await callsChunk(kind, from, to, endMs).execute(trx);
      onProgress?.(to);
    }
    // The analytics roll-ups, with the statements the app keeps them with.
    await rebuildRollupsInBulk(trx);
  });
  if (kind === 'sqlite') {
    await sql`pragma journal_mode = WAL`.execute(db);
    await sql`pragma synchronous = NORMAL`.execute(db);
  }
  // PostgreSQL: VACUUM sets the visibility map, so the roll-ups' covering indexes answer alone (index-only
  // scans), as they do on a live database once autovacuum has run.
  await (kind === 'postgres' ? sql`vacuum analyze` : sql`analyze`).execute(db);
}
