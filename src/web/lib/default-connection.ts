/**
 * Which connection the dialer selects by itself (on load, or when the selected one disappears): the
 * first one an agent can call from at once. A connection with caller IDs beats one without (it cannot
 * call at all), and within those the measured health decides: up, then degraded (it answers, slowly),
 * then unknown (not probed yet), then down. The list's own order breaks ties, so the admin's order
 * still counts. Pure, so the rule is unit-tested without a browser.
 */
import type { ConnectionDto } from '../../shared/api.js';
import type { HealthStatus } from '../../shared/domain.js';

const HEALTH_RANK: Record<HealthStatus, number> = { up: 0, degraded: 1, unknown: 2, down: 3 };

function rank(c: Pick<ConnectionDto, 'numbers' | 'health'>): number {
  return (c.numbers.length > 0 ? 0 : 10) + HEALTH_RANK[c.health.status];
}

export function defaultConnection<C extends Pick<ConnectionDto, 'numbers' | 'health'>>(
  connections: readonly C[],
): C | null {
  let best: C | null = null;
  for (const c of connections) if (best === null || rank(c) < rank(best)) best = c;
  return best;
}
