/**
 * Admin management of users. Passwords are hashed here (services.hasher) and never returned. An admin
 * cannot delete, deactivate or demote themselves (so a team cannot lock itself out by accident), a user
 * who still owns trunks is not deleted (that would silently delete the trunks too), and neither is one
 * the call history refers to (deactivate them instead).
 */
import type { UserDto } from '../../shared/api.js';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { isKnownCountry } from '../../shared/phone-number.js';
import type { CreateUserRequest, UpdateUserRequest } from '../../shared/schemas/admin.js';
import type { UserRow, UserUpdate } from '../db/schema.js';
import type { Repositories, UnitOfWork } from '../repositories/index.js';
import type { PasswordHasher } from '../repositories/password-hasher.js';
import type { UserFilters } from '../repositories/user-repository.js';

import { AdminReads } from './admin-reads.js';
import { adminAudit, refuseDeleteWithHistory, type ActorId } from './admin-rules.js';
import { toUserDto } from './user-mapper.js';

export class UserAdminService extends AdminReads<UserFilters, UserRow, UserDto> {
  constructor(
    repos: Pick<Repositories, 'users'>,
    private readonly transaction: UnitOfWork,
    private readonly hasher: PasswordHasher,
    private readonly defaultCountry: string,
  ) {
    super(repos.users, 'User', toUserDto);
  }

  async create(input: CreateUserRequest, actorId: ActorId): Promise<UserDto> {
    const country = input.defaultCountry ?? this.defaultCountry;
    this.checkCountry(country);
    const passwordHash = await this.hasher.hash(input.password);
    return this.transaction.run(async ({ users, audit }) => {
      if (await users.findByEmail(input.email))
        throw new ConflictError('A user with this email already exists.');
      const row = await users.create({
        email: input.email.trim(),
        name: input.name,
        passwordHash,
        role: input.role ?? 'agent',
        status: input.status ?? 'active',
        defaultCountry: country,
      });
      await audit.record(
        adminAudit(actorId, 'user', 'create', row.id, {
          email: row.email,
          role: row.role,
          status: row.status,
        }),
      );
      return toUserDto(row);
    });
  }

  async update(id: string, input: UpdateUserRequest, actorId: ActorId): Promise<UserDto> {
    if (input.defaultCountry !== undefined) this.checkCountry(input.defaultCountry);
    if (id === actorId) {
      if (input.role !== undefined && input.role !== 'admin') {
        throw new ConflictError('You cannot remove your own administrator role; ask another administrator.');
      }
      if (input.status !== undefined && input.status !== 'active') {
        throw new ConflictError('You cannot deactivate your own account; ask another administrator.');
      }
    }
    const passwordHash = input.password !== undefined ? await this.hasher.hash(input.password) : undefined;
    return this.transaction.run(async ({ users, sessions, audit }) => {
      const current = await users.findById(id);
      if (!current) throw new NotFoundError('User');
      const losesAdmin =
        (input.role !== undefined && input.role !== 'admin') ||
        (input.status !== undefined && input.status !== 'active');
      if (losesAdmin) await this.keepOneAdmin(users, current, 'demote or deactivate');
      const patch: UserUpdate = {};
      const changed: string[] = [];
      if (input.email !== undefined && input.email.trim().toLowerCase() !== current.email) {
        const other = await users.findByEmail(input.email);
        if (other && other.id !== id) throw new ConflictError('A user with this email already exists.');
        patch.email = input.email.trim().toLowerCase();
        changed.push('email');
      }
      const set = <K extends keyof UserUpdate>(
        field: string,
        column: K,
        value: UserUpdate[K] | undefined,
      ) => {
        if (value === undefined) return;
        patch[column] = value;
        changed.push(field);
      };
      set('name', 'name', input.name);
      set('role', 'role', input.role);
      set('status', 'status', input.status);
      set('defaultCountry', 'default_country', input.defaultCountry);
      set('password', 'password_hash', passwordHash);
      if (changed.length === 0) return toUserDto(current);
      const row = await users.update(id, patch);
      if (!row) throw new NotFoundError('User');
      // A new password or a deactivated account ends the user's open sessions.
      if (passwordHash !== undefined || (input.status !== undefined && input.status !== 'active')) {
        await sessions.deleteForUser(id);
      }
      await audit.record(adminAudit(actorId, 'user', 'update', id, { email: row.email, changed }));
      return toUserDto(row);
    });
  }

  async delete(id: string, actorId: ActorId): Promise<void> {
    if (id === actorId)
      throw new ConflictError('You cannot delete your own account; ask another administrator.');
    await this.transaction.run(async (repos) => {
      const { users, trunks: trunkRepo, audit } = repos;
      const current = await users.findById(id);
      if (!current) throw new NotFoundError('User');
      await this.keepOneAdmin(users, current, 'delete');
      await refuseDeleteWithHistory(
        repos,
        'user_id',
        id,
        current.email,
        'deactivate the account instead (status inactive: they can no longer sign in)',
      );
      const trunks = await trunkRepo.countForOwner(id);
      if (trunks > 0) {
        throw new ConflictError(
          `${current.email} still owns ${trunks} trunk${trunks === 1 ? '' : 's'}; move them to another user or delete them first.`,
        );
      }
      await users.delete(id);
      await audit.record({
        actorId,
        action: 'user.delete',
        entityType: 'user',
        entityId: id,
        details: { email: current.email },
      });
    });
  }

  /** Sets a new password chosen by an admin; the user's open sessions end (audited, never the password). */
  async resetPassword(id: string, password: string, actorId: ActorId): Promise<void> {
    const passwordHash = await this.hasher.hash(password);
    await this.transaction.run(async ({ users, sessions, audit }) => {
      const row = await users.update(id, { password_hash: passwordHash });
      if (!row) throw new NotFoundError('User');
      await sessions.deleteForUser(id);
      await audit.record({
        actorId,
        action: 'user.password_reset',
        entityType: 'user',
        entityId: id,
        details: { email: row.email, sessionsEnded: true },
      });
    });
  }

  /**
   * The team keeps at least one active admin: demoting, deactivating or deleting the last one is a 409
   * (nobody could manage the team any more). Checked inside the writing transaction.
   */
  private async keepOneAdmin(
    users: Pick<Repositories['users'], 'countActiveAdmins'>,
    user: UserRow,
    what: string,
  ): Promise<void> {
    if (user.role !== 'admin' || user.status !== 'active') return;
    if ((await users.countActiveAdmins(user.id)) === 0) {
      throw new ConflictError(
        `${user.email} is the last active administrator; you cannot ${what} them. Make another user an active administrator first.`,
      );
    }
  }

  private checkCountry(country: string): void {
    if (!isKnownCountry(country)) {
      throw new ValidationError(
        `defaultCountry: "${country}" is not a known ISO 3166 country code such as US or GB.`,
        {
          field: 'defaultCountry',
        },
      );
    }
  }
}
