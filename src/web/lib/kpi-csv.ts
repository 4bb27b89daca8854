/** The KPI table as RFC 4180 CSV for the Analytics page's download link (formula-like cells defused). */
import type { KpiRowDto } from '../../shared/analytics-api.js';

const HEAD = [
  'name',
  'key',
  'calls',
  'answered',
  'asr',
  'ner',
  'acd_seconds',
  'minutes',
  'pdd_ms_median',
  'pdd_ms_p90',
  'mos_avg',
  'jitter_ms_p95',
  'loss_pct_p95',
  'peak_concurrent',
  'channel_limit',
];

function cell(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function kpiCsv(rows: readonly KpiRowDto[]): string {
  const lines = rows.map((r) =>
    [
      r.name,
      r.key,
      r.calls,
      r.answered,
      r.asr,
      r.ner,
      r.acdSeconds,
      r.minutesUsed,
      r.pddMsMedian,
      r.pddMsP90,
      r.mosAvg,
      r.jitterMsP95,
      r.packetLossPctP95,
      r.peakConcurrent,
      r.channelLimit,
    ]
      .map(cell)
      .join(','),
  );
  return [HEAD.join(','), ...lines].join('\r\n') + '\r\n';
}

/** A data: URL of the CSV (the link's href). */
export const kpiCsvHref = (rows: readonly KpiRowDto[]) =>
  `data:text/csv;charset=utf-8,${encodeURIComponent(kpiCsv(rows))}`;
