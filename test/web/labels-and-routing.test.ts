import { describe, expect, it } from 'vitest';
import { formatDuration, formatRelative, interruptionText, plural } from '../../src/web/lib/labels.js';
import { safeRedirect } from '../../src/web/lib/safe-redirect.js';

describe('safeRedirect', () => {
  it('returns to a page of this app after login, never to another site', () => {
    expect(safeRedirect('/history?direction=inbound')).toBe('/history?direction=inbound');
    expect(safeRedirect('//evil.example/phish')).toBe('/');
    expect(safeRedirect('https://evil.example')).toBe('/');
    expect(safeRedirect(undefined)).toBe('/');
    expect(safeRedirect(['/history'])).toBe('/');
  });
});

describe('labels', () => {
  it('formats durations as a phone does', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(5)).toBe('0:05');
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(3723)).toBe('1:02:03');
  });

  it('says how long ago a check was', () => {
    const now = Date.parse('2026-11-24T12:00:00Z');
    expect(formatRelative(null, now)).toBe('never');
    expect(formatRelative('2026-11-24T11:59:30Z', now)).toBe('just now');
    expect(formatRelative('2026-11-24T11:55:00Z', now)).toBe('5 min ago');
    expect(formatRelative('2026-11-24T09:00:00Z', now)).toBe('3 h ago');
  });

  it('says what network interruptions a call lived through', () => {
    const call = (interruptions: number, recoveredAfterMs: number | null, outcome = 'answered' as const) => ({
      outcome,
      interruptions,
      recoveredAfterMs,
    });
    expect(interruptionText(call(0, null))).toBeNull();
    expect(interruptionText(call(1, 2230))).toBe('Reconnected after 2.2\u00a0s');
    expect(interruptionText(call(1, null))).toBe('Interrupted, not recovered');
    expect(interruptionText({ ...call(1, null), outcome: 'in_progress' })).toBe('Reconnecting…');
    expect(interruptionText(call(3, 800))).toBe('Interrupted 3 times, last reconnected after 0.8\u00a0s');
    expect(interruptionText(call(2, null))).toBe('Interrupted 2 times, last not recovered');
  });

  it('pluralises counts', () => {
    expect(plural(1, 'connection')).toBe('1 connection');
    expect(plural(3, 'connection')).toBe('3 connections');
  });
});
