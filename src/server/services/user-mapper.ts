import type { UserDto } from '../../shared/api.js';
import type { UserRole, UserStatus } from '../../shared/domain.js';
import type { UserRow } from '../db/schema.js';

export function toUserDto(row: UserRow): UserDto {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as UserRole,
    status: row.status as UserStatus,
    defaultCountry: row.default_country,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
  };
}
