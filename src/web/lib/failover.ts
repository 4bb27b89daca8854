/**
 * Failover: where a call that failed because of its trunk is retried, and whether the agent lets the
 * dialer do it by itself. Pure choice (unit-tested without a browser) plus the agent's setting,
 * remembered per user in localStorage beside the audio devices (lib/audio-preferences.ts).
 */
import type { AssignedNumberDto, ConnectionDto } from '../../shared/api.js';
import type { HealthStatus } from '../../shared/domain.js';

/** Health that answers: up, or degraded (slow, but it sets up calls). */
const HEALTHY: ReadonlySet<HealthStatus> = new Set(['up', 'degraded']);

export interface FailoverTarget {
  connection: ConnectionDto;
  /** The retry's caller ID: the target's own first number (primary, then secondary, then backup). */
  callerId: AssignedNumberDto;
}

/**
 * The next connection after `failedId` in the list's order (wrapping round) that is healthy and has a
 * caller ID of its own, skipping those this call was already tried on; null when there is none.
 * `connections` hold their numbers ordered primary first (the connections store does so).
 */
export function nextFailoverTarget(
  connections: readonly ConnectionDto[],
  failedId: string,
  tried: ReadonlySet<string> = new Set(),
): FailoverTarget | null {
  const start = connections.findIndex((c) => c.id === failedId);
  for (let i = 1; i <= connections.length; i++) {
    const c = connections[(start + i + connections.length) % connections.length]!;
    if (c.id === failedId || tried.has(c.id) || !HEALTHY.has(c.health.status)) continue;
    const callerId = c.numbers[0];
    if (callerId) return { connection: c, callerId };
  }
  return null;
}

const KEY_PREFIX = 'dialer.autoFailover.';

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage disabled (privacy settings): nothing is remembered
  }
}

/** Whether `userId` turned automatic failover on (off unless they did). */
export function loadAutoFailover(userId: string | null): boolean {
  return userId !== null && storage()?.getItem(KEY_PREFIX + userId) === 'on';
}

export function saveAutoFailover(userId: string, on: boolean): void {
  storage()?.setItem(KEY_PREFIX + userId, on ? 'on' : 'off');
}
