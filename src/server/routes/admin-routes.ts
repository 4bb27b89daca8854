/**
 * The admin API under /api/admin: users, trunks, numbers, assignments, and any user's connections.
 * Every route here declares `config: { access: 'admin' }` (a route without a declaration fails start-up;
 * test/server/route-guard.test.ts proves agents get 403 on each, however the URL is spelt).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../container.js';
import { requireAuth } from '../plugins/session-guard.js';
import {
  createAssignmentBody,
  createNumberBody,
  createTrunkBody,
  createUserBody,
  listAssignmentsQuery,
  listAuditQuery,
  listNumbersQuery,
  listTrunksQuery,
  listUsersQuery,
  resetPasswordBody,
  updateAssignmentBody,
  updateNumberBody,
  updateTrunkBody,
  updateUserBody,
} from '../../shared/schemas/admin.js';
import { idParams } from '../../shared/schemas/common.js';
import { assignmentBulkRoutes } from './assignment-bulk-routes.js';

export async function adminRoutes(app: FastifyInstance, services: Services): Promise<void> {
  await app.register(
    (instance, _opts, done) => {
      registerAdminRoutes(instance, services);
      done();
    },
    { prefix: '/admin' },
  );
  await app.register(
    async (instance) => {
      await assignmentBulkRoutes(instance, services);
    },
    { prefix: '/admin' },
  );
}

function registerAdminRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { users, trunks, numbers, assignments } = services.admin;
  const actor = (request: Parameters<typeof requireAuth>[0]) => requireAuth(request).user.id;

  // Users
  api.get('/users', { schema: { querystring: listUsersQuery }, config: { access: 'admin' } }, (request) => {
    const { page, pageSize, ...filters } = request.query;
    return users.list(filters, { page, pageSize });
  });
  api.get('/users/:id', { schema: { params: idParams }, config: { access: 'admin' } }, (request) =>
    users.get(request.params.id),
  );
  api.post(
    '/users',
    { schema: { body: createUserBody }, config: { access: 'admin' } },
    async (request, reply) => {
      const created = await users.create(request.body, actor(request));
      return reply.status(201).send(created);
    },
  );
  api.patch(
    '/users/:id',
    { schema: { params: idParams, body: updateUserBody }, config: { access: 'admin' } },
    (request) => users.update(request.params.id, request.body, actor(request)),
  );
  api.delete(
    '/users/:id',
    { schema: { params: idParams }, config: { access: 'admin' } },
    async (request, reply) => {
      await users.delete(request.params.id, actor(request));
      return reply.status(204).send();
    },
  );
  // An admin sets a new password; the user's open sessions end.
  api.post(
    '/users/:id/password',
    { schema: { params: idParams, body: resetPasswordBody }, config: { access: 'admin' } },
    async (request, reply) => {
      await users.resetPassword(request.params.id, request.body.password, actor(request));
      return reply.status(204).send();
    },
  );
  // What this user sees in the dialer (same list and shape as their GET /api/connections).
  api.get(
    '/users/:id/connections',
    { schema: { params: idParams }, config: { access: 'admin' } },
    async (request) => {
      const user = await users.get(request.params.id);
      return services.connections.listForUser(user);
    },
  );

  // Trunks
  api.get('/trunks', { schema: { querystring: listTrunksQuery }, config: { access: 'admin' } }, (request) => {
    const { page, pageSize, ...filters } = request.query;
    return trunks.list(filters, { page, pageSize });
  });
  api.get('/trunks/:id', { schema: { params: idParams }, config: { access: 'admin' } }, (request) =>
    trunks.get(request.params.id),
  );
  api.post(
    '/trunks',
    { schema: { body: createTrunkBody }, config: { access: 'admin' } },
    async (request, reply) => {
      const created = await trunks.create(request.body, actor(request));
      return reply.status(201).send(created);
    },
  );
  api.patch(
    '/trunks/:id',
    { schema: { params: idParams, body: updateTrunkBody }, config: { access: 'admin' } },
    (request) => trunks.update(request.params.id, request.body, actor(request)),
  );
  // What deleting the trunk takes with it (the confirmation dialog).
  api.get('/trunks/:id/impact', { schema: { params: idParams }, config: { access: 'admin' } }, (request) =>
    services.admin.console.trunkImpact(request.params.id),
  );
  api.delete(
    '/trunks/:id',
    { schema: { params: idParams }, config: { access: 'admin' } },
    async (request, reply) => {
      await trunks.delete(request.params.id, actor(request));
      return reply.status(204).send();
    },
  );

  // Phone numbers
  api.get(
    '/numbers',
    { schema: { querystring: listNumbersQuery }, config: { access: 'admin' } },
    (request) => {
      const { page, pageSize, ...filters } = request.query;
      return numbers.list(filters, { page, pageSize });
    },
  );
  api.get('/numbers/:id', { schema: { params: idParams }, config: { access: 'admin' } }, (request) =>
    numbers.get(request.params.id),
  );
  api.post(
    '/numbers',
    { schema: { body: createNumberBody }, config: { access: 'admin' } },
    async (request, reply) => {
      const created = await numbers.create(request.body, actor(request));
      return reply.status(201).send(created);
    },
  );
  api.patch(
    '/numbers/:id',
    { schema: { params: idParams, body: updateNumberBody }, config: { access: 'admin' } },
    (request) => numbers.update(request.params.id, request.body, actor(request)),
  );
  api.delete(
    '/numbers/:id',
    { schema: { params: idParams }, config: { access: 'admin' } },
    async (request, reply) => {
      await numbers.delete(request.params.id, actor(request));
      return reply.status(204).send();
    },
  );

  // Assignments
  api.get(
    '/assignments',
    { schema: { querystring: listAssignmentsQuery }, config: { access: 'admin' } },
    (request) => {
      const { page, pageSize, ...filters } = request.query;
      return assignments.list(filters, { page, pageSize });
    },
  );
  api.get('/assignments/:id', { schema: { params: idParams }, config: { access: 'admin' } }, (request) =>
    assignments.get(request.params.id),
  );
  api.post(
    '/assignments',
    { schema: { body: createAssignmentBody }, config: { access: 'admin' } },
    async (request, reply) => {
      const created = await assignments.create(request.body, actor(request));
      return reply.status(201).send(created);
    },
  );
  api.patch(
    '/assignments/:id',
    { schema: { params: idParams, body: updateAssignmentBody }, config: { access: 'admin' } },
    (request) => assignments.update(request.params.id, request.body, actor(request)),
  );
  api.delete(
    '/assignments/:id',
    { schema: { params: idParams }, config: { access: 'admin' } },
    async (request, reply) => {
      await assignments.delete(request.params.id, actor(request));
      return reply.status(204).send();
    },
  );

  // Audit log: a page, newest first (every admin write and every registration hand-out).
  api.get('/audit', { schema: { querystring: listAuditQuery }, config: { access: 'admin' } }, (request) =>
    services.admin.console.audit(request.query),
  );

  // The values of the filter dropdowns (providers, regions, countries, area codes, audit actions…).
  api.get('/facets', { config: { access: 'admin' } }, () => services.admin.console.facets());

  // Whether Telnyx is configured, the sync in progress (its progress: GET /sync/runs/:id) and the last run.
  api.get('/telnyx/status', { config: { access: 'admin' } }, () => services.admin.console.telnyxStatus());
}
