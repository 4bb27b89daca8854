/** sessions: one row per login, keyed by the SHA-256 of the cookie token. */
import type { Db } from '../db/database.js';
import type { SessionRow, UserRow } from '../db/schema.js';

export type { SessionRow } from '../db/schema.js';

/** A session with its user, read in one statement on every request. */
export interface SessionWithUser {
  session: Pick<SessionRow, 'id' | 'csrf_token' | 'expires_at' | 'last_seen_at'>;
  user: UserRow;
}

export class SessionRepository {
  constructor(private readonly db: Db) {}

  async create(row: SessionRow): Promise<void> {
    await this.db.insertInto('sessions').values(row).execute();
  }

  find(id: string): Promise<SessionRow | undefined> {
    return this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findWithUser(id: string): Promise<SessionWithUser | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users')
      .select([
        'sessions.id as session_id',
        'sessions.csrf_token as session_csrf',
        'sessions.expires_at as session_expires_at',
        'sessions.last_seen_at as session_last_seen_at',
      ])
      .where('sessions.id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const { session_id, session_csrf, session_expires_at, session_last_seen_at, ...user } = row;
    return {
      session: {
        id: session_id,
        csrf_token: session_csrf,
        expires_at: session_expires_at,
        last_seen_at: session_last_seen_at,
      },
      user,
    };
  }

  async touch(id: string, lastSeenAt: string, expiresAt: string): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ last_seen_at: lastSeenAt, expires_at: expiresAt })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  async deleteForUser(userId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }

  async deleteExpired(now: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('expires_at', '<', now).execute();
  }
}
