/**
 * What a SIP-lab test file does when Kamailio, rtpengine, SIPp or Chromium is missing: in CI it fails,
 * whatever SIP_LAB_OPTIONAL says (a skipped real-peer test would let CI go green without calling anyone);
 * elsewhere it fails with the install hint unless SIP_LAB_OPTIONAL=1 asks to skip.
 */
import { describe, expect, it, vi } from 'vitest';
import { skipWithoutLabTools } from './sip-lab.js';

describe('missing SIP lab tools', () => {
  it('runs the tests when nothing is missing, in CI or not', () => {
    expect(skipWithoutLabTools([], { CI: 'true' })).toBe(false);
    expect(skipWithoutLabTools([], {})).toBe(false);
  });

  it('fails the run in CI even when SIP_LAB_OPTIONAL=1', () => {
    expect(() => skipWithoutLabTools(['sipp'], { CI: 'true', SIP_LAB_OPTIONAL: '1' })).toThrow(
      /SIP lab tools missing: sipp.*install-lab-deps\.sh.*CI=true/,
    );
    expect(() => skipWithoutLabTools(['kamailio'], { CI: '1' })).toThrow(/CI=true/);
  });

  it('fails with the install hint outside CI, and skips with a warning only when asked to', () => {
    expect(() => skipWithoutLabTools(['rtpengine'], {})).toThrow(/rtpengine.*SIP_LAB_OPTIONAL=1/);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(skipWithoutLabTools(['rtpengine'], { SIP_LAB_OPTIONAL: '1' })).toBe(true);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/rtpengine.*skipping/));
    } finally {
      warn.mockRestore();
    }
  });
});
