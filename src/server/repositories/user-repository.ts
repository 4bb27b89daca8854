/** users: the team's accounts. Emails are stored lower-case and unique. */
import crypto from 'node:crypto';
import type { Db } from '../db/database.js';
import { nowIso } from '../db/json.js';
import type { UserRow, UserUpdate } from '../db/schema.js';
import { deleteOrExplain, writeOrExplain, type ConstraintMessages } from './db-errors.js';
import type { UserSortField } from '../../shared/schemas/admin.js';
import {
  anyColumnContains,
  fetchPage,
  orderBySort,
  type PageRequest,
  type PageResult,
  type SortColumn,
  type SortRequest,
} from './query-helpers.js';

export interface NewUser {
  email: string;
  name: string;
  passwordHash: string;
  role: string;
  status: string;
  defaultCountry: string;
}

export interface UserFilters {
  role?: string;
  status?: string;
  /** Case-insensitive text in the email or the name; `%` and `_` match themselves. */
  q?: string;
  sort?: SortRequest<UserSortField>;
}

const SORT_COLUMNS: Record<UserSortField, SortColumn> = {
  email: { column: 'email', unique: true },
  name: { column: 'name' },
  role: { column: 'role' },
  status: { column: 'status' },
  createdAt: { column: 'created_at' },
  lastLoginAt: { column: 'last_login_at', nullable: true },
};

const CONSTRAINT_MESSAGES: ConstraintMessages = {
  unique: [[['email'], 'A user with this email already exists.']],
};

export class UserRepository {
  constructor(private readonly db: Db) {}

  findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email.trim().toLowerCase())
      .executeTakeFirst();
  }

  /** Every user by email (the CLI's diagnostics). */
  listAll(): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().orderBy('email').execute();
  }

  list(filters: UserFilters, page: PageRequest): Promise<PageResult<UserRow>> {
    let q = this.db.selectFrom('users');
    if (filters.role) q = q.where('role', '=', filters.role);
    if (filters.status) q = q.where('status', '=', filters.status);
    const text = filters.q;
    if (text) q = q.where((eb) => anyColumnContains(eb, ['email', 'name'], text));
    return fetchPage(
      q,
      (f) =>
        orderBySort(f.selectAll(), SORT_COLUMNS, filters.sort, { field: 'email', direction: 'asc' }, 'id'),
      page,
    );
  }

  /** How many active admins there are, leaving out `exceptId` (the last-admin rule). */
  async countActiveAdmins(exceptId?: string): Promise<number> {
    let q = this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('role', '=', 'admin')
      .where('status', '=', 'active');
    if (exceptId) q = q.where('id', '!=', exceptId);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  /** True when the user exists, is active and is an admin. */
  async isActiveAdmin(id: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('users')
      .select('id')
      .where('id', '=', id)
      .where('role', '=', 'admin')
      .where('status', '=', 'active')
      .executeTakeFirst();
    return r !== undefined;
  }

  /** The oldest active admin (owner of what a sync imports when nobody in particular asked). */
  async oldestActiveAdminId(): Promise<string | null> {
    const r = await this.db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .where('status', '=', 'active')
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return r?.id ?? null;
  }

  /** The user's role when the user is active; null for an unknown or inactive user. */
  async activeRole(id: string): Promise<string | null> {
    const r = await this.db
      .selectFrom('users')
      .select('role')
      .where('id', '=', id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return r?.role ?? null;
  }

  async create(input: NewUser): Promise<UserRow> {
    const now = nowIso();
    const row: UserRow = {
      id: crypto.randomUUID(),
      email: input.email.trim().toLowerCase(),
      name: input.name,
      password_hash: input.passwordHash,
      role: input.role,
      status: input.status,
      default_country: input.defaultCountry,
      created_at: now,
      updated_at: now,
      last_login_at: null,
    };
    await writeOrExplain(CONSTRAINT_MESSAGES, () => this.db.insertInto('users').values(row).execute());
    return row;
  }

  async update(id: string, patch: UserUpdate): Promise<UserRow | undefined> {
    await writeOrExplain(CONSTRAINT_MESSAGES, () =>
      this.db
        .updateTable('users')
        .set({ ...patch, updated_at: nowIso() })
        .where('id', '=', id)
        .execute(),
    );
    return this.findById(id);
  }

  async delete(id: string): Promise<boolean> {
    const r = await deleteOrExplain('This user', () =>
      this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst(),
    );
    return Number(r.numDeletedRows) > 0;
  }
}
