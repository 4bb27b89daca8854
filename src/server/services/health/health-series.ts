/**
 * The health page's series: every observation of a window, per time slot (checks, failures, latency
 * average and maximum). Slots are aligned to whole multiples of their length in UTC, so that two reads
 * of the same window agree, and empty slots are kept so that a gap in the probes shows as a gap.
 */
import type { HealthBucketDto } from '../../../shared/health.js';

export interface SeriesSample {
  checked_at: string;
  ok: number;
  latency_ms: number | null;
}

export function healthBuckets(
  samples: readonly SeriesSample[],
  since: Date,
  until: Date,
  bucketMinutes: number,
): HealthBucketDto[] {
  const size = bucketMinutes * 60_000;
  const first = Math.floor(since.getTime() / size) * size;
  const count = Math.max(1, Math.floor((until.getTime() - first) / size) + 1);
  const slots = Array.from({ length: count }, () => ({ checks: 0, failures: 0, sum: 0, n: 0, max: -1 }));
  for (const s of samples) {
    const i = Math.floor((Date.parse(s.checked_at) - first) / size);
    const slot = slots[i];
    if (!slot) continue;
    slot.checks++;
    if (s.ok !== 1) slot.failures++;
    else if (s.latency_ms !== null) {
      const ms = Number(s.latency_ms);
      slot.sum += ms;
      slot.n++;
      slot.max = Math.max(slot.max, ms);
    }
  }
  return slots.map((slot, i) => ({
    start: new Date(first + i * size).toISOString(),
    checks: slot.checks,
    failures: slot.failures,
    avgMs: slot.n > 0 ? Math.round(slot.sum / slot.n) : null,
    maxMs: slot.n > 0 ? slot.max : null,
  }));
}
