/**
 * Trunk health: a connection's health report (its owner; an admin any), a browser's registration
 * report (a passive signal), an admin's live check of one connection and the rules' thresholds.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../shared/errors.js';
import { idParams } from '../../shared/schemas/common.js';
import {
  healthReportQuery,
  healthThresholdsBody,
  registrationReportBody,
} from '../../shared/schemas/health.js';
import type { Services } from '../container.js';
import { requireAuth } from '../plugins/session-guard.js';

const noBody = z.strictObject({}).optional();

export function trunkHealthRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { health } = services;

  api.get(
    '/connections/:id/health',
    { schema: { params: idParams, querystring: healthReportQuery }, config: { access: 'signed-in' } },
    async (request) => {
      const user = requireAuth(request).user;
      if (user.role !== 'admin' && !(await health.ownsConnection(user.id, request.params.id))) {
        throw new NotFoundError('Connection');
      }
      return health.report(request.params.id, request.query.hours);
    },
  );

  api.post(
    '/connections/:id/registration-report',
    { schema: { params: idParams, body: registrationReportBody }, config: { access: 'signed-in' } },
    (request) => health.reportRegistration(requireAuth(request).user.id, request.params.id, request.body),
  );

  api.post(
    '/admin/trunks/:id/test',
    { schema: { params: idParams, body: noBody }, config: { access: 'admin' } },
    (request) => health.liveCheck(request.params.id),
  );

  api.get('/admin/health/settings', { config: { access: 'admin' } }, () => health.settings());

  api.put(
    '/admin/health/settings',
    { schema: { body: healthThresholdsBody }, config: { access: 'admin' } },
    (request) => health.updateThresholds(requireAuth(request).user.id, request.body),
  );
}
