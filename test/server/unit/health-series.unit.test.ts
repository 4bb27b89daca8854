/**
 * The health page's series (health-series.ts): slots aligned to whole multiples of their length in UTC,
 * empty slots kept, failures counted apart from latency, and samples outside the window dropped.
 */
import { describe, expect, it } from 'vitest';
import { healthBuckets, type SeriesSample } from '../../../src/server/services/health/health-series.js';

const sample = (checked_at: string, ok: number, latency_ms: number | null): SeriesSample => ({
  checked_at,
  ok,
  latency_ms,
});

describe('healthBuckets', () => {
  it('aligns the first slot to a whole multiple of its length and keeps empty slots', () => {
    const buckets = healthBuckets(
      [],
      new Date('2026-12-01T10:07:30.000Z'),
      new Date('2026-12-01T10:21:00.000Z'),
      5,
    );
    expect(buckets.map((b) => b.start)).toEqual([
      '2026-12-01T10:05:00.000Z',
      '2026-12-01T10:10:00.000Z',
      '2026-12-01T10:15:00.000Z',
      '2026-12-01T10:20:00.000Z',
    ]);
    expect(buckets[0]).toEqual({
      start: '2026-12-01T10:05:00.000Z',
      checks: 0,
      failures: 0,
      avgMs: null,
      maxMs: null,
    });
  });

  it('includes the slot that starts exactly at the end of the window', () => {
    const buckets = healthBuckets(
      [],
      new Date('2026-12-01T10:00:00.000Z'),
      new Date('2026-12-01T11:00:00.000Z'),
      60,
    );
    expect(buckets.map((b) => b.start)).toEqual(['2026-12-01T10:00:00.000Z', '2026-12-01T11:00:00.000Z']);
  });

  it('keeps one slot when the window ends before it starts', () => {
    const buckets = healthBuckets(
      [sample('2026-12-01T10:01:00.000Z', 1, 10)],
      new Date('2026-12-01T10:00:00.000Z'),
      new Date('2026-12-01T09:00:00.000Z'),
      5,
    );
    expect(buckets).toEqual([
      { start: '2026-12-01T10:00:00.000Z', checks: 1, failures: 0, avgMs: 10, maxMs: 10 },
    ]);
  });

  it('counts checks and failures per slot; latency from answered checks only, rounded', () => {
    const buckets = healthBuckets(
      [
        sample('2026-12-01T10:00:00.000Z', 1, 10),
        sample('2026-12-01T10:04:59.999Z', 1, 15),
        sample('2026-12-01T10:02:00.000Z', 1, 12),
        sample('2026-12-01T10:03:00.000Z', 0, 900),
        sample('2026-12-01T10:05:00.000Z', 0, null),
        sample('2026-12-01T10:06:00.000Z', 1, null),
      ],
      new Date('2026-12-01T10:00:00.000Z'),
      new Date('2026-12-01T10:09:00.000Z'),
      5,
    );
    expect(buckets).toEqual([
      // (10 + 15 + 12) / 3 = 12.33: rounded; the failure's 900 ms is neither average nor maximum
      { start: '2026-12-01T10:00:00.000Z', checks: 4, failures: 1, avgMs: 12, maxMs: 15 },
      { start: '2026-12-01T10:05:00.000Z', checks: 2, failures: 1, avgMs: null, maxMs: null },
    ]);
  });

  it('rounds the average half up and reads latencies stored as text (PostgreSQL numerics)', () => {
    const buckets = healthBuckets(
      [
        sample('2026-12-01T10:00:00.000Z', 1, '1' as unknown as number),
        sample('2026-12-01T10:01:00.000Z', 1, '2' as unknown as number),
      ],
      new Date('2026-12-01T10:00:00.000Z'),
      new Date('2026-12-01T10:04:00.000Z'),
      5,
    );
    expect(buckets).toEqual([
      { start: '2026-12-01T10:00:00.000Z', checks: 2, failures: 0, avgMs: 2, maxMs: 2 },
    ]);
  });

  it('a zero-latency answer is a measurement (maximum 0, not "none")', () => {
    const [b] = healthBuckets(
      [sample('2026-12-01T10:00:00.000Z', 1, 0)],
      new Date('2026-12-01T10:00:00.000Z'),
      new Date('2026-12-01T10:00:00.000Z'),
      5,
    );
    expect(b).toMatchObject({ checks: 1, avgMs: 0, maxMs: 0 });
  });

  it('drops samples before the first slot and after the last', () => {
    const buckets = healthBuckets(
      [
        sample('2026-12-01T09:54:59.000Z', 0, null),
        sample('2026-12-01T10:10:00.000Z', 0, null),
        sample('2026-12-01T10:09:59.000Z', 1, 30),
      ],
      new Date('2026-12-01T10:00:00.000Z'),
      new Date('2026-12-01T10:05:00.000Z'),
      5,
    );
    expect(buckets.map((b) => [b.checks, b.failures, b.maxMs])).toEqual([
      [0, 0, null],
      [1, 0, 30],
    ]);
  });
});
