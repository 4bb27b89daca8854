/** Words the admin console shows for domain values (only the admin chunk imports this file). */
import type { UserRole, UserStatus } from '../../shared/domain.js';
import type { DriftKind, SyncRunStatus } from '../../shared/telnyx.js';

export const USER_ROLE_TEXT: Record<UserRole, string> = { admin: 'Administrator', agent: 'Agent' };

export const USER_STATUS_TEXT: Record<UserStatus, string> = {
  active: 'Active',
  inactive: 'Inactive',
  suspended: 'Suspended',
};

export const SYNC_STATUS_TEXT: Record<SyncRunStatus, string> = {
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  interrupted: 'Interrupted',
};

/** Each kind of drift: a short title and what it means for calls. */
export const DRIFT_TEXT: Record<DriftKind, { title: string; meaning: string }> = {
  number_on_other_connection: {
    title: 'Number on another connection at Telnyx',
    meaning:
      'Telnyx routes the number to a different connection than the one it is assigned to here: ' +
      'incoming calls ring there. Push the assignment to Telnyx, or reassign it here.',
  },
  number_unassigned_at_telnyx: {
    title: 'Number not routed at Telnyx',
    meaning:
      'The number is assigned to a Telnyx connection here but has no connection at Telnyx: incoming ' +
      'calls to it fail. Push the assignment to Telnyx.',
  },
  number_only_local: {
    title: 'Number not at Telnyx',
    meaning:
      'The number is assigned to a Telnyx connection here but Telnyx does not have it (never had, or ' +
      'released): calls from it as caller ID may be refused. Check the number at Telnyx or unassign it.',
  },
  connection_inactive_at_telnyx: {
    title: 'Connection inactive at Telnyx',
    meaning:
      'The connection is active here but inactive at Telnyx: agents cannot register or call through it. ' +
      'Activate it at Telnyx or set it inactive here.',
  },
  connection_missing_at_telnyx: {
    title: 'Connection gone from Telnyx',
    meaning:
      'The connection no longer exists at Telnyx: agents cannot use it. Delete it here or link it to ' +
      'another Telnyx connection.',
  },
};

export const AUDIT_ENTITY_TEXT: Record<string, string> = {
  user: 'User',
  trunk: 'Connection',
  phone_number: 'Phone number',
  assignment: 'Assignment',
  trunk_phone_number: 'Assignment (Telnyx push)',
};

export const AUDIT_ACTION_TEXT: Record<string, string> = {
  'user.create': 'User created',
  'user.update': 'User changed',
  'user.delete': 'User deleted',
  'trunk.create': 'Connection created',
  'trunk.update': 'Connection changed',
  'trunk.delete': 'Connection deleted',
  'phone_number.create': 'Number created',
  'phone_number.update': 'Number changed',
  'phone_number.delete': 'Number deleted',
  'assignment.create': 'Number assigned',
  'assignment.update': 'Assignment changed',
  'assignment.delete': 'Assignment removed',
  'assignment.push_telnyx': 'Assignment pushed to Telnyx',
  'connection.registration': 'Credentials handed to the phone',
  'auth.login_throttled': 'Logins throttled',
};

/** An entry's details as "key: value" lines (lists joined, objects as compact JSON). */
export function auditDetails(details: Record<string, unknown>): { key: string; value: string }[] {
  return Object.entries(details).map(([key, value]) => ({
    key,
    value: Array.isArray(value)
      ? value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ')
      : value !== null && typeof value === 'object'
        ? JSON.stringify(value)
        : String(value),
  }));
}
