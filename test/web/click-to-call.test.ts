import { describe, expect, it } from 'vitest';
import { numberFromLink } from '../../src/web/lib/click-to-call.js';

describe('numberFromLink', () => {
  it('reads the number of tel: and sip: links the way the browser hands them over', () => {
    expect(numberFromLink('tel:+1-312-555-0100')).toBe('+13125550100');
    expect(numberFromLink('tel%3A%2B1%20(312)%20555-0100')).toBe('+13125550100');
    expect(numberFromLink('tel:+13125550100;ext=12')).toBe('+13125550100');
    expect(numberFromLink('sip:+13125550100@carrier.example;user=phone')).toBe('+13125550100');
    expect(numberFromLink('sips:3125550100@carrier.example')).toBe('3125550100');
    expect(numberFromLink('web+sip:+442071838750@x.example')).toBe('+442071838750');
    expect(numberFromLink('(312) 555-0100')).toBe('3125550100');
  });

  it('refuses links without a phone number', () => {
    expect(numberFromLink('sip:alice@example.com')).toBeNull();
    expect(numberFromLink('tel:')).toBeNull();
    expect(numberFromLink('javascript:alert(1)')).toBeNull();
    expect(numberFromLink('tel:12')).toBeNull();
  });
});
