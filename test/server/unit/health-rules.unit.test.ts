/**
 * The health state rules (health-rules.ts), observation by observation: failures before down, successes
 * before up, degraded by latency or by the answer rate of real calls, a refused registration that keeps a
 * connection down until a registration succeeds, unmeasurable connections, and the latency statistics.
 */
import { describe, expect, it } from 'vitest';
import {
  applyObservation,
  INITIAL_RULE_STATE,
  latencyStats,
  type Observation,
  type RuleContext,
  type RuleState,
} from '../../../src/server/services/health/health-rules.js';
import type { HealthThresholds } from '../../../src/shared/health.js';

const T: HealthThresholds = {
  failuresBeforeDown: 3,
  successesBeforeUp: 2,
  probeTimeoutMs: 2_000,
  degradedLatencyMs: 500,
  latencyWindow: 5,
  degradedAnswerRatePct: 50,
  answerRateMinCalls: 4,
} as HealthThresholds;

const QUIET: RuleContext = { latency: latencyStats([20]), calls: { attempts: 0, answered: 0 } };
const ok = (reason = 'OPTIONS answered 200 OK in 20 ms'): Observation => ({
  ok: true,
  latencyMs: 20,
  reason,
  source: 'probe',
});
const fail = (reason = 'no answer to OPTIONS in 2 s'): Observation => ({
  ok: false,
  latencyMs: null,
  reason,
  source: 'probe',
});

/** Applies observations one after another; the results in order. */
function run(start: RuleState, observations: Observation[], ctx: RuleContext = QUIET) {
  const results = [];
  let state = start;
  for (const o of observations) {
    const r = applyObservation(state, o, ctx, T);
    results.push(r);
    state = r.next;
  }
  return results;
}

describe('health rules', () => {
  it('is up from the first answer, and counts answers and failures in a row', () => {
    const [first] = run(INITIAL_RULE_STATE, [ok()]);
    expect(first).toEqual({
      next: { status: 'up', failStreak: 0, okStreak: 1, registrationRefused: null },
      reason: 'OPTIONS answered 200 OK in 20 ms',
      changed: true,
    });
  });

  it('goes down only after the set number of failures in a row, saying how many so far', () => {
    const up = run(INITIAL_RULE_STATE, [ok()])[0]!.next;
    const results = run(up, [fail(), fail(), fail()]);
    expect(results.map((r) => [r.next.status, r.changed, r.next.failStreak])).toEqual([
      ['up', false, 1],
      ['up', false, 2],
      ['down', true, 3],
    ]);
    expect(results[0]!.reason).toBe('no answer to OPTIONS in 2 s (1 of 3 failures before down)');
    expect(results[2]!.reason).toBe('no answer to OPTIONS in 2 s');
    // An answer in between starts the count again.
    const again = run(up, [fail(), fail(), ok(), fail(), fail()]);
    expect(again.map((r) => r.next.status)).toEqual(['up', 'up', 'up', 'up', 'up']);
  });

  it('stays unknown through failures below the threshold, then down', () => {
    const results = run(INITIAL_RULE_STATE, [fail(), fail(), fail()]);
    expect(results.map((r) => r.next.status)).toEqual(['unknown', 'unknown', 'down']);
  });

  it('comes back up only after the set number of answers in a row, saying how many so far', () => {
    const down = run(INITIAL_RULE_STATE, [fail(), fail(), fail()]).at(-1)!.next;
    const results = run(down, [ok(), fail(), ok(), ok()]);
    expect(results.map((r) => [r.next.status, r.next.okStreak])).toEqual([
      ['down', 1],
      ['down', 0],
      ['down', 1],
      ['up', 2],
    ]);
    expect(results[0]!.reason).toBe('answering again (1 of 2 before up): OPTIONS answered 200 OK in 20 ms');
    expect(results[1]!.reason).toBe('no answer to OPTIONS in 2 s'); // already down: no count shown
    expect(results[3]!.changed).toBe(true);
  });

  it('lets only a cleared refusal skip the answers in a row: a registration on a connection down for failures waits', () => {
    const down = run(INITIAL_RULE_STATE, [fail(), fail(), fail()]).at(-1)!.next;
    const [registered] = run(down, [{ ...ok('registered'), source: 'registration', registered: true }]);
    expect(registered!.next.status).toBe('down');
    expect(registered!.reason).toBe('answering again (1 of 2 before up): registered');
  });

  it('is degraded while the average latency is over the limit, and says by how much', () => {
    const slow: RuleContext = { latency: latencyStats([400, 700]), calls: { attempts: 0, answered: 0 } };
    const [r] = run(INITIAL_RULE_STATE, [ok()], slow);
    expect(r!.next.status).toBe('degraded');
    expect(r!.reason).toBe('slow: 550 ms on average over the last 2 checks (limit 500 ms)');
    const one: RuleContext = { latency: latencyStats([900]), calls: { attempts: 0, answered: 0 } };
    expect(run(INITIAL_RULE_STATE, [ok()], one)[0]!.reason).toBe(
      'slow: 900 ms on average over the last 1 check (limit 500 ms)',
    );
    const atLimit: RuleContext = { latency: latencyStats([500]), calls: { attempts: 0, answered: 0 } };
    expect(run(INITIAL_RULE_STATE, [ok()], atLimit)[0]!.next.status).toBe('up');
  });

  it('is degraded when too few real calls were answered, once there are enough calls to judge', () => {
    const ctx = (attempts: number, answered: number): RuleContext => ({
      latency: latencyStats([20]),
      calls: { attempts, answered },
    });
    const [poor] = run(INITIAL_RULE_STATE, [ok()], ctx(4, 1));
    expect(poor!.next.status).toBe('degraded');
    expect(poor!.reason).toBe('only 25% of the last 4 calls were answered (limit 50%)');
    expect(run(INITIAL_RULE_STATE, [ok()], ctx(3, 0))[0]!.next.status).toBe('up'); // too few to judge
    expect(run(INITIAL_RULE_STATE, [ok()], ctx(4, 2))[0]!.next.status).toBe('up'); // 50% is the limit
  });

  it('keeps a connection whose registration was refused down until a registration succeeds', () => {
    const refused = run(INITIAL_RULE_STATE, [
      {
        ...ok(),
        ok: false,
        refused: true,
        reason: 'registration refused: 403 Forbidden',
        source: 'registration',
      },
    ])[0]!;
    expect(refused.next).toMatchObject({
      status: 'down',
      registrationRefused: 'registration refused: 403 Forbidden',
    });
    // OPTIONS answers do not heal a wrong password.
    const answers = run(refused.next, [ok(), ok(), ok()]);
    expect(answers.map((r) => [r.next.status, r.reason])).toEqual([
      ['down', 'registration refused: 403 Forbidden'],
      ['down', 'registration refused: 403 Forbidden'],
      ['down', 'registration refused: 403 Forbidden'],
    ]);
    // A successful registration clears it at once, without waiting for answers in a row.
    const healed = run(refused.next, [{ ...ok('registered'), registered: true }])[0]!;
    expect(healed.next).toMatchObject({ status: 'up', registrationRefused: null });
    expect(healed.reason).toBe('registered');
    expect(healed.changed).toBe(true);
  });

  it('takes an answer’s own words when up, and counts a failure even when a registration clears a refusal', () => {
    const up = run(INITIAL_RULE_STATE, [ok()])[0]!.next;
    const cleared = applyObservation(
      { ...up, registrationRefused: null },
      { ...fail('a failed call'), ok: true },
      QUIET,
      T,
    );
    expect(cleared.reason).toBe('a failed call');
    const registeredAfterFailures = applyObservation(
      { status: 'down', failStreak: 3, okStreak: 0, registrationRefused: 'refused' },
      { ok: false, latencyMs: null, reason: 'x', source: 'registration', registered: true },
      QUIET,
      T,
    );
    // The refusal is cleared, but a failed observation still counts towards down.
    expect(registeredAfterFailures.next).toMatchObject({
      status: 'down',
      registrationRefused: null,
      failStreak: 4,
    });
  });

  it('makes an unmeasurable connection unknown and forgets its streaks', () => {
    const up = run(INITIAL_RULE_STATE, [ok(), ok()])[1]!.next;
    const r = applyObservation(
      up,
      {
        ok: false,
        latencyMs: null,
        reason: 'no address to probe',
        source: 'probe',
        unmeasurable: true,
      },
      QUIET,
      T,
    );
    expect(r).toEqual({
      next: { status: 'unknown', failStreak: 0, okStreak: 0, registrationRefused: null },
      reason: 'no address to probe',
      changed: true,
    });
    expect(applyObservation(r.next, { ...fail(), unmeasurable: true }, QUIET, T).changed).toBe(false);
  });
});

describe('latencyStats', () => {
  it('gives the rounded average and deviation, the maximum and the count; nothing without samples', () => {
    expect(latencyStats([])).toEqual({ avgMs: null, stdDevMs: null, maxMs: null, samples: 0 });
    expect(latencyStats([10, 20, 31])).toEqual({ avgMs: 20, stdDevMs: 9, maxMs: 31, samples: 3 });
    expect(latencyStats([7])).toEqual({ avgMs: 7, stdDevMs: 0, maxMs: 7, samples: 1 });
  });
});
