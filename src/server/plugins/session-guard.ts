/**
 * Who may call a route is declared in the route's own options, `config: { access }`:
 *   - 'public'    no session (login, health, the web app's files);
 *   - 'signed-in' any active user's session;
 *   - 'admin'     a session of a user with the admin role;
 *   - 'metrics'   the METRICS_TOKEN bearer token (a Prometheus server), or an admin's session.
 * One onRequest hook enforces it from the route the router *matched* (`request.routeOptions.config`),
 * never from the URL text: `/%61pi/admin/users` is the same route as `/api/admin/users` and gets the same
 * answer. A route that declares nothing makes start-up fail (the onRoute check below), and the guard
 * refuses any value it does not know, so forgetting is never an open door
 * (test/server/route-guard.test.ts walks the route table with many spellings of every URL to prove it).
 * State-changing requests must also carry the session's CSRF token in `x-csrf-token`.
 */
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { DomainError, ErrorCode, ForbiddenError } from '../../shared/errors.js';
import type { Services } from '../container.js';
import type { AuthenticatedSession } from '../services/auth-service.js';

export const SESSION_COOKIE = 'dialer_session';

export const ROUTE_ACCESS = ['public', 'signed-in', 'admin', 'metrics'] as const;
export type RouteAccess = (typeof ROUTE_ACCESS)[number];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route; required on every route (start-up fails without it). */
    access: RouteAccess;
  }
  interface FastifyRequest {
    auth: AuthenticatedSession | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function isRouteAccess(value: unknown): value is RouteAccess {
  return typeof value === 'string' && (ROUTE_ACCESS as readonly string[]).includes(value);
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time; never true without a token set. */
function hasMetricsToken(request: FastifyRequest, token: string | undefined): boolean {
  const header = request.headers.authorization;
  if (!token || typeof header !== 'string') return false;
  const match = /^Bearer (\S+)$/i.exec(header);
  return match !== null && sameToken(match[1]!, token);
}

/** The authenticated session of a guarded route (the guard has already run). */
export function requireAuth(request: FastifyRequest): AuthenticatedSession {
  if (!request.auth) throw new DomainError(ErrorCode.Unauthenticated, 'Please log in');
  return request.auth;
}

/**
 * Makes registering a route without an access declaration throw, so the server cannot start with one.
 * Register before any plugin that adds routes: hooks are inherited only by plugins registered later.
 */
export function requireAccessDeclarations(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const access: unknown = route.config?.access;
    if (!isRouteAccess(access)) {
      const methods = [route.method].flat().join(',');
      throw new Error(
        `${methods} ${route.url} declares no access: add config: { access: ${ROUTE_ACCESS.map((a) => `'${a}'`).join(' | ')} } to its options`,
      );
    }
  });
}

export function registerSessionGuard(app: FastifyInstance, services: Services): void {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    // No route matched: the not-found handler answers (a 404 body or the web app's index.html), no data.
    if (request.is404) return;
    const access: unknown = request.routeOptions.config.access;
    if (access === 'public') return;
    if (access === 'metrics' && hasMetricsToken(request, services.config.metricsToken)) return;
    if (access !== 'signed-in' && access !== 'admin' && access !== 'metrics') {
      // Unreachable while the onRoute check stands; refusing keeps a future slip closed, not open.
      throw new ForbiddenError('This route is not available');
    }
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
    if ((access === 'admin' || access === 'metrics') && request.auth.user.role !== 'admin') {
      throw new ForbiddenError('Only an administrator can do this');
    }
  });
}
