/**
 * The roll-ups' third span, 'w' (0025): the call's UTC week, Monday to Monday. A 30-day range read from
 * day rows reads about one row per call at the finest keys (5,000 numbers see 2 calls a day each), and a
 * day's PDD histogram is as long as a week's; four whole weeks and the days around them read a third
 * of the rows (issue 12: 200 ms of 5,000 numbers' sums, 230 ms of 50 agents' PDD at a million calls).
 *
 * A week's bucket is the number of its Monday's day since 1970-01-01, as text: no date function is the
 * same on SQLite and PostgreSQL, integer arithmetic is. It has five digits from 1997-05-19 to 2243-10-16,
 * so the buckets compare as text in the order of the weeks (the calls are of today, not of 1990).
 */
import { sql, type RawBuilder } from 'kysely';

const DAY_MS = 86_400_000;

/** The day number (days since 1970-01-01) of the UTC date at the start of `iso` ('YYYY-MM-DD…'). */
function epochDay(iso: RawBuilder<unknown>): RawBuilder<unknown> {
  // Howard Hinnant's days_from_civil, for years from 1 on (the year counted from March).
  const y = sql`(cast(substr(${iso}, 1, 4) as integer) - case when cast(substr(${iso}, 6, 2) as integer) <= 2 then 1 else 0 end)`;
  const m = sql`cast(substr(${iso}, 6, 2) as integer)`;
  const d = sql`cast(substr(${iso}, 9, 2) as integer)`;
  const doy = sql`((153 * (${m} + case when ${m} > 2 then -3 else 9 end) + 2) / 5 + ${d} - 1)`;
  const yoe = sql`(${y} - (${y} / 400) * 400)`;
  return sql`((${y} / 400) * 146097 + ${yoe} * 365 + ${yoe} / 4 - ${yoe} / 100 + ${doy} - 719468)`;
}

/** SQL: the 'w' bucket of a UTC timestamp or date text (its week's Monday as a day number, as text). */
export function weekBucketSql(iso: RawBuilder<unknown>): RawBuilder<unknown> {
  const day = epochDay(iso);
  // Day 0 was a Thursday: Mondays are the days with (day + 3) % 7 = 0.
  return sql`cast(${day} - ((${day} + 3) % 7) as text)`;
}

/** The 'w' bucket of the Monday at `mondayMs` (UTC midnight). */
export const weekBucket = (mondayMs: number): string => String(Math.round(mondayMs / DAY_MS));

/** The first Monday at or after the UTC midnight `dayMs`. */
export function mondayOnOrAfter(dayMs: number): number {
  const day = Math.round(dayMs / DAY_MS);
  return (day + ((7 - ((((day + 3) % 7) + 7) % 7)) % 7)) * DAY_MS;
}

/** The last Monday at or before the UTC midnight `dayMs`. */
export function mondayOnOrBefore(dayMs: number): number {
  const day = Math.round(dayMs / DAY_MS);
  return (day - ((((day + 3) % 7) + 7) % 7)) * DAY_MS;
}
