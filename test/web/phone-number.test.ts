import { describe, expect, it } from 'vitest';
import { cleanPastedNumber, formatE164, parseDestination } from '../../src/web/lib/phone-number.js';

describe('parseDestination', () => {
  it('normalises a national US number to E.164 with the default country', () => {
    expect(parseDestination('(312) 555-0142', 'US')).toEqual({
      kind: 'valid',
      e164: '+13125550142',
      formatted: '+1 312 555 0142',
      country: 'US',
    });
  });

  it('keeps an international number whatever the default country', () => {
    const d = parseDestination('+44 20 7946 0958', 'US');
    expect(d).toMatchObject({ kind: 'valid', e164: '+442079460958', country: 'GB' });
  });

  it('uses the default country of the user', () => {
    expect(parseDestination('020 7946 0958', 'GB')).toMatchObject({ kind: 'valid', e164: '+442079460958' });
  });

  it('asks for a number when the field is empty', () => {
    expect(parseDestination('   ', 'US')).toEqual({ kind: 'empty', message: 'Enter the number to call.' });
  });

  it('calls a partial number incomplete (too short), naming the country', () => {
    expect(parseDestination('312555', 'US')).toEqual({
      kind: 'incomplete',
      message: 'Too short for a number in United States (+1).',
    });
  });

  it('flags a number that is too long', () => {
    expect(parseDestination('31255501421', 'US')).toMatchObject({
      kind: 'invalid',
      message: 'Too long for a number in United States (+1).',
    });
  });

  it('flags a number of the right length that does not exist in the plan', () => {
    expect(parseDestination('5551234567', 'US')).toMatchObject({
      kind: 'invalid',
      message: 'Not a valid number in United States (+1).',
    });
  });

  it('flags letters', () => {
    expect(parseDestination('call me', 'US').kind).toBe('invalid');
    expect(parseDestination('31255abc', 'US')).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('digits only'),
    });
  });

  it('explains that * and # are tones, not part of the number', () => {
    expect(parseDestination('*67', 'US')).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('tones'),
    });
  });

  it('flags an unknown country code', () => {
    expect(parseDestination('+999 123 456', 'US')).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('Unknown country code'),
    });
  });

  it('treats a lone + as a number still being typed', () => {
    expect(parseDestination('+', 'US').kind).toBe('empty');
    expect(parseDestination('+4', 'US').kind).toBe('incomplete');
  });

  it('rejects a + in the middle', () => {
    expect(parseDestination('312+5550142', 'US')).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('+ can only come first'),
    });
  });
});

describe('cleanPastedNumber', () => {
  it('turns tel: URIs and formatted numbers into dialable digits', () => {
    expect(cleanPastedNumber('tel:+1-312-555-0100')).toBe('+13125550100');
    expect(cleanPastedNumber(' +1 (312) 555-0100 ')).toBe('+13125550100');
    expect(cleanPastedNumber('312.555.0100')).toBe('3125550100');
    expect(cleanPastedNumber('tel:+13125550100;ext=12')).toBe('+13125550100');
  });
});

describe('formatE164', () => {
  it('formats E.164 for people and leaves garbage alone', () => {
    expect(formatE164('+13125550100')).toBe('+1 312 555 0100');
    expect(formatE164('nonsense')).toBe('nonsense');
  });
});
