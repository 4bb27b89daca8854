/**
 * The analytics (KPI table, trends, heatmap, destinations, quality, failure causes) for the Analytics
 * page, the API and `dialer report kpis`. Scope: an agent sees only their own calls; an admin their own
 * by default, a user's with `userId`, everyone's with `userId=all`. The figures follow src/shared/kpi.ts.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type {
  AnalyticsFilterOptionsDto,
  DestinationsDto,
  FailuresDto,
  HeatmapDto,
  KpiReportDto,
  KpiRowDto,
  QualityDto,
  TrendPointDto,
  TrendsDto,
} from '../../shared/analytics-api.js';
import { ForbiddenError, ValidationError } from '../../shared/errors.js';
import {
  addKpiSums,
  classifyEnding,
  EMPTY_KPI_SUMS,
  kpiFigures,
  MOS_BANDS,
  ratio,
  sipReason,
  type KpiSums,
} from '../../shared/kpi.js';
import {
  KPI_PAGE_SIZE,
  MAX_ANALYTICS_DAYS,
  type AnalyticsQuery,
  type KpiSortField,
  type KpiQuery,
  type TrendsQuery,
} from '../../shared/schemas/analytics.js';
import { addDays, localParts, startOfLocalDay, startOfWeek, todayIn } from '../../shared/time-zone.js';
import type { Clock } from '../clock.js';
import type {
  AnalyticsFilter,
  AnalyticsRepository,
  GroupKey,
  SumsRow,
} from '../repositories/analytics-repository.js';
import type { RepositoryOf } from '../repositories/index.js';
import type { Actor } from './call-service.js';

/** Days the default range covers (today and the 29 before it). */
export const DEFAULT_RANGE_DAYS = 30;

interface Resolved {
  filter: AnalyticsFilter;
  from: string;
  to: string;
  timeZone: string;
}

export class AnalyticsService {
  constructor(
    private readonly analytics: Omit<RepositoryOf<AnalyticsRepository>, 'foldPending'>, // reads only
    private readonly clock: Clock,
  ) {}

  private resolve(actor: Actor, q: AnalyticsQuery): Resolved {
    let userId: string | null = actor.id;
    if (q.userId !== undefined && q.userId !== actor.id) {
      if (actor.role !== 'admin')
        throw new ForbiddenError("Only an administrator can see other users' calls");
      userId = q.userId === 'all' ? null : q.userId;
    }
    const timeZone = q.tz;
    const to = q.to ?? todayIn(timeZone, this.clock.now().getTime());
    const from = q.from ?? addDays(to, -(DEFAULT_RANGE_DAYS - 1));
    if (from > to) throw new ValidationError('"from" must not be after "to".');
    const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
    if (days > MAX_ANALYTICS_DAYS) {
      throw new ValidationError(`The range can cover at most ${MAX_ANALYTICS_DAYS} days.`);
    }
    return {
      from,
      to,
      timeZone,
      filter: {
        userId,
        fromIso: new Date(startOfLocalDay(from, timeZone)).toISOString(),
        toExclusiveIso: new Date(startOfLocalDay(addDays(to, 1), timeZone)).toISOString(),
        trunkId: q.connectionId,
        phoneNumberId: q.phoneNumberId,
        direction: q.direction,
      },
    };
  }

  /** The choices of the page's filters, in the actor's scope (an agent: their own; an admin: everyone's). */
  filterOptions(actor: Actor): Promise<AnalyticsFilterOptionsDto> {
    return this.analytics.filterOptions(actor.role === 'admin' ? null : actor.id);
  }

  /**
   * One page of the KPI table: every row's sums are read to sort the whole table, and the percentiles
   * and peaks (the costly part: 5,000 numbers' histograms) only for the rows of the page.
   */
  async kpis(actor: Actor, q: KpiQuery): Promise<KpiReportDto> {
    const r = this.resolve(actor, q);
    const sort = q.sort ?? { field: 'calls' as const, direction: 'desc' as const };
    const page = q.page ?? 1;
    const pageSize = q.pageSize ?? KPI_PAGE_SIZE;
    const [all, totals] = await Promise.all([
      this.analytics.sums(r.filter, q.by),
      this.analytics.sums(r.filter, 'total').then((sums) => this.kpiRows(r.filter, 'total', sums)),
    ]);
    const sorted = sortKpiSums(all, sort);
    const rows = await this.kpiRows(r.filter, q.by, sorted.slice((page - 1) * pageSize, page * pageSize));
    return {
      from: r.from,
      to: r.to,
      timeZone: r.timeZone,
      by: q.by,
      rows,
      total: all.length,
      page,
      pageSize,
      sort,
      totals: totals[0] ?? emptyRow(),
    };
  }

  /** The KPI rows of the given sums, with the percentiles (and peaks) of their keys. */
  private async kpiRows(f: AnalyticsFilter, by: GroupKey, sums: SumsRow[]): Promise<KpiRowDto[]> {
    if (sums.length === 0) return [];
    const keys = by === 'total' ? undefined : sums.map((s) => s.key);
    const [pdd, jitter, loss] = await Promise.all([
      this.analytics.percentiles(f, by, 'pdd', [0.5, 0.9], keys),
      this.analytics.percentiles(f, by, 'jitter', [0.95], keys),
      this.analytics.percentiles(f, by, 'loss', [0.95], keys),
    ]);
    const trunkIds = sums.map((s) => s.key).filter((k): k is string => k !== null);
    const [peaks, limits] =
      by === 'connection'
        ? await Promise.all([
            this.analytics.peakConcurrent(f, trunkIds),
            this.analytics.channelLimits(trunkIds),
          ])
        : [null, null];
    const byKey = (list: { key: string | null; values: (number | null)[] }[]) =>
      new Map(list.map((p) => [p.key, p.values]));
    const pddBy = byKey(pdd);
    const jitterBy = byKey(jitter);
    const lossBy = byKey(loss);
    return sums.map((s) => ({
      key: s.key,
      name: s.name,
      ...kpiFigures(s),
      pddMsMedian: pddBy.get(s.key)?.[0] ?? null,
      pddMsP90: pddBy.get(s.key)?.[1] ?? null,
      jitterMsP95: jitterBy.get(s.key)?.[0] ?? null,
      packetLossPctP95: lossBy.get(s.key)?.[0] ?? null,
      peakConcurrent: peaks ? (peaks.get(s.key) ?? 0) : null,
      channelLimit: limits && s.key !== null ? (limits.get(s.key) ?? null) : null,
    }));
  }

  async trends(actor: Actor, q: TrendsQuery): Promise<TrendsDto> {
    const r = this.resolve(actor, q);
    const buckets = new Map<string, KpiSums>();
    for (let d = r.from; d <= r.to; d = addDays(d, 1)) {
      const b = q.bucket === 'week' ? startOfWeek(d) : d;
      if (!buckets.has(b)) buckets.set(b, EMPTY_KPI_SUMS);
    }
    for (const slot of await this.analytics.slots(r.filter)) {
      const date = localParts(slot.slotMs, r.timeZone).date;
      const b = q.bucket === 'week' ? startOfWeek(date) : date;
      buckets.set(b, addKpiSums(buckets.get(b) ?? EMPTY_KPI_SUMS, slot));
    }
    const points: TrendPointDto[] = [...buckets].map(([bucket, s]) => ({ bucket, ...kpiFigures(s) }));
    return { from: r.from, to: r.to, timeZone: r.timeZone, bucket: q.bucket, points };
  }

  async heatmap(actor: Actor, q: AnalyticsQuery): Promise<HeatmapDto> {
    const r = this.resolve(actor, q);
    const cells = Array.from({ length: 7 * 24 }, (_, i) => ({
      weekday: Math.floor(i / 24),
      hour: i % 24,
      calls: 0,
      answered: 0,
    }));
    for (const slot of await this.analytics.slots(r.filter)) {
      const p = localParts(slot.slotMs, r.timeZone);
      const cell = cells[p.weekday * 24 + p.hour]!;
      cell.calls += slot.attempts;
      cell.answered += slot.answered;
    }
    return { from: r.from, to: r.to, timeZone: r.timeZone, cells };
  }

  async destinations(actor: Actor, q: AnalyticsQuery): Promise<DestinationsDto> {
    const r = this.resolve(actor, q);
    const byCountry = new Map<string | null, { calls: number; answered: number; talkSeconds: number }>();
    for (const p of await this.analytics.destinationPrefixes(r.filter)) {
      const country = parsePhoneNumberFromString(p.sample)?.country ?? null;
      const acc = byCountry.get(country) ?? { calls: 0, answered: 0, talkSeconds: 0 };
      acc.calls += p.calls;
      acc.answered += p.answered;
      acc.talkSeconds += p.talkSeconds;
      byCountry.set(country, acc);
    }
    const rows = [...byCountry]
      .map(([country, a]) => ({
        country,
        calls: a.calls,
        answered: a.answered,
        asr: ratio(a.answered, a.calls),
        minutesUsed: a.talkSeconds / 60,
      }))
      .sort((a, b) => b.calls - a.calls || countryOrder(a.country, b.country));
    return { from: r.from, to: r.to, timeZone: r.timeZone, rows };
  }

  async quality(actor: Actor, q: AnalyticsQuery): Promise<QualityDto> {
    const r = this.resolve(actor, q);
    const floors = MOS_BANDS.slice(0, -1).map((b) => b.min);
    const [bands, jitter, loss] = await Promise.all([
      this.analytics.mosBands(r.filter, floors),
      this.analytics.percentiles(r.filter, 'total', 'jitter', [0.95]),
      this.analytics.percentiles(r.filter, 'total', 'loss', [0.95]),
    ]);
    return {
      from: r.from,
      to: r.to,
      timeZone: r.timeZone,
      measuredCalls: bands.mosCalls,
      mosAvg: ratio(bands.mosSum, bands.mosCalls),
      bands: MOS_BANDS.map((b, i) => ({ band: b.band, label: b.label, calls: bands.counts[i] ?? 0 })),
      jitterMsP95: jitter[0]?.values[0] ?? null,
      packetLossPctP95: loss[0]?.values[0] ?? null,
    };
  }

  async failures(actor: Actor, q: AnalyticsQuery): Promise<FailuresDto> {
    const r = this.resolve(actor, q);
    const merged = new Map<string, FailuresDto['rows'][number]>();
    for (const f of await this.analytics.failures(r.filter)) {
      const ending = classifyEnding({
        outcome: f.outcome,
        sipCode: f.sipCode,
        answered: false,
        rang: f.rang,
      });
      const id = `${f.sipCode}|${f.outcome}|${ending}`;
      const row = merged.get(id) ?? {
        sipCode: f.sipCode,
        reason: sipReason(f.sipCode),
        outcome: f.outcome,
        ending,
        calls: 0,
      };
      row.calls += f.calls;
      merged.set(id, row);
    }
    const rows = [...merged.values()].sort(
      (a, b) =>
        b.calls - a.calls || (a.sipCode ?? 0) - (b.sipCode ?? 0) || a.outcome.localeCompare(b.outcome),
    );
    return { from: r.from, to: r.to, timeZone: r.timeZone, rows };
  }
}

/**
 * By country code, the unknown country last. (Not `?? '~'` with localeCompare: the locale collation
 * puts punctuation before letters, so the unknown group came first.)
 */
function countryOrder(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a.localeCompare(b);
}

/**
 * The KPI rows in `sort` order, by the figures the table shows (kpiFigures); rows without the figure
 * (no answered call: no ACD) last in either direction; ties by key, so pages never overlap.
 */
function sortKpiSums(rows: SumsRow[], sort: { field: KpiSortField; direction: 'asc' | 'desc' }): SumsRow[] {
  const sign = sort.direction === 'asc' ? 1 : -1;
  const valueOf = (s: SumsRow): string | number | null =>
    sort.field === 'name' ? s.name : kpiFigures(s)[sort.field];
  const keyed = rows.map((s) => ({ s, v: valueOf(s) }));
  keyed.sort((a, b) => {
    if (a.v !== b.v) {
      if (a.v === null) return 1;
      if (b.v === null) return -1;
      return sign * (typeof a.v === 'string' ? a.v.localeCompare(String(b.v)) : a.v - Number(b.v));
    }
    return (a.s.key ?? '') < (b.s.key ?? '') ? -1 : (a.s.key ?? '') > (b.s.key ?? '') ? 1 : 0;
  });
  return keyed.map((x) => x.s);
}

function emptyRow(): KpiRowDto {
  return {
    key: null,
    name: null,
    ...kpiFigures(EMPTY_KPI_SUMS),
    pddMsMedian: null,
    pddMsP90: null,
    jitterMsP95: null,
    packetLossPctP95: null,
    peakConcurrent: null,
    channelLimit: null,
  };
}
