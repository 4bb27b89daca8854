import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { loginBody } from '../../shared/schemas/auth.js';
import type { Config } from '../config.js';
import type { Services } from '../container.js';
import { requireAuth, SESSION_COOKIE } from '../plugins/session-guard.js';

export async function authRoutes(app: FastifyInstance, services: Services, config: Config): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  await api.register(rateLimit, { global: false });

  api.post(
    '/auth/login',
    {
      schema: { body: loginBody },
      config: {
        access: 'public',
        rateLimit: { max: config.loginRateLimit, timeWindow: '1 minute' },
      },
    },
    async (request, reply) => {
      const { token, session } = await services.auth.login(request.body.email, request.body.password, {
        ip: request.ip,
        userAgent: request.headers['user-agent'],
        previousToken: request.cookies[SESSION_COOKIE],
      });
      reply.setCookie(SESSION_COOKIE, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: config.cookieSecure,
        expires: new Date(session.expiresAt),
      });
      return session;
    },
  );

  api.post('/auth/logout', { config: { access: 'signed-in' } }, async (request, reply) => {
    await services.auth.logout(requireAuth(request).sessionId);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  api.get('/auth/me', { config: { access: 'signed-in' } }, (request) => {
    const auth = requireAuth(request);
    return { user: auth.user, csrfToken: auth.csrfToken, expiresAt: auth.expiresAt };
  });
}
