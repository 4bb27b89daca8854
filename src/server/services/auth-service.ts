/**
 * Login, logout and session lookup. Sessions live in the database (so any app instance can serve any
 * request); the cookie carries a random token and the database only its SHA-256. Logins go through the
 * per-account throttle (login-throttle.ts); a login from a browser that still holds a session ends it.
 */
import crypto from 'node:crypto';
import type { SessionDto, UserDto } from '../../shared/api.js';
import { DomainError, ErrorCode, UnauthenticatedError } from '../../shared/errors.js';
import type { Clock } from '../clock.js';
import type { UserRow } from '../db/schema.js';
import type { Repositories } from '../repositories/index.js';
import type { PasswordHasher } from '../repositories/password-hasher.js';
import type { LoginAttempt, LoginThrottle } from './login-throttle.js';
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

export interface LoginMeta {
  ip?: string;
  userAgent?: string;
  /** The session cookie the browser sent with the login, if any: that session ends when this one starts. */
  previousToken?: string;
}

function waitInWords(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

export class AuthService {
  // A fixed hash to verify against when the email is unknown, so timing does not reveal accounts.
  private dummyHash: Promise<string> | undefined;

  private readonly users: Repositories['users'];
  private readonly sessions: Repositories['sessions'];
  private readonly audit: Repositories['audit'];

  constructor(
    repos: Pick<Repositories, 'users' | 'sessions' | 'audit'>,
    private readonly hasher: PasswordHasher,
    private readonly sessionTtlMs: number,
    private readonly throttle: LoginThrottle,
    private readonly clock: Clock,
  ) {
    this.users = repos.users;
    this.sessions = repos.sessions;
    this.audit = repos.audit;
  }

  async login(
    email: string,
    password: string,
    meta: LoginMeta,
  ): Promise<{ token: string; session: SessionDto }> {
    // Unknown emails are throttled alike, so the answers do not tell which accounts exist.
    const attempt = await this.throttle.begin(email);
    if (!attempt.allowed) {
      throw new DomainError(
        ErrorCode.RateLimited,
        `Too many failed logins for this account. Try again in ${waitInWords(attempt.retryAfterSeconds)}.`,
        { retryAfterSeconds: attempt.retryAfterSeconds },
      );
    }
    const user = await this.users.findByEmail(email.trim());
    if (!user) {
      this.dummyHash ??= this.hasher.hash('not-a-real-password');
      await this.hasher.verify(await this.dummyHash, password);
      throw this.invalid();
    }
    const ok = await this.hasher.verify(user.password_hash, password);
    if (!ok) {
      await this.recordThrottled(user, attempt, meta);
      throw this.invalid();
    }
    await this.throttle.succeeded(attempt);
    if (user.status !== 'active') {
      throw new UnauthenticatedError(
        `This account is ${user.status}. Ask an administrator to reactivate it.`,
        ErrorCode.InvalidCredentials,
      );
    }
    // A hash made with weaker settings than today's is replaced now that the password is known.
    const rehashed = this.hasher.needsRehash(user.password_hash) ? await this.hasher.hash(password) : null;
    const token = crypto.randomBytes(32).toString('base64url');
    const now = this.clock.now();
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
    if (meta.previousToken) await this.sessions.delete(hashToken(meta.previousToken));
    const updated =
      (await this.users.update(user.id, {
        last_login_at: now.toISOString(),
        ...(rehashed ? { password_hash: rehashed } : {}),
      })) ?? user;
    return { token, session: { user: toUserDto(updated), csrfToken, expiresAt } };
  }

  /** Resolves a cookie token to its session and user in one query; throws 401 when absent/expired. */
  async authenticate(token: string | undefined): Promise<AuthenticatedSession> {
    if (!token) throw new UnauthenticatedError();
    const id = hashToken(token);
    const found = await this.sessions.findWithUser(id);
    if (!found) throw new UnauthenticatedError();
    const { session, user } = found;
    const now = this.clock.now().getTime();
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

  /** An account's failed attempt that starts a wait is audited (one entry per wait, not per refusal). */
  private async recordThrottled(
    user: UserRow,
    attempt: Extract<LoginAttempt, { allowed: true }>,
    meta: LoginMeta,
  ): Promise<void> {
    if (!attempt.lockedUntil) return;
    await this.audit.record({
      actorId: null,
      action: 'auth.login_throttled',
      entityType: 'user',
      entityId: user.id,
      details: {
        failures: attempt.failures,
        waitSeconds: Math.round((Date.parse(attempt.lockedUntil) - Date.now()) / 1000),
        lockedUntil: attempt.lockedUntil,
        ip: meta.ip ?? null,
      },
    });
  }

  private invalid(): UnauthenticatedError {
    return new UnauthenticatedError('Email or password is not correct.', ErrorCode.InvalidCredentials);
  }
}
