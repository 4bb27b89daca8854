import { describe, expect, it } from 'vitest';
import {
  isKnownCountry,
  normalisePhoneNumber,
  parsePhoneNumber,
  toE164,
} from '../../src/shared/phone-number.js';

describe('shared phone-number parsing', () => {
  it('normalises national and international formats to E.164', () => {
    for (const input of [
      '(312) 555-0100',
      '312.555.0100',
      '+1 312 555 0100',
      'tel:+13125550100',
      ' 3125550100 ',
    ]) {
      expect(toE164(input, 'US'), input).toBe('+13125550100');
    }
    expect(toE164('020 7946 0958', 'GB')).toBe('+442079460958');
    expect(toE164('+44 20 7946 0958', 'US')).toBe('+442079460958');
  });

  it('tells the country, area code and type', () => {
    expect(parsePhoneNumber('+13125550100', 'US')).toMatchObject({
      ok: true,
      country: 'US',
      areaCode: '312',
      numberType: 'local',
    });
    expect(parsePhoneNumber('+1 800 555 0199', 'US')).toMatchObject({ ok: true, numberType: 'toll_free' });
    expect(parsePhoneNumber('+442079460958', 'US')).toMatchObject({
      ok: true,
      country: 'GB',
      areaCode: '20',
    });
  });

  it('refuses what is not a dialable number, saying why', () => {
    const cases: [string, RegExp][] = [
      ['', /Enter a phone number/],
      ['12345', /not a valid phone number/],
      ['call me', /use digits/],
      ['3125550100x', /use digits/],
      ['31+25550100', /use digits/],
      ['+999123', /country code is not known/],
    ];
    for (const [input, message] of cases) {
      const r = parsePhoneNumber(input, 'US');
      expect(r.ok, input).toBe(false);
      if (!r.ok) expect(r.message).toMatch(message);
    }
  });

  it('normalises (the CSV import) with the same rules and messages as the full parse', () => {
    for (const input of [
      '(312) 555-0100',
      '+44 20 7946 0958',
      '',
      '12345',
      'call me',
      '31+25550100',
      '+999123',
    ]) {
      const full = parsePhoneNumber(input, 'US');
      const short = normalisePhoneNumber(input, 'US');
      expect(short, input).toEqual(
        full.ok ? { ok: true, e164: full.e164 } : { ok: false, message: full.message },
      );
    }
  });

  it('knows ISO country codes', () => {
    expect(isKnownCountry('US')).toBe(true);
    expect(isKnownCountry('XX')).toBe(false);
  });
});
