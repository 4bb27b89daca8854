/**
 * The analytics (AnalyticsService) over a scripted analytics repository: who may see whose calls, the
 * date range in the viewer's time zone (default, order, longest), and how each view is built from the
 * repository's sums (KPI rows and totals, trends by day or week, the heatmap, destinations by country,
 * quality bands, failure causes).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { AnalyticsService, DEFAULT_RANGE_DAYS } from '../../../src/server/services/analytics-service.js';
import type { Actor } from '../../../src/server/services/call-service.js';
import type {
  AnalyticsFilter,
  AnalyticsRepository,
  GroupKey,
  PercentileRow,
  SlotRow,
  SumsRow,
} from '../../../src/server/repositories/analytics-repository.js';
import type { RepositoryOf } from '../../../src/server/repositories/index.js';
import { EMPTY_KPI_SUMS, type KpiSums } from '../../../src/shared/kpi.js';
import { ErrorCode } from '../../../src/shared/errors.js';
import type { AnalyticsQuery } from '../../../src/shared/schemas/analytics.js';
import { failure } from './fake-repositories.js';

type Repo = Omit<RepositoryOf<AnalyticsRepository>, 'foldPending'>;

const NOW = Date.parse('2026-12-02T06:00:00.000Z');
const agent: Actor = { id: 'agent-1', role: 'agent' };
const admin: Actor = { id: 'admin-1', role: 'admin' };

const sums = (o: Partial<KpiSums>): KpiSums => ({ ...EMPTY_KPI_SUMS, ...o });

/** Answers from a script; every call is recorded with its arguments. */
class ScriptedAnalytics {
  calls: [string, ...unknown[]][] = [];
  sumsBy: Partial<Record<GroupKey, SumsRow[]>> = {};
  percentilesOf: Record<string, PercentileRow[]> = {};
  peaks = new Map<string | null, number>();
  limits = new Map<string, number | null>();
  slotRows: SlotRow[] = [];
  prefixes: { sample: string; calls: number; answered: number; talkSeconds: number }[] = [];
  bands = { counts: [] as number[], mosCalls: 0, mosSum: 0 };
  failureRows: { sipCode: number | null; outcome: string; rang: boolean; calls: number }[] = [];

  repo(): Repo {
    const rec = <T>(name: string, args: unknown[], value: T) => {
      this.calls.push([name, ...args]);
      return Promise.resolve(value);
    };
    const repo: Partial<Repo> = {
      sums: (f: AnalyticsFilter, by: GroupKey) => rec('sums', [f, by], this.sumsBy[by] ?? []),
      percentiles: (f: AnalyticsFilter, by: GroupKey, value: string, ps: readonly number[]) =>
        rec('percentiles', [by, value, ps], this.percentilesOf[`${by} ${value}`] ?? []),
      peakConcurrent: (f: AnalyticsFilter, ids: string[]) => rec('peakConcurrent', [ids], this.peaks),
      channelLimits: (ids: string[]) => rec('channelLimits', [ids], this.limits),
      slots: (f: AnalyticsFilter) => rec('slots', [f], this.slotRows),
      destinationPrefixes: (f: AnalyticsFilter) => rec('destinationPrefixes', [f], this.prefixes),
      mosBands: (f: AnalyticsFilter, floors: readonly number[]) => rec('mosBands', [floors], this.bands),
      filterOptions: (ownerId: string | null) =>
        rec('filterOptions', [ownerId], { connections: [], numbers: [], agents: [] }),
      failures: (f: AnalyticsFilter) => rec('failures', [f], this.failureRows),
    };
    return repo as Repo;
  }

  filters(): AnalyticsFilter[] {
    return this.calls.flatMap(([name, f]) =>
      name === 'slots' || name === 'sums' ? [f as AnalyticsFilter] : [],
    );
  }
}

const q = (o: Partial<AnalyticsQuery> = {}): AnalyticsQuery => ({ tz: 'UTC', ...o });

describe('AnalyticsService', () => {
  let a: ScriptedAnalytics;
  let service: AnalyticsService;

  beforeEach(() => {
    a = new ScriptedAnalytics();
    service = new AnalyticsService(a.repo(), { now: () => new Date(NOW) });
  });

  describe('scope and range', () => {
    it("an agent sees their own calls, by default the last 30 days up to today, the day's UTC bounds", async () => {
      const r = await service.heatmap(agent, q());
      expect(DEFAULT_RANGE_DAYS).toBe(30);
      expect(r).toMatchObject({ from: '2026-11-03', to: '2026-12-02', timeZone: 'UTC' });
      expect(a.filters()).toEqual([
        {
          userId: 'agent-1',
          fromIso: '2026-11-03T00:00:00.000Z',
          toExclusiveIso: '2026-12-03T00:00:00.000Z',
          trunkId: undefined,
          phoneNumberId: undefined,
          direction: undefined,
        },
      ]);
    });

    it("today and the days' bounds are the viewer's time zone's", async () => {
      // 06:00 UTC is still December 1st in Honolulu (UTC-10)
      const r = await service.heatmap(agent, q({ tz: 'Pacific/Honolulu' }));
      expect(r).toMatchObject({ from: '2026-11-02', to: '2026-12-01', timeZone: 'Pacific/Honolulu' });
      expect(a.filters()[0]).toMatchObject({
        fromIso: '2026-11-02T10:00:00.000Z',
        toExclusiveIso: '2026-12-02T10:00:00.000Z',
      });
    });

    it('passes the connection, number and direction filters on', async () => {
      await service.heatmap(
        agent,
        q({ connectionId: 'trunk-1', phoneNumberId: 'number-1', direction: 'outbound' }),
      );
      expect(a.filters()[0]).toMatchObject({
        trunkId: 'trunk-1',
        phoneNumberId: 'number-1',
        direction: 'outbound',
      });
    });

    it('an agent may name themselves, but not another user nor everyone', async () => {
      await service.heatmap(agent, q({ userId: 'agent-1' }));
      expect(a.filters()[0]!.userId).toBe('agent-1');
      for (const userId of ['someone', 'all']) {
        const err = await failure(service.heatmap(agent, q({ userId })));
        expect(err.code).toBe(ErrorCode.Forbidden);
        expect(err.message).toBe("Only an administrator can see other users' calls");
      }
    });

    it("an admin sees their own calls by default, a user's when asked, everyone's with all", async () => {
      await service.heatmap(admin, q());
      await service.heatmap(admin, q({ userId: 'agent-1' }));
      await service.heatmap(admin, q({ userId: 'all' }));
      expect(a.filters().map((f) => f.userId)).toEqual(['admin-1', 'agent-1', null]);
    });

    it('takes the dates given, one day being a range', async () => {
      const r = await service.heatmap(agent, q({ from: '2026-06-01', to: '2026-06-01' }));
      expect(r).toMatchObject({ from: '2026-06-01', to: '2026-06-01' });
      const fromOnly = await service.heatmap(agent, q({ from: '2026-11-20' }));
      expect(fromOnly).toMatchObject({ from: '2026-11-20', to: '2026-12-02' });
      const toOnly = await service.heatmap(agent, q({ to: '2026-06-30' }));
      expect(toOnly).toMatchObject({ from: '2026-06-01', to: '2026-06-30' });
    });

    it('refuses a range that ends before it starts', async () => {
      const err = await failure(service.heatmap(agent, q({ from: '2026-06-02', to: '2026-06-01' })));
      expect(err.code).toBe(ErrorCode.ValidationFailed);
      expect(err.message).toBe('"from" must not be after "to".');
    });

    it('covers at most 1100 days', async () => {
      await service.heatmap(agent, q({ from: '2024-01-01', to: '2027-01-04' })); // 1100 days
      const err = await failure(service.heatmap(agent, q({ from: '2024-01-01', to: '2027-01-05' })));
      expect(err.code).toBe(ErrorCode.ValidationFailed);
      expect(err.message).toBe('The range can cover at most 1100 days.');
    });

    it("the filter choices: an agent's own, everyone's for an admin", async () => {
      await service.filterOptions(agent);
      await service.filterOptions(admin);
      expect(a.calls).toEqual([
        ['filterOptions', 'agent-1'],
        ['filterOptions', null],
      ]);
    });
  });

  describe('KPIs', () => {
    beforeEach(() => {
      a.sumsBy.connection = [
        {
          key: 'trunk-1',
          name: 'Main',
          ...sums({
            attempts: 10,
            answered: 5,
            networkCompleted: 8,
            talkCalls: 4,
            talkSeconds: 480,
            mosCalls: 2,
            mosSum: 8.4,
          }),
        },
        { key: null, name: null, ...sums({ attempts: 2 }) },
        { key: 'trunk-2', name: 'Backup', ...sums({ attempts: 1, answered: 1 }) },
      ];
      a.sumsBy.total = [{ key: null, name: null, ...sums({ attempts: 13, answered: 6 }) }];
      a.percentilesOf = {
        'connection pdd': [{ key: 'trunk-1', values: [1200, 3400] }],
        'connection jitter': [{ key: 'trunk-1', values: [12] }],
        'connection loss': [{ key: 'trunk-1', values: [0.5] }],
        'total pdd': [{ key: null, values: [1100, 3000] }],
      };
      a.peaks = new Map([['trunk-1', 3]]);
      a.limits = new Map<string, number | null>([
        ['trunk-1', 4],
        ['trunk-2', null],
      ]);
    });

    it('per connection: the figures, percentiles, peak against the channel limit, and the totals', async () => {
      const r = await service.kpis(agent, {
        ...q({ from: '2026-12-01', to: '2026-12-02' }),
        by: 'connection',
      });
      expect(r.rows).toEqual([
        {
          key: 'trunk-1',
          name: 'Main',
          calls: 10,
          answered: 5,
          asr: 0.5,
          ner: 0.8,
          acdSeconds: 120,
          minutesUsed: 8,
          mosAvg: 4.2,
          pddMsMedian: 1200,
          pddMsP90: 3400,
          jitterMsP95: 12,
          packetLossPctP95: 0.5,
          peakConcurrent: 3,
          channelLimit: 4,
        },
        expect.objectContaining({
          key: null,
          calls: 2,
          pddMsMedian: null,
          pddMsP90: null,
          jitterMsP95: null,
          packetLossPctP95: null,
          peakConcurrent: 0,
          channelLimit: null,
        }),
        expect.objectContaining({ key: 'trunk-2', calls: 1, peakConcurrent: 0, channelLimit: null }),
      ]);
      expect(r).toMatchObject({ from: '2026-12-01', to: '2026-12-02', timeZone: 'UTC', by: 'connection' });
      expect(r.totals).toMatchObject({
        key: null,
        calls: 13,
        answered: 6,
        pddMsMedian: 1100,
        pddMsP90: 3000,
        peakConcurrent: null,
        channelLimit: null,
      });
      // peaks and limits are read for the connections that have a key
      expect(a.calls.filter(([n]) => n === 'peakConcurrent' || n === 'channelLimits')).toEqual([
        ['peakConcurrent', ['trunk-1', 'trunk-2']],
        ['channelLimits', ['trunk-1', 'trunk-2']],
      ]);
      expect(a.calls.filter(([n]) => n === 'percentiles')).toEqual(
        expect.arrayContaining([
          ['percentiles', 'connection', 'pdd', [0.5, 0.9]],
          ['percentiles', 'connection', 'jitter', [0.95]],
          ['percentiles', 'connection', 'loss', [0.95]],
          ['percentiles', 'total', 'pdd', [0.5, 0.9]],
        ]),
      );
    });

    it('a channel limit stored for no connection does not show on the row without one', async () => {
      a.limits = new Map<string, number | null>([['null', 9]]);
      a.peaks = new Map<string | null, number>([[null, 5]]);
      const r = await service.kpis(agent, { ...q(), by: 'connection' });
      expect(r.rows[1]).toMatchObject({ key: null, peakConcurrent: 5, channelLimit: null });
    });

    it('other groupings have no peak or channel limit, and read neither', async () => {
      a.sumsBy.number = [{ key: 'number-1', name: '+13125550100', ...sums({ attempts: 3 }) }];
      const r = await service.kpis(agent, { ...q(), by: 'number' });
      expect(r.rows).toEqual([
        expect.objectContaining({ key: 'number-1', peakConcurrent: null, channelLimit: null }),
      ]);
      expect(a.calls.map(([n]) => n)).not.toContain('peakConcurrent');
      expect(a.calls.map(([n]) => n)).not.toContain('channelLimits');
    });

    it('no calls: no rows and an empty totals row', async () => {
      a.sumsBy = {};
      const r = await service.kpis(agent, { ...q(), by: 'agent' });
      expect(r.rows).toEqual([]);
      expect(r.totals).toEqual({
        key: null,
        name: null,
        calls: 0,
        answered: 0,
        asr: null,
        ner: null,
        acdSeconds: null,
        minutesUsed: 0,
        mosAvg: null,
        pddMsMedian: null,
        pddMsP90: null,
        jitterMsP95: null,
        packetLossPctP95: null,
        peakConcurrent: null,
        channelLimit: null,
      });
    });
  });

  describe('trends', () => {
    const slot = (iso: string, o: Partial<KpiSums>): SlotRow => ({ slotMs: Date.parse(iso), ...sums(o) });

    it('one point per local day, empty days included, slots added to their local day', async () => {
      a.slotRows = [
        slot('2026-11-30T23:45:00.000Z', { attempts: 1, answered: 1 }), // Dec 1st in Berlin
        slot('2026-12-01T10:00:00.000Z', { attempts: 3, answered: 1 }),
      ];
      const r = await service.trends(agent, {
        ...q({ from: '2026-11-30', to: '2026-12-02', tz: 'Europe/Berlin' }),
        bucket: 'day',
      });
      expect(r).toMatchObject({
        from: '2026-11-30',
        to: '2026-12-02',
        timeZone: 'Europe/Berlin',
        bucket: 'day',
      });
      expect(r.points.map((p) => [p.bucket, p.calls, p.answered, p.asr])).toEqual([
        ['2026-11-30', 0, 0, null],
        ['2026-12-01', 4, 2, 0.5],
        ['2026-12-02', 0, 0, null],
      ]);
      expect(r.points[0]).toEqual({
        bucket: '2026-11-30',
        calls: 0,
        answered: 0,
        asr: null,
        ner: null,
        acdSeconds: null,
        minutesUsed: 0,
        mosAvg: null,
      });
    });

    it('by week: one point per Monday, the first one before the range when it starts mid-week', async () => {
      a.slotRows = [
        slot('2026-11-26T12:00:00.000Z', { attempts: 2 }), // Thursday
        slot('2026-12-01T12:00:00.000Z', { attempts: 5 }), // Tuesday
        slot('2026-12-02T12:00:00.000Z', { attempts: 1 }), // Wednesday
      ];
      const r = await service.trends(agent, {
        ...q({ from: '2026-11-25', to: '2026-12-02' }),
        bucket: 'week',
      });
      expect(r.points.map((p) => [p.bucket, p.calls])).toEqual([
        ['2026-11-23', 2],
        ['2026-11-30', 6],
      ]);
    });
  });

  it('heatmap: 7 × 24 cells, Monday 00h first, slots in their local weekday and hour', async () => {
    a.slotRows = [
      { slotMs: Date.parse('2026-11-30T08:15:00.000Z'), ...sums({ attempts: 2, answered: 1 }) }, // Mon 09h Berlin
      { slotMs: Date.parse('2026-11-30T08:30:00.000Z'), ...sums({ attempts: 1, answered: 1 }) },
      { slotMs: Date.parse('2026-12-06T22:45:00.000Z'), ...sums({ attempts: 4 }) }, // Sun 23h Berlin
    ];
    const r = await service.heatmap(agent, q({ from: '2026-11-30', to: '2026-12-06', tz: 'Europe/Berlin' }));
    expect(r.cells).toHaveLength(168);
    expect(r.cells[0]).toEqual({ weekday: 0, hour: 0, calls: 0, answered: 0 });
    expect(r.cells[25]).toEqual({ weekday: 1, hour: 1, calls: 0, answered: 0 });
    expect(r.cells[9]).toEqual({ weekday: 0, hour: 9, calls: 3, answered: 2 });
    expect(r.cells[167]).toEqual({ weekday: 6, hour: 23, calls: 4, answered: 0 });
    expect(r.cells.reduce((n, c) => n + c.calls, 0)).toBe(7);
  });

  it('destinations: by country, unknown ones apart, most called first, ties by country', async () => {
    a.prefixes = [
      { sample: '+4930123456', calls: 2, answered: 1, talkSeconds: 60 },
      { sample: '+13125550100', calls: 3, answered: 3, talkSeconds: 90 },
      { sample: '+4989123456', calls: 1, answered: 0, talkSeconds: 0 },
      { sample: 'garbage', calls: 3, answered: 0, talkSeconds: 0 },
      { sample: '+33142685300', calls: 3, answered: 0, talkSeconds: 30 },
    ];
    const r = await service.destinations(agent, q());
    expect(r.rows).toEqual([
      { country: 'DE', calls: 3, answered: 1, asr: 1 / 3, minutesUsed: 1 },
      { country: 'FR', calls: 3, answered: 0, asr: 0, minutesUsed: 0.5 },
      { country: 'US', calls: 3, answered: 3, asr: 1, minutesUsed: 1.5 },
      { country: null, calls: 3, answered: 0, asr: 0, minutesUsed: 0 },
    ]);
    expect(r).toMatchObject({ from: '2026-11-03', to: '2026-12-02', timeZone: 'UTC' });
  });

  it('destinations: the unknown country after a tied known one, whatever came first', async () => {
    a.prefixes = [
      { sample: 'garbage', calls: 2, answered: 0, talkSeconds: 0 },
      { sample: '+13125550100', calls: 2, answered: 1, talkSeconds: 60 },
    ];
    const r = await service.destinations(agent, q());
    expect(r.rows.map((x) => x.country)).toEqual(['US', null]);
  });

  it('destinations: a bigger unknown group still comes first', async () => {
    a.prefixes = [
      { sample: 'garbage', calls: 5, answered: 0, talkSeconds: 0 },
      { sample: '+4930123456', calls: 2, answered: 1, talkSeconds: 60 },
    ];
    const r = await service.destinations(agent, q());
    expect(r.rows.map((x) => x.country)).toEqual([null, 'DE']);
  });

  it('quality: MOS bands from the band floors, the average, jitter and loss p95', async () => {
    a.bands = { counts: [4, 3, 2], mosCalls: 10, mosSum: 40 };
    a.percentilesOf = {
      'total jitter': [{ key: null, values: [18] }],
      'total loss': [{ key: null, values: [1.5] }],
    };
    const r = await service.quality(agent, q());
    expect(a.calls.filter(([n]) => n !== 'percentiles')).toEqual([['mosBands', [4.3, 4.0, 3.6, 3.1]]]);
    expect(a.calls.filter(([n]) => n === 'percentiles')).toEqual([
      ['percentiles', 'total', 'jitter', [0.95]],
      ['percentiles', 'total', 'loss', [0.95]],
    ]);
    expect(r).toEqual({
      from: '2026-11-03',
      to: '2026-12-02',
      timeZone: 'UTC',
      measuredCalls: 10,
      mosAvg: 4,
      bands: [
        { band: 'excellent', label: '≥ 4.3 very satisfied', calls: 4 },
        { band: 'good', label: '4.0–4.3 satisfied', calls: 3 },
        { band: 'fair', label: '3.6–4.0 some users dissatisfied', calls: 2 },
        { band: 'poor', label: '3.1–3.6 many users dissatisfied', calls: 0 },
        { band: 'bad', label: '< 3.1 nearly all users dissatisfied', calls: 0 },
      ],
      jitterMsP95: 18,
      packetLossPctP95: 1.5,
    });
  });

  it('quality without measurements: no average, no percentiles', async () => {
    const r = await service.quality(agent, q());
    expect(r).toMatchObject({ measuredCalls: 0, mosAvg: null, jitterMsP95: null, packetLossPctP95: null });
    a.percentilesOf = {
      'total jitter': [{ key: null, values: [] }],
      'total loss': [{ key: null, values: [] }],
    };
    expect(await service.quality(agent, q())).toMatchObject({ jitterMsP95: null, packetLossPctP95: null });
  });

  it('failures: merged by code, outcome and ending, with the reason; most frequent first', async () => {
    a.failureRows = [
      { sipCode: 487, outcome: 'cancelled', rang: true, calls: 2 },
      { sipCode: 487, outcome: 'cancelled', rang: false, calls: 1 },
      { sipCode: 503, outcome: 'failed', rang: false, calls: 4 },
      { sipCode: 503, outcome: 'failed', rang: true, calls: 1 }, // same ending: merged
      { sipCode: null, outcome: 'failed', rang: false, calls: 2 },
      { sipCode: 486, outcome: 'busy', rang: false, calls: 2 },
      { sipCode: 486, outcome: 'abandoned', rang: false, calls: 2 },
    ];
    const r = await service.failures(agent, q());
    expect(r.rows).toEqual([
      { sipCode: 503, reason: 'Service Unavailable', outcome: 'failed', ending: 'not_completed', calls: 5 },
      { sipCode: null, reason: 'No SIP response', outcome: 'failed', ending: 'not_completed', calls: 2 },
      { sipCode: 486, reason: 'Busy Here', outcome: 'abandoned', ending: 'busy', calls: 2 },
      { sipCode: 486, reason: 'Busy Here', outcome: 'busy', ending: 'busy', calls: 2 },
      {
        sipCode: 487,
        reason: 'Request Terminated',
        outcome: 'cancelled',
        ending: 'caller_cancelled',
        calls: 2,
      },
      { sipCode: 487, reason: 'Request Terminated', outcome: 'cancelled', ending: 'not_completed', calls: 1 },
    ]);
    expect(r).toMatchObject({ from: '2026-11-03', to: '2026-12-02', timeZone: 'UTC' });
  });
});
