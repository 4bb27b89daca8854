import { describe, expect, it } from 'vitest';
import {
  calledNumber,
  callerOfInvite,
  causeFromJsSip,
  registrationFailureText,
  sipDomain,
  toE164ish,
} from '../../src/phone/adapters/jssip-mapping.js';
import { verificationOfHeaders } from '../../src/phone/phone-helpers.js';

describe('jssip mapping', () => {
  it('takes the domain of a SIP URI', () => {
    expect(sipDomain('sip:alice@dialer.test')).toBe('dialer.test');
    expect(sipDomain('sips:bob@sip.example.com:5061;transport=ws')).toBe('sip.example.com:5061');
    expect(() => sipDomain('alice@dialer.test')).toThrow(/invalid SIP URI/);
  });

  it('turns numeric SIP users into E.164 and leaves names alone', () => {
    expect(toE164ish('15551230001')).toBe('+15551230001');
    expect(toE164ish('+15551230001')).toBe('+15551230001');
    expect(toE164ish('alice')).toBe('alice');
    expect(toE164ish('1001')).toBe('1001'); // an extension, not a phone number
  });

  it('reads the caller of an INVITE: P-Asserted-Identity, a numeric display name, else the From user', () => {
    expect(callerOfInvite('<sip:+13125550100@carrier.test>', 'Reception', 'anonymous')).toEqual({
      number: '+13125550100',
      name: 'Reception',
    });
    expect(callerOfInvite(undefined, ' 13125550100 ', 'trunk-user')).toEqual({
      number: '+13125550100',
      name: null,
    });
    expect(callerOfInvite('', 'Bob', 'bob')).toEqual({ number: 'bob', name: 'Bob' });
  });

  it('finds the number that was called in the R-URI, else the To user', () => {
    expect(calledNumber('16175550150', 'alice')).toBe('+16175550150');
    expect(calledNumber('alice-contact', '+16175550150')).toBe('+16175550150');
    expect(calledNumber('alice', 'bob')).toBeNull();
  });

  it.each([
    ['Busy', 'busy'],
    ['Rejected', 'rejected'],
    ['Canceled', 'cancelled'],
    ['No Answer', 'no_answer'],
    ['Connection Error', 'network'],
    ['RTP Timeout', 'network'],
    ['Not Found', 'failed'],
  ] as const)('JsSIP cause %s is %s', (jssip, ours) => {
    expect(causeFromJsSip(jssip)).toBe(ours);
  });

  it('explains registration failures plainly (the SIP code travels beside the words, for admins)', () => {
    expect(registrationFailureText('Authentication Error', 401)).toBe('Wrong SIP user name or password.');
    expect(registrationFailureText('Rejected', 403)).toBe('Wrong SIP user name or password.');
    expect(registrationFailureText('Not Found', 404)).toBe('The SIP user does not exist on this server.');
    expect(registrationFailureText('Request Timeout', null)).toMatch(/did not answer/);
  });
});

describe('STIR/SHAKEN verstat', () => {
  it('reads verified / not verified / failed from P-Asserted-Identity, else From', () => {
    expect(
      verificationOfHeaders('<sip:+13125550100@carrier.test;user=phone;verstat=TN-Validation-Passed>'),
    ).toBe('verified');
    expect(verificationOfHeaders('<tel:+13125550100;verstat=TN-Validation-Passed-A>')).toBe('verified');
    expect(
      verificationOfHeaders(undefined, '"X" <sip:+1312@c.test;verstat=TN-Validation-Failed>;tag=1'),
    ).toBe('failed');
    expect(verificationOfHeaders('<sip:+13125550100@c.test;verstat=No-TN-Validation>')).toBe('not_verified');
    expect(verificationOfHeaders('<sip:+13125550100@c.test>', '<sip:alice@c.test>;tag=9')).toBeNull();
    expect(verificationOfHeaders('<sip:+1@c.test;verstat=Something-Else>')).toBeNull();
  });
});
