import { describe, expect, it } from 'vitest';
import { registrationFailureText } from '../../src/web/lib/registration-text.js';

const unreachable = {
  status: 'failed' as const,
  reason: 'Cannot reach the phone server.',
  sipCode: null,
  detail: 'ws://127.0.0.1:5066, WebSocket close code 1006',
};
const refused = { status: 'failed' as const, reason: 'Wrong SIP user name or password.', sipCode: 403 };

describe('registrationFailureText', () => {
  it('tells an agent what happened and whom to ask, without addresses or codes', () => {
    const text = registrationFailureText(unreachable, 'agent');
    expect(text).toBe(
      'Cannot reach the phone server. Choose another connection, or ask your admin to check this one.',
    );
    expect(text).not.toMatch(/1006|ws:|WebSocket/);
    expect(registrationFailureText(refused, 'agent')).toBe(
      'Wrong SIP user name or password. Ask your admin to check this connection’s SIP user name and password.',
    );
    expect(registrationFailureText(refused, null)).not.toContain('403');
  });

  it('gives an admin the operator’s detail, in one sentence with no nested brackets', () => {
    expect(registrationFailureText(unreachable, 'admin')).toBe(
      'Cannot reach the phone server: ws://127.0.0.1:5066, WebSocket close code 1006.',
    );
    expect(registrationFailureText(refused, 'admin')).toBe('Wrong SIP user name or password: SIP 403.');
    expect(registrationFailureText({ ...refused, sipCode: null }, 'admin')).toBe(
      'Wrong SIP user name or password.',
    );
  });
});
