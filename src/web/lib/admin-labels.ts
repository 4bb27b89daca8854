/** Words the admin console shows for domain values (only the admin chunk imports this file). */
import type { UserRole, UserStatus } from '../../shared/domain.js';

export const USER_ROLE_TEXT: Record<UserRole, string> = { admin: 'Administrator', agent: 'Agent' };

export const USER_STATUS_TEXT: Record<UserStatus, string> = {
  active: 'Active',
  inactive: 'Inactive',
  suspended: 'Suspended',
};
