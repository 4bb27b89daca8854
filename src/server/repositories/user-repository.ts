import crypto from 'node:crypto';
import type { Db } from '../db/database.js';
import { nowIso } from '../db/json.js';
import type { UserRow, UserUpdate } from '../db/schema.js';

export interface NewUser {
  email: string;
  name: string;
  passwordHash: string;
  role: string;
  status: string;
  defaultCountry: string;
}

export class UserRepository {
  constructor(private readonly db: Db) {}

  findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email.toLowerCase())
      .executeTakeFirst();
  }

  list(): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().orderBy('email').execute();
  }

  async create(input: NewUser): Promise<UserRow> {
    const now = nowIso();
    const row: UserRow = {
      id: crypto.randomUUID(),
      email: input.email.toLowerCase(),
      name: input.name,
      password_hash: input.passwordHash,
      role: input.role,
      status: input.status,
      default_country: input.defaultCountry,
      created_at: now,
      updated_at: now,
      last_login_at: null,
    };
    await this.db.insertInto('users').values(row).execute();
    return row;
  }

  async update(id: string, patch: UserUpdate): Promise<UserRow | undefined> {
    await this.db
      .updateTable('users')
      .set({ ...patch, updated_at: nowIso() })
      .where('id', '=', id)
      .execute();
    return this.findById(id);
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
