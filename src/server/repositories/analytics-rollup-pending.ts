/**
 * Roll-up contributions that wait to be folded (call_rollup_pending, 0020). A call write appends a
 * snapshot of the call's counted columns in its own transaction (INSERT only: nothing shared is locked,
 * where adding to the roll-up rows made every write of a slot wait for the one before); the
 * rollup-fold job (jobs/rollup-fold-job.ts) adds them to the roll-ups and recomputes the peaks they
 * touch, then deletes them, in one transaction; the analytics reads add the rows still waiting
 * (`withPending`, `pendingPeakWindows`), so every answer counts each call exactly once, fold or not.
 */
import { sql, type RawBuilder } from 'kysely';
import { databaseKindOf, type Db } from '../db/database.js';
import { peakWindow, refreshPeaks, type PeakWindow } from './analytics-rollup-peaks.js';
import {
  applyContribution,
  contributionSelects,
  rollupColumns,
  type ContributionSource,
  type Executor,
  type SummedRollupTable,
} from './analytics-rollups.js';

/** The calls columns the roll-ups and peaks read, copied into each pending row. */
const COUNTED = [
  'user_id',
  'trunk_id',
  'phone_number_id',
  'remote_number',
  'direction',
  'outcome',
  'sip_code',
  'started_at',
  'answered_at',
  'ended_at',
  'duration_seconds',
  'mos',
  'jitter_ms',
  'packet_loss_pct',
  'invite_at',
  'progress_at',
];

/** Arbitrary, fixed: "dialer roll-up fold" (the Telnyx sync's is 4_711_001). */
export const ROLLUP_FOLD_LOCK_KEY = 4_711_002;

/**
 * Appends the contribution of the finished calls matching `where` (on `c`, the calls table) with
 * `sign`: 1 for the calls as they now are, -1 (before a change) for the state the change replaces.
 */
export async function recordContribution(
  db: Executor,
  sign: 1 | -1,
  where: RawBuilder<unknown>,
): Promise<void> {
  const cols = sql.raw(COUNTED.join(', '));
  const from = sql.raw(COUNTED.map((c) => `c.${c}`).join(', '));
  await sql`insert into call_rollup_pending (sign, call_id, ${cols})
    select ${sql.lit(sign)}, c.id, ${from} from calls c
    where c.outcome <> 'in_progress' and (${where})`.execute(db);
}

const pendingSource = (where: RawBuilder<unknown>): ContributionSource => ({
  from: sql`call_rollup_pending c`,
  weight: sql`c.sign`,
  where: sql`c.outcome <> 'in_progress' and (${where})`,
});

/**
 * A roll-up table as the reads see it: its rows, and the rows the contributions still waiting would add
 * (a handful: the job folds them every few seconds). Aliased by the caller, e.g. `from ${…} r`.
 */
export function withPending(table: SummedRollupTable): RawBuilder<unknown> {
  const select = contributionSelects(pendingSource(sql`1 = 1`)).find((x) => x.table === table)!.select;
  const cols = sql.raw(rollupColumns(table).join(', '));
  return sql`(select ${cols} from ${sql.id(table)} union all select * from (${select}) p)`;
}

/**
 * Per connection among `trunkIds`, the days whose peaks waiting contributions change: their stored
 * peaks are out of date, and a read recomputes them from the calls (analytics-repository.ts).
 */
export async function pendingPeakWindows(db: Db, trunkIds: string[]): Promise<Map<string, PeakWindow>> {
  if (trunkIds.length === 0) return new Map();
  const r = await sql<{ t: string; a: string; b: string }>`select trunk_id as t, min(started_at) as a,
      max(ended_at) as b
    from call_rollup_pending
    where trunk_id in (${sql.join(trunkIds)}) and ended_at is not null
    group by trunk_id`.execute(db);
  const out = new Map<string, PeakWindow>();
  for (const row of r.rows) {
    const w = peakWindow(row.t, row.a, row.b);
    if (w) out.set(row.t, w);
  }
  return out;
}

/**
 * Folds up to `batch` waiting contributions into the roll-ups, oldest first, in one transaction; returns
 * how many. Safe on several instances at once: a fold first takes a lock that one fold holds at a time
 * (PostgreSQL: a transaction advisory lock; SQLite: the database's one writer, taken by the first
 * statement, a write), and only then reads which rows to fold, so a second fold sees the first's rows
 * gone and never counts them twice. Rows committed meanwhile wait for the next fold: the fold names
 * its rows by id, so every statement of it works on the same ones.
 */
export async function foldPending(db: Db, batch = 1000): Promise<number> {
  const postgres = databaseKindOf(db) === 'postgres';
  return db.transaction().execute(async (trx) => {
    if (postgres) await sql`select pg_advisory_xact_lock(${ROLLUP_FOLD_LOCK_KEY})`.execute(trx);
    else await sql`delete from call_rollup_pending where id < 0`.execute(trx);
    const rows = await trx
      .selectFrom('call_rollup_pending')
      .select(['id', 'trunk_id', 'started_at', 'ended_at'])
      .orderBy('id')
      .limit(batch)
      .execute();
    if (rows.length === 0) return 0;
    const ids = sql.join(rows.map((r) => Number(r.id)));
    await applyContribution(trx, pendingSource(sql`c.id in (${ids})`));
    await refreshPeaks(
      trx,
      rows.map((r) => peakWindow(r.trunk_id, r.started_at, r.ended_at)),
    );
    await sql`delete from call_rollup_pending where id in (${ids})`.execute(trx);
    return rows.length;
  });
}

/** Folds every waiting contribution (batch after batch); returns how many. */
export async function foldAllPending(db: Db, batch = 1000): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await foldPending(db, batch);
    total += n;
    if (n < batch) return total;
  }
}
