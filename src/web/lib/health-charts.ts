/**
 * The connection health page's chart and tables, built from GET /api/connections/:id/health. The chart
 * draws each time slot's latency (average and maximum of the answered checks) and failed checks, with
 * the periods the connection was down or degraded shaded; the tables beside it hold the same figures.
 * Pure functions: the page passes what it loaded, they return an ECharts option or table rows.
 */
import type { HealthStatus } from '../../shared/domain.js';
import type { ConnectionHealthReportDto, HealthBucketDto, HealthSource } from '../../shared/health.js';
import type { ChartOption } from './chart-option.js';
import { HEALTH_TEXT } from './labels.js';

export const HEALTH_SOURCE_TEXT: Record<HealthSource, string> = {
  probe: 'Periodic check',
  'live-check': 'Admin’s live check',
  registration: 'Browser registration',
  call: 'Failed call',
};

/** The windows the page offers, in hours. */
export const HEALTH_WINDOWS = [
  { hours: 1, label: 'Last hour' },
  { hours: 6, label: 'Last 6 hours' },
  { hours: 24, label: 'Last 24 hours' },
  { hours: 24 * 7, label: 'Last 7 days' },
] as const;

const slotTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const slotDayTime = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  hour: '2-digit',
  minute: '2-digit',
});

/** A slot's start as the axis and the table say it: the time, with the weekday past one day. */
export function slotLabel(iso: string, hours: number): string {
  const d = new Date(iso);
  return hours > 24 ? slotDayTime.format(d) : slotTime.format(d);
}

export interface StatePeriod {
  status: HealthStatus;
  from: number;
  to: number;
}

/**
 * The states over the window, oldest first: the state before the first change in the window is that
 * change's previous state (or, with no change, the current one), and the last one lasts until now.
 */
export function statePeriods(report: ConnectionHealthReportDto, now: number): StatePeriod[] {
  const changes = [...report.changes].sort((a, b) => a.at.localeCompare(b.at));
  const since = Date.parse(report.since);
  const periods: StatePeriod[] = [];
  let status: HealthStatus = changes[0]?.previousStatus ?? report.health.status;
  let from = since;
  for (const c of changes) {
    const at = Math.max(since, Date.parse(c.at));
    if (at > from) periods.push({ status, from, to: at });
    status = c.status;
    from = at;
  }
  periods.push({ status, from, to: Math.max(from, now) });
  return periods;
}

const SHADE: Partial<Record<HealthStatus, string>> = {
  down: 'rgba(239, 68, 68, 0.14)',
  degraded: 'rgba(245, 158, 11, 0.16)',
};

const axisText = { color: '#64748b' };

type MarkAreaPair = [
  { name: string; xAxis: string | undefined; itemStyle: { color: string | undefined } },
  { xAxis: string | undefined },
];

export function healthChart(report: ConnectionHealthReportDto, now: number): ChartOption {
  const { buckets, bucketMinutes } = report.series;
  const labels = buckets.map((b) => slotLabel(b.start, report.hours));
  const first = buckets[0] ? Date.parse(buckets[0].start) : Date.parse(report.since);
  const size = bucketMinutes * 60_000;
  const slotOf = (t: number) =>
    labels[Math.min(labels.length - 1, Math.max(0, Math.floor((t - first) / size)))];
  const shaded = statePeriods(report, now)
    .filter((p) => SHADE[p.status])
    .map((p): MarkAreaPair => [
      { name: HEALTH_TEXT[p.status], xAxis: slotOf(p.from), itemStyle: { color: SHADE[p.status] } },
      { xAxis: slotOf(p.to) },
    ]);
  return {
    grid: { left: 40, right: 32, top: 44, bottom: 28 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0, textStyle: axisText },
    xAxis: { type: 'category', data: labels, axisLabel: axisText },
    yAxis: [
      { type: 'value', minInterval: 1, axisLabel: axisText },
      { type: 'value', minInterval: 1, axisLabel: axisText, splitLine: { show: false } },
    ],
    series: [
      {
        name: 'Avg ms',
        type: 'line',
        data: buckets.map((b) => b.avgMs),
        itemStyle: { color: '#6366f1' },
        markArea: { silent: true, label: { color: '#475569', fontSize: 10 }, data: shaded },
      },
      {
        name: 'Max ms',
        type: 'line',
        data: buckets.map((b) => b.maxMs),
        itemStyle: { color: '#94a3b8' },
        lineStyle: { type: 'dashed' },
      },
      {
        name: 'Failed',
        type: 'bar',
        yAxisIndex: 1,
        data: buckets.map((b) => b.failures),
        itemStyle: { color: '#ef4444' },
        barMaxWidth: 14,
      },
    ],
  };
}

export const BUCKET_COLUMNS = ['Time', 'Checks', 'Failed', 'Avg ms', 'Max ms'];

const ms = (v: number | null) => (v === null ? '—' : v);

/**
 * The chart's figures, one row per slot that had checks (newest first: what a person looks for); the
 * columns are {@link BUCKET_COLUMNS}.
 */
export function bucketRows(report: ConnectionHealthReportDto): { key: string; cells: (string | number)[] }[] {
  return report.series.buckets
    .filter((b: HealthBucketDto) => b.checks > 0)
    .reverse()
    .map((b) => ({
      key: b.start,
      cells: [slotLabel(b.start, report.hours), b.checks, b.failures, ms(b.avgMs), ms(b.maxMs)],
    }));
}
