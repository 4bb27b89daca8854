/**
 * Every route needs a session unless it opts out with `config: { public: true }`; routes that need
 * the admin role say `config: { role: 'admin' }`. Being deny-by-default means a new route cannot
 * forget authentication (test/server/route-guard.test.ts walks the route table to prove it).
 * State-changing requests must also carry the session's CSRF token in `x-csrf-token`.
 */
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError, ErrorCode, ForbiddenError } from '../../shared/errors.js';
import type { UserRole } from '../../shared/domain.js';
import type { Services } from '../container.js';
import type { AuthenticatedSession } from '../services/auth-service.js';

export const SESSION_COOKIE = 'dialer_session';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** No session needed (login, health). */
    public?: boolean;
    /** Role required in addition to a session. */
    role?: UserRole;
  }
  interface FastifyRequest {
    auth: AuthenticatedSession | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** The authenticated session of a guarded route (the guard has already run). */
export function requireAuth(request: FastifyRequest): AuthenticatedSession {
  if (!request.auth) throw new DomainError(ErrorCode.Unauthenticated, 'Please log in');
  return request.auth;
}

export function registerSessionGuard(app: FastifyInstance, services: Services): void {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return; // static web app files are public
    const config = request.routeOptions.config;
    if (config.public) return;
    const token = request.cookies[SESSION_COOKIE];
    request.auth = await services.auth.authenticate(token);
    if (!SAFE_METHODS.has(request.method)) {
      const sent = request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !sameToken(sent, request.auth.csrfToken)) {
        throw new DomainError(
          ErrorCode.CsrfInvalid,
          'This request is missing its security token. Reload the page and try again.',
        );
      }
    }
    if (config.role && request.auth.user.role !== config.role) {
      throw new ForbiddenError('Only an administrator can do this');
    }
  });
}
