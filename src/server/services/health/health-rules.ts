/**
 * The rules that turn observations into a health state, after Kamailio's dispatcher (failures in a row
 * before a destination is inactive, successes in a row before it is active again, latency average,
 * deviation and maximum over a window) and Asterisk's qualify (a peer is reachable from its first
 * answer). Pure functions: the service loads the counters, applies one observation, stores the result.
 *
 *   unknown --first answer--> up/degraded          unknown --N failures--> down
 *   up/degraded --N failures in a row--> down      down --M answers in a row--> up/degraded
 *   up <--> degraded: average latency over the window, or the answer rate of recent real calls
 *   any --registration refused--> down (until a registration succeeds: a wrong password is not healed
 *                                       by a server that answers OPTIONS)
 */
import type { HealthStatus } from '../../../shared/domain.js';
import type { HealthSource, HealthThresholds, LatencyStats } from '../../../shared/health.js';

export interface RuleState {
  status: HealthStatus;
  failStreak: number;
  okStreak: number;
  registrationRefused: string | null;
}

export interface Observation {
  ok: boolean;
  latencyMs: number | null;
  /** Plain words: "OPTIONS answered 200 OK in 18 ms", "no answer to OPTIONS in 2 s". */
  reason: string;
  source: HealthSource;
  /** A registration was refused (wrong password...): down until a registration succeeds. */
  refused?: boolean;
  /** A registration succeeded: clears a refusal. */
  registered?: boolean;
  /** Nothing could be measured (no address, Telnyx API not configured): unknown, counters untouched. */
  unmeasurable?: boolean;
}

export interface RuleContext {
  /** Latency over the window, this observation included. */
  latency: LatencyStats;
  /** Real outbound calls on the trunk in the answer-rate window. */
  calls: { attempts: number; answered: number };
}

export interface RuleResult {
  next: RuleState;
  reason: string;
  changed: boolean;
}

export function latencyStats(latencies: readonly number[]): LatencyStats {
  if (latencies.length === 0) return { avgMs: null, stdDevMs: null, maxMs: null, samples: 0 };
  const avg = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  const variance = latencies.reduce((a, b) => a + (b - avg) ** 2, 0) / latencies.length;
  return {
    avgMs: Math.round(avg),
    stdDevMs: Math.round(Math.sqrt(variance)),
    maxMs: Math.max(...latencies),
    samples: latencies.length,
  };
}

export const INITIAL_RULE_STATE: RuleState = {
  status: 'unknown',
  failStreak: 0,
  okStreak: 0,
  registrationRefused: null,
};

/** Up or degraded, for a connection that answers. */
function answeringState(
  obs: Observation,
  ctx: RuleContext,
  t: HealthThresholds,
): { status: HealthStatus; reason: string } {
  const { avgMs, samples } = ctx.latency;
  if (avgMs !== null && avgMs > t.degradedLatencyMs) {
    return {
      status: 'degraded',
      reason: `slow: ${avgMs} ms on average over the last ${samples} ${samples === 1 ? 'check' : 'checks'} (limit ${t.degradedLatencyMs} ms)`,
    };
  }
  const { attempts, answered } = ctx.calls;
  if (attempts >= t.answerRateMinCalls) {
    const pct = Math.round((answered / attempts) * 100);
    if (pct < t.degradedAnswerRatePct) {
      return {
        status: 'degraded',
        reason: `only ${pct}% of the last ${attempts} calls were answered (limit ${t.degradedAnswerRatePct}%)`,
      };
    }
  }
  return { status: 'up', reason: obs.ok ? obs.reason : 'answering' };
}

export function applyObservation(
  prev: RuleState,
  obs: Observation,
  ctx: RuleContext,
  t: HealthThresholds,
): RuleResult {
  if (obs.unmeasurable) {
    const next = { ...prev, status: 'unknown' as const, failStreak: 0, okStreak: 0 };
    return { next, reason: obs.reason, changed: prev.status !== 'unknown' };
  }
  let registrationRefused = prev.registrationRefused;
  const clearedRefusal = obs.registered === true && registrationRefused !== null;
  if (obs.refused) registrationRefused = obs.reason;
  if (obs.registered) registrationRefused = null;
  const failStreak = obs.ok ? 0 : prev.failStreak + 1;
  const okStreak = obs.ok ? prev.okStreak + 1 : 0;

  let status: HealthStatus;
  let reason: string;
  if (registrationRefused !== null) {
    status = 'down';
    reason = registrationRefused;
  } else if (!obs.ok) {
    if (failStreak >= t.failuresBeforeDown) {
      status = 'down';
      reason = obs.reason;
    } else {
      status = prev.status === 'down' ? 'down' : prev.status;
      reason =
        prev.status === 'down'
          ? obs.reason
          : `${obs.reason} (${failStreak} of ${t.failuresBeforeDown} failures before down)`;
    }
  } else if (prev.status === 'down' && !clearedRefusal && okStreak < t.successesBeforeUp) {
    status = 'down';
    reason = `answering again (${okStreak} of ${t.successesBeforeUp} before up): ${obs.reason}`;
  } else {
    ({ status, reason } = answeringState(obs, ctx, t));
  }
  const next: RuleState = { status, failStreak, okStreak, registrationRefused };
  return { next, reason, changed: status !== prev.status };
}
