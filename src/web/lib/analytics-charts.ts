/**
 * The Analytics page's chart options, built from the API's answers (the tables beside the charts show
 * the same numbers). Pure functions: the page passes what it shows, they return an ECharts option.
 */
import type {
  DestinationRowDto,
  FailureRowDto,
  HeatmapCellDto,
  MosBandDto,
  TrendPointDto,
} from '../../shared/analytics-api.js';
import type { ChartOption } from './chart-option.js';

export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
export const countryName = (c: string | null) => (c ? (regionNames.of(c) ?? c) : 'Unknown');

const axisText = { color: '#64748b' };

export function trendChart(points: readonly TrendPointDto[]): ChartOption {
  return {
    // Room above the plot for the legend and, under it, the axes' names (on a phone they met).
    grid: { left: 44, right: 44, top: 52, bottom: 28 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0, textStyle: axisText },
    xAxis: { type: 'category', data: points.map((p) => p.bucket.slice(5)), axisLabel: axisText },
    yAxis: [
      { type: 'value', name: 'calls', axisLabel: axisText, minInterval: 1 },
      { type: 'value', name: 'ASR %', max: 100, axisLabel: axisText, splitLine: { show: false } },
    ],
    series: [
      { name: 'Calls', type: 'bar', data: points.map((p) => p.calls), itemStyle: { color: '#6366f1' } },
      { name: 'Answered', type: 'bar', data: points.map((p) => p.answered), itemStyle: { color: '#22c55e' } },
      {
        name: 'ASR %',
        type: 'line',
        yAxisIndex: 1,
        data: points.map((p) => (p.asr === null ? null : +(p.asr * 100).toFixed(1))),
        itemStyle: { color: '#f59e0b' },
      },
    ],
  };
}

export function heatmapChart(cells: readonly HeatmapCellDto[]): ChartOption {
  const max = Math.max(1, ...cells.map((c) => c.calls));
  return {
    grid: { left: 40, right: 10, top: 10, bottom: 56 },
    tooltip: {},
    xAxis: {
      type: 'category',
      data: Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0')),
      axisLabel: axisText,
    },
    yAxis: { type: 'category', data: WEEKDAYS, inverse: true, axisLabel: axisText },
    visualMap: {
      min: 0,
      max,
      calculable: false,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      itemHeight: 120,
      inRange: { color: ['#eef2ff', '#4f46e5'] },
      textStyle: axisText,
    },
    series: [{ name: 'Calls', type: 'heatmap', data: cells.map((c) => [c.hour, c.weekday, c.calls]) }],
  };
}

/** Horizontal bars, one per label, top to bottom. */
function barChart(labels: string[], values: number[], color: string): ChartOption {
  return {
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    tooltip: {},
    xAxis: { type: 'value', minInterval: 1, axisLabel: axisText },
    yAxis: {
      type: 'category',
      data: labels,
      inverse: true,
      axisLabel: { ...axisText, width: 150, overflow: 'truncate' },
    },
    series: [{ type: 'bar', data: values, itemStyle: { color } }],
  };
}

export const mosChart = (bands: readonly MosBandDto[]) =>
  barChart(
    bands.map((b) => b.label.split(' ').slice(0, 2).join(' ')),
    bands.map((b) => b.calls),
    '#0ea5e9',
  );

export const failureChart = (rows: readonly FailureRowDto[]) =>
  barChart(
    rows.map((r) => `${r.sipCode ?? '—'} ${r.reason}`),
    rows.map((r) => r.calls),
    '#ef4444',
  );

export const destinationChart = (rows: readonly DestinationRowDto[]) =>
  barChart(
    rows.map((r) => countryName(r.country)),
    rows.map((r) => r.calls),
    '#14b8a6',
  );
