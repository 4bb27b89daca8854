/**
 * Failover's choices: which failures are the trunk's (shared/health.ts) and where the call is retried
 * (lib/failover.ts): the next healthy connection with a caller ID of its own, its own first number.
 */
import { describe, expect, it } from 'vitest';
import type { HealthStatus } from '../../src/shared/domain.js';
import { trunkFailureReason } from '../../src/shared/health.js';
import { nextFailoverTarget } from '../../src/web/lib/failover.js';
import { aConnection, aNumber } from './factories.js';

const health = (status: HealthStatus) => ({ status, checkedAt: null, latencyMs: null, message: null });

describe('trunkFailureReason', () => {
  const failed = (sipCode: number | null, hangupCause: string | null = null) =>
    trunkFailureReason({ outcome: 'failed', sipCode, hangupCause });

  it('blames the trunk for 5xx, a transport error and a 408 before any ringing', () => {
    expect(failed(503)).toBe('a call was refused by the trunk (503)');
    expect(failed(500)).toBe('a call was refused by the trunk (500)');
    expect(failed(null, 'Network problem')).toBe('a call could not reach the trunk (transport error)');
    expect(trunkFailureReason({ outcome: 'no_answer', sipCode: 408, hangupCause: 'No answer (408)' })).toBe(
      'a call got no answer from the proxy (408)',
    );
  });

  it('does not blame it for the callee: busy, declined, no answer after ringing, a cancel, an answer', () => {
    expect(trunkFailureReason({ outcome: 'busy', sipCode: 486, hangupCause: 'Busy (486)' })).toBeNull();
    expect(trunkFailureReason({ outcome: 'rejected', sipCode: 603, hangupCause: null })).toBeNull();
    expect(
      trunkFailureReason({
        outcome: 'no_answer',
        sipCode: 408,
        hangupCause: null,
        progressAt: '2026-01-01T00:00:01.000Z',
      }),
    ).toBeNull();
    expect(trunkFailureReason({ outcome: 'cancelled', sipCode: 487, hangupCause: null })).toBeNull();
    expect(trunkFailureReason({ outcome: 'answered', sipCode: 503, hangupCause: null })).toBeNull();
    expect(failed(404)).toBeNull();
  });
});

describe('nextFailoverTarget', () => {
  const a = aConnection('a', { numbers: [aNumber('+13125550100', 'primary')] });
  const downB = aConnection('b', { health: health('down'), numbers: [aNumber('+13125550200', 'primary')] });
  const noNumbersC = aConnection('c', { numbers: [] });
  const d = aConnection('d', {
    health: health('degraded'),
    numbers: [aNumber('+13125550401', 'primary'), aNumber('+13125550402', 'backup')],
  });
  const e = aConnection('e', { numbers: [aNumber('+13125550500', 'primary')] });

  it('takes the next healthy connection with a caller ID, and that connection’s own first number', () => {
    const target = nextFailoverTarget([a, downB, noNumbersC, d, e], 'a');
    expect(target?.connection.id).toBe('d');
    expect(target?.callerId.number).toBe('+13125550401');
  });

  it('wraps round the list and skips connections already tried', () => {
    expect(nextFailoverTarget([a, downB, d, e], 'e')?.connection.id).toBe('a');
    expect(nextFailoverTarget([a, downB, d, e], 'a', new Set(['a', 'd']))?.connection.id).toBe('e');
  });

  it('offers nothing when no other connection is healthy with a caller ID', () => {
    const unknown = aConnection('u', {
      health: health('unknown'),
      numbers: [aNumber('+13125550600', 'primary')],
    });
    expect(nextFailoverTarget([a, downB, noNumbersC, unknown], 'a')).toBeNull();
    expect(nextFailoverTarget([a], 'a')).toBeNull();
    expect(nextFailoverTarget([], 'a')).toBeNull();
  });
});
