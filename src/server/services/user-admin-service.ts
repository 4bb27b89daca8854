/**
 * Admin management of users. Passwords are hashed here (services.hasher) and never returned. An admin
 * cannot delete, deactivate or demote themselves (so a team cannot lock itself out by accident), and a
 * user who still owns trunks is not deleted (that would silently delete the trunks too).
 */
import type { Page, UserDto } from '../../shared/api.js';
import type { CreateUserRequest, UpdateUserRequest } from '../../shared/admin-api.js';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { isKnownCountry } from '../../shared/phone-number.js';
import type { Db } from '../db/database.js';
import type { UserUpdate } from '../db/schema.js';
import { AuditRepository } from '../repositories/audit-repository.js';
import type { PasswordHasher } from '../repositories/password-hasher.js';
import { SessionRepository } from '../repositories/session-repository.js';
import { TrunkRepository } from '../repositories/trunk-repository.js';
import { UserRepository } from '../repositories/user-repository.js';
import { translateConstraintError } from '../repositories/db-errors.js';
import { pageRequest, type PageQuery } from './admin-mappers.js';
import type { ActorId } from './trunk-service.js';
import { toUserDto } from './user-mapper.js';

const EMAIL_TAKEN: [string[], string][] = [[['email'], 'A user with this email already exists.']];

export class UserAdminService {
  constructor(
    private readonly db: Db,
    private readonly hasher: PasswordHasher,
    private readonly defaultCountry: string,
  ) {}

  async list(
    filters: { role?: string; status?: string; q?: string } = {},
    page: PageQuery = {},
  ): Promise<Page<UserDto>> {
    const p = pageRequest(page);
    let q = this.db.selectFrom('users');
    if (filters.role) q = q.where('role', '=', filters.role);
    if (filters.status) q = q.where('status', '=', filters.status);
    if (filters.q) {
      const like = `%${filters.q.toLowerCase()}%`;
      q = q.where((eb) => eb.or([eb('email', 'like', like), eb(eb.fn('lower', ['name']), 'like', like)]));
    }
    const [rows, count] = await Promise.all([
      q.selectAll().orderBy('email').limit(p.limit).offset(p.offset).execute(),
      q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toUserDto), total: Number(count.n), page: p.page, pageSize: p.pageSize };
  }

  async get(id: string): Promise<UserDto> {
    const row = await new UserRepository(this.db).findById(id);
    if (!row) throw new NotFoundError('User');
    return toUserDto(row);
  }

  async create(input: CreateUserRequest, actorId: ActorId): Promise<UserDto> {
    const country = input.defaultCountry ?? this.defaultCountry;
    this.checkCountry(country);
    const passwordHash = await this.hasher.hash(input.password);
    return this.db.transaction().execute(async (trx) => {
      const users = new UserRepository(trx);
      if (await users.findByEmail(input.email))
        throw new ConflictError('A user with this email already exists.');
      let row;
      try {
        row = await users.create({
          email: input.email.trim(),
          name: input.name,
          passwordHash,
          role: input.role ?? 'agent',
          status: input.status ?? 'active',
          defaultCountry: country,
        });
      } catch (err) {
        translateConstraintError(err, { unique: EMAIL_TAKEN });
      }
      await new AuditRepository(trx).record({
        actorId,
        action: 'user.create',
        entityType: 'user',
        entityId: row.id,
        details: { email: row.email, role: row.role, status: row.status },
      });
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
    return this.db.transaction().execute(async (trx) => {
      const users = new UserRepository(trx);
      const current = await users.findById(id);
      if (!current) throw new NotFoundError('User');
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
      let row;
      try {
        row = (await users.update(id, patch))!;
      } catch (err) {
        translateConstraintError(err, { unique: EMAIL_TAKEN });
      }
      // A new password or a deactivated account ends the user's open sessions.
      if (passwordHash !== undefined || (input.status !== undefined && input.status !== 'active')) {
        await new SessionRepository(trx).deleteForUser(id);
      }
      await new AuditRepository(trx).record({
        actorId,
        action: 'user.update',
        entityType: 'user',
        entityId: id,
        details: { email: row.email, changed },
      });
      return toUserDto(row);
    });
  }

  async delete(id: string, actorId: ActorId): Promise<void> {
    if (id === actorId)
      throw new ConflictError('You cannot delete your own account; ask another administrator.');
    await this.db.transaction().execute(async (trx) => {
      const users = new UserRepository(trx);
      const current = await users.findById(id);
      if (!current) throw new NotFoundError('User');
      const trunks = await new TrunkRepository(trx).countForOwner(id);
      if (trunks > 0) {
        throw new ConflictError(
          `${current.email} still owns ${trunks} trunk${trunks === 1 ? '' : 's'}; move them to another user or delete them first.`,
        );
      }
      await users.delete(id);
      await new AuditRepository(trx).record({
        actorId,
        action: 'user.delete',
        entityType: 'user',
        entityId: id,
        details: { email: current.email },
      });
    });
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
