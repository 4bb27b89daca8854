/**
 * The telecom KPIs of the analytics page, the `dialer report kpis` command and the API, defined once.
 * The server's SQL (repositories/analytics-repository.ts) is built from the constants below, and the
 * figures it returns are turned into ratios by the functions below, so every consumer agrees.
 *
 * - **Attempts**: every call that has finished (outcome other than `in_progress`).
 * - **ASR** (answer-seizure ratio, ITU-T E.411): answered ÷ attempts. A call counts as answered when the
 *   far end answered (`answered_at` is set), whatever ended it afterwards.
 * - **NER** (network effectiveness ratio, ITU-T E.411 / GSMA IR.42): attempts the network completed ÷
 *   attempts. Completed = answered, user busy, ringing without answer, or rejected by the callee; so a
 *   connection is not blamed for people who do not pick up. From the stored outcome and SIP code:
 *
 *   | ending                                     | outcome / SIP final response                                   |
 *   | ------------------------------------------ | -------------------------------------------------------------- |
 *   | answered                                   | `answered_at` set                                              |
 *   | busy                                       | outcome `busy`, or SIP 486 Busy Here, 600 Busy Everywhere       |
 *   | no answer                                  | outcome `no_answer`, or SIP 480 Temporarily Unavailable         |
 *   | rejected by the callee                     | outcome `rejected`, or SIP 603 Decline, 607 Unwanted, 608 Rejected |
 *   | caller gave up while it rang (no answer)   | outcome `cancelled` (or SIP 487) after a provisional 18x (`progress_at` set) |
 *   | not completed by the network               | everything else: `failed`, `abandoned` unanswered, a cancel before any 18x, 404/484/408/5xx… |
 *
 * - **ACD** (average call duration): talk seconds (`duration_seconds`) averaged over answered calls
 *   that have a duration.
 * - **PDD** (post-dial delay): `progress_at - invite_at` in milliseconds, over calls that have both;
 *   median and p90 by the nearest-rank method (value at rank ⌈p·n⌉ of the sorted values).
 * - **MOS**: average over calls with a MOS, and the distribution in the ITU-T G.107 (E-model) user
 *   satisfaction bands (`MOS_BANDS`).
 * - **Jitter, packet loss**: p95 by nearest rank, over calls that have the figure.
 * - Percentiles (PDD, jitter, loss) are read from roll-ups that count calls per value truncated to two
 *   significant digits (`valueBucket`: 1234 ms → 1200 ms, 37 ms → 37 ms, 0.537 % → 0.53 %), so a
 *   reported percentile is at most 10 % below the exact one, and exact for values with two digits.
 * - **Minutes used**: talk seconds ÷ 60; **peak concurrent calls**: the most calls of a connection that
 *   were up at the same time during the range (from INVITE to end; an ending frees its channel before a
 *   start at the same instant takes one; calls begun before the range count while up), against the
 *   connection's channel limit: all the connection's calls, whatever the direction, number or agent filter.
 *
 * Ratios are numbers 0..1, null when their denominator is 0 (never NaN).
 */

/** SIP final responses that mean the callee was busy. */
export const BUSY_SIP_CODES = [486, 600] as const;
/** SIP final responses that mean nobody answered. */
export const NO_ANSWER_SIP_CODES = [480] as const;
/** SIP final responses that mean the callee (or their device) declined. */
export const REJECTED_SIP_CODES = [603, 607, 608] as const;
/** SIP 487 Request Terminated: the caller cancelled. Completed by the network only after an 18x. */
export const CANCELLED_SIP_CODE = 487;

/** Outcomes that count as completed by the network on their own. */
export const NETWORK_COMPLETED_OUTCOMES = ['busy', 'no_answer', 'rejected'] as const;

/** How a call ended, for NER and the failure breakdown. */
export type CallEnding =
  'answered' | 'busy' | 'no_answer' | 'rejected' | 'caller_cancelled' | 'not_completed' | 'in_progress';

/** The facts of one call the classification needs (a plain object on either side of the wire). */
export interface CallEndingFacts {
  outcome: string;
  sipCode: number | null;
  answered: boolean;
  /** A provisional 18x was received (`progress_at` set). */
  rang: boolean;
}

const has = (list: readonly number[], code: number | null) => code !== null && list.includes(code);

/** The one classification of a call's ending (the SQL in the analytics repository mirrors it). */
export function classifyEnding(c: CallEndingFacts): CallEnding {
  if (c.outcome === 'in_progress') return 'in_progress';
  if (c.answered) return 'answered';
  if (c.outcome === 'busy' || has(BUSY_SIP_CODES, c.sipCode)) return 'busy';
  if (c.outcome === 'no_answer' || has(NO_ANSWER_SIP_CODES, c.sipCode)) return 'no_answer';
  if (c.outcome === 'rejected' || has(REJECTED_SIP_CODES, c.sipCode)) return 'rejected';
  if ((c.outcome === 'cancelled' || c.sipCode === CANCELLED_SIP_CODE) && c.rang) return 'caller_cancelled';
  return 'not_completed';
}

/** Whether an ending counts towards NER's numerator. */
export function isNetworkCompleted(e: CallEnding): boolean {
  return e !== 'not_completed' && e !== 'in_progress';
}

/** ITU-T G.107 (E-model) user satisfaction bands, best first; a MOS falls in the first band whose `min` it reaches. */
export const MOS_BANDS = [
  { band: 'excellent', min: 4.3, label: '≥ 4.3 very satisfied' },
  { band: 'good', min: 4.0, label: '4.0–4.3 satisfied' },
  { band: 'fair', min: 3.6, label: '3.6–4.0 some users dissatisfied' },
  { band: 'poor', min: 3.1, label: '3.1–3.6 many users dissatisfied' },
  { band: 'bad', min: Number.NEGATIVE_INFINITY, label: '< 3.1 nearly all users dissatisfied' },
] as const;
export type MosBand = (typeof MOS_BANDS)[number]['band'];

export function mosBand(mos: number): MosBand {
  return MOS_BANDS.find((b) => mos >= b.min)!.band;
}

/**
 * A non-negative value truncated to two significant digits (the roll-ups' histogram step; the SQL twin
 * is in src/server/repositories/analytics-rollups.ts). Below 0.1 it keeps three decimals.
 */
export function valueBucket(v: number): number {
  for (const [min, step] of [
    [100000, 10000],
    [10000, 1000],
    [1000, 100],
    [100, 10],
    [10, 1],
    [1, 0.1],
    [0.1, 0.01],
  ] as const) {
    if (v >= min) return Math.floor(v / step + 1e-9) * step;
  }
  return Math.floor(v * 1000 + 1e-9) / 1000;
}

/** `numerator ÷ denominator`, null when the denominator is 0. */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

/** Nearest-rank percentile (value at rank ⌈p·n⌉ of the ascending values); null for no values. */
export function nearestRank(sortedAscending: readonly number[], p: number): number | null {
  const n = sortedAscending.length;
  if (n === 0) return null;
  const rank = Math.min(n, Math.max(1, Math.ceil(p * n)));
  return sortedAscending[rank - 1]!;
}

/** The additive sums a KPI row is computed from (what SQL returns for each group). */
export interface KpiSums {
  attempts: number;
  answered: number;
  networkCompleted: number;
  /** Answered calls that have a duration, and their talk seconds. */
  talkCalls: number;
  talkSeconds: number;
  mosCalls: number;
  mosSum: number;
}

export const EMPTY_KPI_SUMS: KpiSums = {
  attempts: 0,
  answered: 0,
  networkCompleted: 0,
  talkCalls: 0,
  talkSeconds: 0,
  mosCalls: 0,
  mosSum: 0,
};

export function addKpiSums(a: KpiSums, b: KpiSums): KpiSums {
  return {
    attempts: a.attempts + b.attempts,
    answered: a.answered + b.answered,
    networkCompleted: a.networkCompleted + b.networkCompleted,
    talkCalls: a.talkCalls + b.talkCalls,
    talkSeconds: a.talkSeconds + b.talkSeconds,
    mosCalls: a.mosCalls + b.mosCalls,
    mosSum: a.mosSum + b.mosSum,
  };
}

/** The ratios and averages of a group, from its sums. */
export function kpiFigures(s: KpiSums): {
  calls: number;
  answered: number;
  asr: number | null;
  ner: number | null;
  acdSeconds: number | null;
  minutesUsed: number;
  mosAvg: number | null;
} {
  return {
    calls: s.attempts,
    answered: s.answered,
    asr: ratio(s.answered, s.attempts),
    ner: ratio(s.networkCompleted, s.attempts),
    acdSeconds: ratio(s.talkSeconds, s.talkCalls),
    minutesUsed: s.talkSeconds / 60,
    mosAvg: ratio(s.mosSum, s.mosCalls),
  };
}

/** Reason phrases of the SIP final responses a failure breakdown shows (RFC 3261 and later). */
export const SIP_REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  410: 'Gone',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  484: 'Address Incomplete',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  500: 'Server Internal Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  607: 'Unwanted',
  608: 'Rejected',
};

export function sipReason(code: number | null): string {
  if (code === null) return 'No SIP response';
  return SIP_REASONS[code] ?? `SIP ${code}`;
}
