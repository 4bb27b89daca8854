/**
 * The analytics aggregates read from the roll-ups (analytics-rollups.ts, 0015) instead of the calls:
 * the same methods and answers as RawAnalyticsRepository (the reference, compared in
 * test/server/analytics-rollups.test.ts), in time that grows with the number of connections, numbers and
 * days in the range rather than with the number of calls. Differences, by design:
 * - a range starts and ends on a UTC 15-minute slot (every zone's midnight today; see analytics-rollups.ts);
 *   its whole UTC weeks are read from week rows, its other whole days from day rows;
 * - PDD, jitter and loss percentiles are the value at the nearest rank truncated to two significant
 *   digits (`valueBucket`, src/shared/kpi.ts).
 * - peak concurrency is the connection's peak per slot (call_rollup_peaks), so a range is slot-aligned.
 * Filter choices and channel limits are read by the reference class.
 * Every read adds the contributions not yet folded (analytics-rollup-pending.ts), so it counts the calls
 * written a moment ago as the raw queries would.
 */
import { sql, type RawBuilder } from 'kysely';
import { MOS_BANDS } from '../../shared/kpi.js';
import {
  RawAnalyticsRepository,
  type AnalyticsFilter,
  type GroupKey,
  type PercentileRow,
  type SlotRow,
  type SumsRow,
} from './analytics-raw-repository.js';
import { foldAllPending, pendingPeakWindows, withPending } from './analytics-rollup-pending.js';
import { computePeaks, type PeakWindow } from './analytics-rollup-peaks.js';
import { MOS_BAND_COLUMNS, type RollupLevel } from './analytics-rollups.js';
import { mondayOnOrAfter, mondayOnOrBefore, weekBucket } from './analytics-rollup-weeks.js';

export type { AnalyticsFilter, GroupKey, PercentileRow, SlotRow, SumsRow };

const SLOT_MS = 900_000;
const DAY_MS = 86_400_000;

interface BucketRange {
  span: 'q' | 'd' | 'w';
  from: string;
  /** Exclusive. */
  to: string;
}

const slotText = (ms: number) => new Date(ms).toISOString().slice(0, 16);
const dayText = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The range as whole UTC weeks (span w), the whole UTC days (span d) around them and the slots (span q)
 * at its ends: the fewest roll-up rows. `spans` 'q' gives slots only (trends, heatmap), 'qd' no weeks
 * (the peaks, kept per slot and day).
 */
export function bucketRanges(fromIso: string, toExclusiveIso: string, spans = 'qdw'): BucketRange[] {
  const from = Math.floor(Date.parse(fromIso) / SLOT_MS) * SLOT_MS;
  const to = Math.ceil(Date.parse(toExclusiveIso) / SLOT_MS) * SLOT_MS;
  if (to <= from) return [];
  const firstDay = Math.ceil(from / DAY_MS) * DAY_MS;
  const lastDay = Math.floor(to / DAY_MS) * DAY_MS;
  if (spans === 'q' || firstDay >= lastDay) return [{ span: 'q', from: slotText(from), to: slotText(to) }];
  const ranges: BucketRange[] = [];
  if (from < firstDay) ranges.push({ span: 'q', from: slotText(from), to: slotText(firstDay) });
  const firstWeek = mondayOnOrAfter(firstDay);
  const lastWeek = mondayOnOrBefore(lastDay);
  if (spans.includes('w') && firstWeek < lastWeek) {
    if (firstDay < firstWeek) ranges.push({ span: 'd', from: dayText(firstDay), to: dayText(firstWeek) });
    ranges.push({ span: 'w', from: weekBucket(firstWeek), to: weekBucket(lastWeek) });
    if (lastWeek < lastDay) ranges.push({ span: 'd', from: dayText(lastWeek), to: dayText(lastDay) });
  } else {
    ranges.push({ span: 'd', from: dayText(firstDay), to: dayText(lastDay) });
  }
  if (lastDay < to) ranges.push({ span: 'q', from: slotText(lastDay), to: slotText(to) });
  return ranges;
}

const KEY: Record<Exclude<GroupKey, 'total'>, RawBuilder<unknown>> = {
  connection: sql`r.trunk_id`,
  number: sql`r.phone_number_id`,
  agent: sql`r.user_id`,
};

const NAME_JOIN: Record<Exclude<GroupKey, 'total'>, RawBuilder<unknown>> = {
  connection: sql`left join sip_trunks x on x.id = s.k`,
  number: sql`left join phone_numbers x on x.id = s.k`,
  agent: sql`left join users x on x.id = s.k`,
};

const NAME: Record<Exclude<GroupKey, 'total'>, RawBuilder<unknown>> = {
  connection: sql`x.name`,
  number: sql`x.number`,
  agent: sql`x.name`,
};

const SUMS = sql`sum(r.attempts) as attempts, sum(r.answered) as answered,
  sum(r.network_completed) as network_completed, sum(r.talk_calls) as talk_calls,
  sum(r.talk_seconds) as talk_seconds, sum(r.mos_calls) as mos_calls, sum(r.mos_sum) as mos_sum`;

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
/** Roll-up keys are '' where the call had none. */
const keyOf = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function toSums(r: Record<string, unknown>) {
  return {
    attempts: num(r.attempts),
    answered: num(r.answered),
    networkCompleted: num(r.network_completed),
    talkCalls: num(r.talk_calls),
    talkSeconds: num(r.talk_seconds),
    mosCalls: num(r.mos_calls),
    mosSum: num(r.mos_sum),
  };
}

/** The cuboid that holds what a question needs with the fewest rows (see analytics-rollups.ts). */
export function levelFor(f: AnalyticsFilter, by: GroupKey): RollupLevel {
  const agent = f.userId !== null || by === 'agent';
  if (f.phoneNumberId || by === 'number') return agent ? 'n' : 'm';
  if (f.trunkId || by === 'connection') return agent ? 't' : 'c';
  return agent ? 'u' : 'a';
}

export class AnalyticsRepository extends RawAnalyticsRepository {
  /** Adds the contributions waiting in call_rollup_pending to the roll-ups; returns how many. */
  foldPending(): Promise<number> {
    return foldAllPending(this.db);
  }

  /** The rows of `lvl` in the range that match the filter (roll-up alias `r`). */
  private rollupWhere(f: AnalyticsFilter, by: GroupKey, slotsOnly = false): RawBuilder<unknown> {
    const ranges = bucketRanges(f.fromIso, f.toExclusiveIso, slotsOnly ? 'q' : 'qdw');
    if (ranges.length === 0) return sql`1 = 0`;
    const parts = [
      sql`r.lvl = ${levelFor(f, by)}`,
      sql`(${sql.join(
        ranges.map((x) => sql`(r.span = ${x.span} and r.bucket >= ${x.from} and r.bucket < ${x.to})`),
        sql` or `,
      )})`,
    ];
    if (f.userId !== null) parts.push(sql`r.user_id = ${f.userId}`);
    if (f.trunkId) parts.push(sql`r.trunk_id = ${f.trunkId}`);
    if (f.phoneNumberId) parts.push(sql`r.phone_number_id = ${f.phoneNumberId}`);
    if (f.direction) parts.push(sql`r.direction = ${f.direction}`);
    return sql.join(parts, sql` and `);
  }

  override async sums(f: AnalyticsFilter, by: GroupKey): Promise<SumsRow[]> {
    const where = this.rollupWhere(f, by);
    if (by === 'total') {
      const r = await sql<
        Record<string, unknown>
      >`select ${SUMS} from ${withPending('call_rollups')} r where ${where}`.execute(this.db);
      return r.rows.map((row) => ({ key: null, name: null, ...toSums(row) }));
    }
    const r = await sql<Record<string, unknown>>`select s.*, ${NAME[by]} as name from (
        select ${KEY[by]} as k, ${SUMS} from ${withPending('call_rollups')} r where ${where}
        group by ${KEY[by]} having sum(r.attempts) > 0
      ) s ${NAME_JOIN[by]}
      order by s.attempts desc, s.k`.execute(this.db);
    return r.rows.map((row) => ({
      key: keyOf(row.k),
      name: (row.name as string | null) ?? null,
      ...toSums(row),
    }));
  }

  override async percentiles(
    f: AnalyticsFilter,
    by: GroupKey,
    value: 'pdd' | 'jitter' | 'loss',
    ps: readonly number[],
    keys?: readonly (string | null)[],
  ): Promise<PercentileRow[]> {
    if (keys?.length === 0) return [];
    // PostgreSQL refuses a constant in GROUP BY: the total groups by value alone.
    const key = by === 'total' ? null : KEY[by];
    // Roll-up keys are '' where the call had none.
    const only = key && keys ? sql` and ${key} in (${sql.join(keys.map((k) => k ?? ''))})` : sql``;
    const r = await sql<{ k: unknown; v: unknown; n: unknown }>`select ${key ?? sql`null`} as k,
        r.value as v, sum(r.calls) as n
      from ${withPending('call_rollup_values')} r
      where ${this.rollupWhere(f, by)} and r.metric = ${value}${only}
      group by ${key ? sql`${key}, ` : sql``}r.value having sum(r.calls) > 0
      order by ${key ? sql`${key}, ` : sql``}r.value`.execute(this.db);
    const groups = new Map<string | null, { v: number; n: number }[]>();
    for (const row of r.rows) {
      const k = by === 'total' ? null : keyOf(row.k);
      const list = groups.get(k) ?? [];
      list.push({ v: Number(row.v), n: num(row.n) });
      groups.set(k, list);
    }
    return [...groups].map(([k, counts]) => {
      const total = counts.reduce((a, c) => a + c.n, 0);
      const values = ps.map((p) => {
        // Nearest rank ⌈p·n⌉ with the raw query's integer arithmetic (p in thousandths).
        const rank = Math.min(total, Math.max(1, Math.ceil((Math.round(p * 1000) * total) / 1000)));
        let seen = 0;
        for (const c of counts) {
          seen += c.n;
          if (seen >= rank) return c.v;
        }
        return null;
      });
      return { key: k, values };
    });
  }

  override async slots(f: AnalyticsFilter): Promise<SlotRow[]> {
    const r = await sql<Record<string, unknown>>`select r.bucket as b, ${SUMS}
      from ${withPending('call_rollups')} r where ${this.rollupWhere(f, 'total', true)}
      group by r.bucket having sum(r.attempts) > 0 order by 1`.execute(this.db);
    return r.rows.map((row) => ({
      slotMs: Date.parse(`${String(row.b)}:00.000Z`),
      ...toSums(row),
    }));
  }

  override async destinationPrefixes(
    f: AnalyticsFilter,
  ): Promise<{ sample: string; calls: number; answered: number; talkSeconds: number }[]> {
    const r = await sql<Record<string, unknown>>`select r.prefix as p, max(r.sample) as sample,
        sum(r.calls) as calls, sum(r.answered) as answered, sum(r.talk_seconds) as talk_seconds
      from ${withPending('call_rollup_destinations')} r where ${this.rollupWhere(f, 'total')}
      group by r.prefix having sum(r.calls) > 0`.execute(this.db);
    return r.rows.map((row) => ({
      sample: String(row.sample),
      calls: num(row.calls),
      answered: num(row.answered),
      talkSeconds: num(row.talk_seconds),
    }));
  }

  override async mosBands(
    f: AnalyticsFilter,
    floors: readonly number[],
  ): Promise<{ counts: number[]; mosCalls: number; mosSum: number }> {
    if (floors.length !== MOS_BANDS.length - 1 || floors.some((x, i) => x !== MOS_BANDS[i]!.min)) {
      return super.mosBands(f, floors); // the roll-ups count MOS_BANDS only
    }
    const r = await sql<Record<string, unknown>>`select ${sql.join(
      MOS_BAND_COLUMNS.map((c) => sql`sum(${sql.ref(`r.${c}`)}) as ${sql.id(c)}`),
    )}, sum(r.mos_calls) as mos_calls, sum(r.mos_sum) as mos_sum
      from ${withPending('call_rollups')} r where ${this.rollupWhere(f, 'total')}`.execute(this.db);
    const row = r.rows[0] ?? {};
    return {
      counts: MOS_BAND_COLUMNS.map((c) => num(row[c])),
      mosCalls: num(row.mos_calls),
      mosSum: num(row.mos_sum),
    };
  }

  override async failures(
    f: AnalyticsFilter,
  ): Promise<{ sipCode: number | null; outcome: string; rang: boolean; calls: number }[]> {
    const r = await sql<Record<string, unknown>>`select r.sip_code as sip_code, r.outcome as outcome,
        r.rang as rang, sum(r.calls) as calls
      from ${withPending('call_rollup_failures')} r where ${this.rollupWhere(f, 'total')}
      group by r.sip_code, r.outcome, r.rang having sum(r.calls) > 0`.execute(this.db);
    return r.rows.map((row) => ({
      sipCode: num(row.sip_code) === 0 ? null : num(row.sip_code),
      outcome: String(row.outcome),
      rang: num(row.rang) === 1,
      calls: num(row.calls),
    }));
  }

  override async peakConcurrent(f: AnalyticsFilter, trunkIds: string[]): Promise<Map<string | null, number>> {
    const ranges = bucketRanges(f.fromIso, f.toExclusiveIso, 'qd');
    if (trunkIds.length === 0 || ranges.length === 0) return new Map();
    const inRanges = (span: string, bucket: string) =>
      ranges.some((x) => x.span === span && bucket >= x.from && bucket < x.to);
    const rangeWhere = sql.join(
      ranges.map((x) => sql`(p.span = ${x.span} and p.bucket >= ${x.from} and p.bucket < ${x.to})`),
      sql` or `,
    );
    // A connection with contributions still waiting: the stored peaks of the days they touch are out of
    // date, so those days are recomputed from its calls, as the fold will.
    const stale = await pendingPeakWindows(this.db, trunkIds);
    const fresh = trunkIds.filter((id) => !stale.has(id));
    const out = new Map<string | null, number>();
    if (fresh.length > 0) {
      const r = await sql<{ k: string; peak: unknown }>`select p.trunk_id as k, max(p.peak) as peak
        from call_rollup_peaks p
        where p.trunk_id in (${sql.join(fresh)}) and (${rangeWhere})
        group by p.trunk_id`.execute(this.db);
      for (const row of r.rows) out.set(row.k, num(row.peak));
    }
    for (const w of stale.values()) {
      const within = (span: string, bucket: string) => inWindow(w, span, bucket);
      const stored = await sql<{ span: string; bucket: string; peak: unknown }>`select p.span, p.bucket,
          p.peak from call_rollup_peaks p
        where p.trunk_id = ${w.trunkId} and (${rangeWhere})`.execute(this.db);
      const peaks = [
        ...stored.rows.filter((x) => !within(x.span, x.bucket)).map((x) => num(x.peak)),
        ...(await computePeaks(this.db, w)).filter((x) => inRanges(x.span, x.bucket)).map((x) => x.peak),
      ];
      if (peaks.length > 0) out.set(w.trunkId, Math.max(...peaks));
    }
    return out;
  }
}

/** Whether a peak bucket ('YYYY-MM-DDTHH:MM' or 'YYYY-MM-DD', UTC) lies in the window's days. */
function inWindow(w: PeakWindow, span: string, bucket: string): boolean {
  const ms = Date.parse(span === 'q' ? `${bucket}:00.000Z` : `${bucket}T00:00:00.000Z`);
  return ms >= w.fromMs && ms < w.toMs;
}
