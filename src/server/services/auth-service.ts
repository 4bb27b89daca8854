/**
 * Login, logout and session lookup. Sessions live in the database (so any app instance can serve any
 * request); the cookie carries a random token and the database only its SHA-256.
 */
import crypto from 'node:crypto';
import type { SessionDto, UserDto } from '../../shared/api.js';
import { ErrorCode, UnauthenticatedError } from '../../shared/errors.js';
import type { Repositories } from '../repositories/index.js';
import type { PasswordHasher } from '../repositories/password-hasher.js';
import { toUserDto } from './user-mapper.js';

export interface AuthenticatedSession {
  sessionId: string;
  csrfToken: string;
  expiresAt: string;
  user: UserDto;
}

/** Sliding expiry is written at most this often, so reads do not turn into writes. */
const TOUCH_INTERVAL_MS = 60_000;

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export class AuthService {
  // A fixed hash to verify against when the email is unknown, so timing does not reveal accounts.
  private dummyHash: Promise<string> | undefined;

  private readonly users: Repositories['users'];
  private readonly sessions: Repositories['sessions'];

  constructor(
    repos: Pick<Repositories, 'users' | 'sessions'>,
    private readonly hasher: PasswordHasher,
    private readonly sessionTtlMs: number,
  ) {
    this.users = repos.users;
    this.sessions = repos.sessions;
  }

  async login(
    email: string,
    password: string,
    meta: { ip?: string; userAgent?: string },
  ): Promise<{ token: string; session: SessionDto }> {
    const user = await this.users.findByEmail(email.trim());
    if (!user) {
      this.dummyHash ??= this.hasher.hash('not-a-real-password');
      await this.hasher.verify(await this.dummyHash, password);
      throw this.invalid();
    }
    const ok = await this.hasher.verify(user.password_hash, password);
    if (!ok) throw this.invalid();
    if (user.status !== 'active') {
      throw new UnauthenticatedError(
        `This account is ${user.status}. Ask an administrator to reactivate it.`,
        ErrorCode.InvalidCredentials,
      );
    }
    const token = crypto.randomBytes(32).toString('base64url');
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.sessionTtlMs).toISOString();
    const csrfToken = crypto.randomBytes(24).toString('base64url');
    await this.sessions.create({
      id: hashToken(token),
      user_id: user.id,
      csrf_token: csrfToken,
      created_at: now.toISOString(),
      expires_at: expiresAt,
      last_seen_at: now.toISOString(),
      ip: meta.ip ?? null,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
    });
    const updated = (await this.users.update(user.id, { last_login_at: now.toISOString() })) ?? user;
    return { token, session: { user: toUserDto(updated), csrfToken, expiresAt } };
  }

  /** Resolves a cookie token to its session and user in one query; throws 401 when absent/expired. */
  async authenticate(token: string | undefined): Promise<AuthenticatedSession> {
    if (!token) throw new UnauthenticatedError();
    const id = hashToken(token);
    const found = await this.sessions.findWithUser(id);
    if (!found) throw new UnauthenticatedError();
    const { session, user } = found;
    const now = Date.now();
    if (Date.parse(session.expires_at) <= now) {
      await this.sessions.delete(id);
      throw new UnauthenticatedError(
        'Your session has expired. Please log in again.',
        ErrorCode.SessionExpired,
      );
    }
    if (user.status !== 'active') {
      await this.sessions.delete(id);
      throw new UnauthenticatedError(`This account is ${user.status}.`);
    }
    let expiresAt = session.expires_at;
    if (now - Date.parse(session.last_seen_at) > TOUCH_INTERVAL_MS) {
      expiresAt = new Date(now + this.sessionTtlMs).toISOString();
      await this.sessions.touch(id, new Date(now).toISOString(), expiresAt);
    }
    return { sessionId: id, csrfToken: session.csrf_token, expiresAt, user: toUserDto(user) };
  }

  async logout(sessionId: string): Promise<void> {
    await this.sessions.delete(sessionId);
  }

  private invalid(): UnauthenticatedError {
    return new UnauthenticatedError('Email or password is not correct.', ErrorCode.InvalidCredentials);
  }
}
