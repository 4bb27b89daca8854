/**
 * Peak concurrency roll-up (call_rollup_peaks, 0015), beside the additive roll-ups of
 * analytics-rollups.ts: a maximum cannot be added to or taken back, so it is recomputed per connection
 * and day from the calls (by the roll-up fold, the backfill, and a read of days still waiting to be folded).
 */
import { sql } from 'kysely';
import type { Executor } from './analytics-rollups.js';

/*
 * Peak concurrency (call_rollup_peaks): per connection, the most of its finished calls up at one instant
 * within each UTC 15-minute slot (span q) and each UTC day (span d). A call is up from its start (INVITE)
 * to its end; an end frees its channel before a start at the same instant takes one. A maximum cannot be
 * subtracted, so a write recomputes the whole UTC days its call touches, for its connection, from the
 * calls of those days (index calls_trunk_ended_idx): a handful of rows for a live call.
 */
const SLOT_MS = 900_000;
const DAY_MS = 86_400_000;

/** The UTC days [fromMs, toMs) of one connection whose peaks a write changed. */
export interface PeakWindow {
  trunkId: string;
  fromMs: number;
  toMs: number;
}

/** The window of days to recompute for a call of `trunkId` up from `startedAt` to `endedAt`. */
export function peakWindow(
  trunkId: string | null,
  startedAt: string,
  endedAt: string | null,
): PeakWindow | null {
  if (!trunkId || !endedAt) return null;
  const fromMs = Math.floor(Date.parse(startedAt) / DAY_MS) * DAY_MS;
  const toMs = Math.max(fromMs + DAY_MS, Math.ceil(Date.parse(endedAt) / DAY_MS) * DAY_MS);
  return { trunkId, fromMs, toMs };
}

/** One window per connection, covering every window given for it. */
function mergeWindows(windows: (PeakWindow | null)[]): PeakWindow[] {
  const by = new Map<string, PeakWindow>();
  for (const w of windows) {
    if (!w) continue;
    const had = by.get(w.trunkId);
    by.set(
      w.trunkId,
      had
        ? { trunkId: w.trunkId, fromMs: Math.min(had.fromMs, w.fromMs), toMs: Math.max(had.toMs, w.toMs) }
        : w,
    );
  }
  // One order for every transaction: they lock connections' peaks in the same sequence.
  return [...by.values()].sort((a, b) => (a.trunkId < b.trunkId ? -1 : a.trunkId > b.trunkId ? 1 : 0));
}

/** Peaks per slot and per day of [fromMs, toMs) (whole days) from the calls up in it, as [start, end) ms. */
export function slotPeaks(
  calls: { start: number; end: number }[],
  fromMs: number,
  toMs: number,
): { span: 'q' | 'd'; bucket: string; peak: number }[] {
  const events = calls
    .flatMap((c) => [
      { t: c.start, d: 1 },
      { t: c.end, d: -1 },
    ])
    .sort((a, b) => a.t - b.t || a.d - b.d);
  const out: { span: 'q' | 'd'; bucket: string; peak: number }[] = [];
  let i = 0;
  let running = 0;
  let dayPeak = 0;
  for (let q = fromMs; q < toMs; q += SLOT_MS) {
    // Up at the slot's first instant: started before it, not ended by it.
    while (i < events.length && (events[i]!.t < q || (events[i]!.t === q && events[i]!.d === -1))) {
      running += events[i]!.d;
      i++;
    }
    let peak = running;
    while (i < events.length && events[i]!.t < q + SLOT_MS) {
      running += events[i]!.d;
      if (events[i]!.d === 1) peak = Math.max(peak, running);
      i++;
    }
    if (peak > 0) out.push({ span: 'q', bucket: new Date(q).toISOString().slice(0, 16), peak });
    dayPeak = Math.max(dayPeak, peak);
    if ((q + SLOT_MS) % DAY_MS === 0) {
      if (dayPeak > 0)
        out.push({
          span: 'd',
          bucket: new Date(q + SLOT_MS - DAY_MS).toISOString().slice(0, 10),
          peak: dayPeak,
        });
      dayPeak = 0;
    }
  }
  return out;
}

/** The peaks of the window's connection per slot and day of the window, from its calls. */
export async function computePeaks(
  db: Executor,
  w: PeakWindow,
): Promise<{ span: 'q' | 'd'; bucket: string; peak: number }[]> {
  const r = await sql<{ s: string; e: string }>`select c.started_at as s, c.ended_at as e from calls c
    where c.trunk_id = ${w.trunkId} and c.ended_at > ${new Date(w.fromMs).toISOString()}
      and c.started_at < ${new Date(w.toMs).toISOString()} and c.outcome <> 'in_progress'`.execute(db);
  return slotPeaks(
    r.rows.map((x) => ({ start: Date.parse(x.s), end: Date.parse(x.e) })),
    w.fromMs,
    w.toMs,
  );
}

/** Recomputes the peaks of each connection over its window (in the fold's transaction; the backfill). */
export async function refreshPeaks(db: Executor, windows: (PeakWindow | null)[]): Promise<void> {
  for (const w of mergeWindows(windows)) {
    // Writes of the same connection take turns here (a row lock on its marker row, span 'l'): the calls
    // read below then include the other's committed call, and its rows are there to be replaced.
    await sql`insert into call_rollup_peaks (trunk_id, span, bucket, peak) values (${w.trunkId}, 'l', '', 0)
      on conflict (span, bucket, trunk_id) do update set peak = 0`.execute(db);
    const fromIso = new Date(w.fromMs).toISOString();
    const toIso = new Date(w.toMs).toISOString();
    const rows = await computePeaks(db, w);
    await sql`delete from call_rollup_peaks where trunk_id = ${w.trunkId} and (
        (span = 'q' and bucket >= ${fromIso.slice(0, 16)} and bucket < ${toIso.slice(0, 16)})
        or (span = 'd' and bucket >= ${fromIso.slice(0, 10)} and bucket < ${toIso.slice(0, 10)}))`.execute(
      db,
    );
    for (let k = 0; k < rows.length; k += 500) {
      const part = rows.slice(k, k + 500);
      await sql`insert into call_rollup_peaks (trunk_id, span, bucket, peak) values ${sql.join(
        part.map((x) => sql`(${w.trunkId}, ${x.span}, ${x.bucket}, ${x.peak})`),
      )}`.execute(db);
    }
  }
}

/** Every connection's peaks from all its calls (the backfill). */
export async function rebuildPeaks(db: Executor): Promise<void> {
  await sql`delete from call_rollup_peaks`.execute(db);
  const trunks = await sql<{ t: string; a: string; b: string }>`select c.trunk_id as t,
      min(c.started_at) as a, max(c.ended_at) as b
    from calls c where c.trunk_id is not null and c.ended_at is not null and c.outcome <> 'in_progress'
    group by c.trunk_id`.execute(db);
  for (const t of trunks.rows) await refreshPeaks(db, [peakWindow(t.t, t.a, t.b)]);
}
