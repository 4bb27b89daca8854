/** How the Analytics page writes its figures (ratios as percentages, missing values as a dash). */
export const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
export const num = (v: number | null, digits = 0) => (v === null ? '—' : v.toFixed(digits));

/** A call's ending (src/shared/kpi.ts) in the failure table's words. */
export const ENDING_TEXT: Record<string, string> = {
  busy: 'busy (network ok)',
  no_answer: 'no answer (network ok)',
  rejected: 'declined (network ok)',
  caller_cancelled: 'caller hung up while ringing',
  not_completed: 'not completed by the network',
  answered: 'answered',
  in_progress: 'in progress',
};
