/**
 * Two lines: what the softphone allows when more than one call is up (call waiting, a consult call).
 * Each call keeps its own state machine (call-state.ts); these rules only look across them:
 *
 * - at most {@link MAX_LIVE_CALLS} live calls; a further incoming call is answered busy (486);
 * - at most one call is connected (`active`) at a time: answering or resuming a call first puts the
 *   connected one on hold, so the agent never talks to two parties at once;
 * - a new outbound call (a consult call) may start only while every other call is on hold;
 * - the call in focus (`Softphone.currentCall`, what `lineState` follows) is the newest call that is
 *   not an unanswered incoming one, or the one answered or resumed last; when it ends, the other live
 *   call takes over.
 */
import { isAnswered, type CallState } from './call-state.js';

/** Live calls at once: the call in progress and one waiting, held or consulted. */
export const MAX_LIVE_CALLS = 2;

interface LineCall {
  readonly id: string;
  readonly direction: 'inbound' | 'outbound';
  readonly state: CallState;
}

/** Answered and not ended: active, held, or reconnecting after its network path broke. */
const answered = (c: LineCall): boolean => isAnswered(c.state);
const ringsHere = (c: LineCall): boolean =>
  c.direction === 'inbound' && (c.state === 'ringing' || c.state === 'early_media');

/** Why a new outbound call cannot start beside `live` (plain words), or null when it may. */
export function outboundBlocked(live: readonly LineCall[]): string | null {
  if (live.length >= MAX_LIVE_CALLS) return 'Two calls are already up: end one before starting another.';
  if (live.some((c) => c.state !== 'held'))
    return 'Finish the current call, or put it on hold, before starting another.';
  return null;
}

/** An incoming call may ring beside `live` (else it is answered busy). */
export function roomForIncoming(live: readonly LineCall[]): boolean {
  return live.length < MAX_LIVE_CALLS;
}

/**
 * The call to focus once the focused one ended: a connected (or reconnecting) call, else a held one,
 * else a ringing one.
 */
export function nextFocus<T extends LineCall>(live: readonly T[]): T | null {
  return (
    live.find((c) => c.state === 'active' || c.state === 'reconnecting') ??
    live.find(answered) ??
    live[0] ??
    null
  );
}

/**
 * How the phone rings now: `ring` (the full ringtone) for an incoming call while nothing else is up,
 * `waiting` (a short, quiet tone) for one that arrives during a call, null when nothing rings here.
 */
export function ringKind(live: readonly LineCall[]): 'ring' | 'waiting' | null {
  if (!live.some(ringsHere)) return null;
  return live.some(answered) ? 'waiting' : 'ring';
}
