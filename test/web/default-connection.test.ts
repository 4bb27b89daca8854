import { describe, expect, it } from 'vitest';
import type { HealthStatus } from '../../src/shared/domain.js';
import { defaultConnection } from '../../src/web/lib/default-connection.js';
import { aConnection, aNumber } from './factories.js';

const withHealth = (id: string, status: HealthStatus, numbers = 1) =>
  aConnection(id, {
    health: { status, checkedAt: null, latencyMs: null, message: null },
    numbers: Array.from({ length: numbers }, (_, i) => aNumber(`+1312555${id.length}${i}00`, 'primary')),
  });

describe('defaultConnection', () => {
  it('is the first connection when all are healthy and have numbers', () => {
    expect(defaultConnection([withHealth('a', 'up'), withHealth('b', 'up')])?.id).toBe('a');
  });

  it('skips a first connection without numbers (no caller ID, so it cannot call)', () => {
    expect(defaultConnection([withHealth('a', 'up', 0), withHealth('b', 'unknown')])?.id).toBe('b');
  });

  it('never picks a down connection while a healthy one with numbers exists', () => {
    expect(defaultConnection([withHealth('a', 'down'), withHealth('b', 'up')])?.id).toBe('b');
    expect(defaultConnection([withHealth('a', 'down'), withHealth('b', 'degraded')])?.id).toBe('b');
  });

  it('prefers up, then degraded, then unknown, then down', () => {
    const list = [withHealth('d', 'down'), withHealth('u', 'unknown'), withHealth('g', 'degraded')];
    expect(defaultConnection(list)?.id).toBe('g');
    expect(defaultConnection([...list, withHealth('up', 'up')])?.id).toBe('up');
    expect(defaultConnection([withHealth('d', 'down'), withHealth('u', 'unknown')])?.id).toBe('u');
  });

  it('still picks something when nothing can call (the page then says why)', () => {
    expect(defaultConnection([withHealth('a', 'down', 0), withHealth('b', 'up', 0)])?.id).toBe('b');
    expect(defaultConnection([])).toBeNull();
  });
});
