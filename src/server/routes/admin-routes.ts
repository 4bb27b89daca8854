/**
 * The admin API under /api/admin: users, trunks, numbers, assignments, and any user's connections.
 * Every route in this plugin requires the admin role: an onRoute hook sets `config.role = 'admin'` on
 * each, so a new admin route cannot forget it (test/server/route-guard.test.ts proves agents get 403).
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
  updateAssignmentBody,
  updateNumberBody,
  updateTrunkBody,
  updateUserBody,
} from '../../shared/schemas/admin.js';
import { idParams } from '../../shared/schemas/common.js';

export async function adminRoutes(app: FastifyInstance, services: Services): Promise<void> {
  await app.register(
    (instance, _opts, done) => {
      instance.addHook('onRoute', (route) => {
        route.config = { ...route.config, role: 'admin' };
      });
      registerAdminRoutes(instance, services);
      done();
    },
    { prefix: '/admin' },
  );
}

function registerAdminRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { users, trunks, numbers, assignments } = services.admin;
  const actor = (request: Parameters<typeof requireAuth>[0]) => requireAuth(request).user.id;

  // Users
  api.get('/users', { schema: { querystring: listUsersQuery } }, (request) => {
    const { page, pageSize, ...filters } = request.query;
    return users.list(filters, { page, pageSize });
  });
  api.get('/users/:id', { schema: { params: idParams } }, (request) => users.get(request.params.id));
  api.post('/users', { schema: { body: createUserBody } }, async (request, reply) => {
    const created = await users.create(request.body, actor(request));
    return reply.status(201).send(created);
  });
  api.patch('/users/:id', { schema: { params: idParams, body: updateUserBody } }, (request) =>
    users.update(request.params.id, request.body, actor(request)),
  );
  api.delete('/users/:id', { schema: { params: idParams } }, async (request, reply) => {
    await users.delete(request.params.id, actor(request));
    return reply.status(204).send();
  });
  // What this user sees in the dialer (same list and shape as their GET /api/connections).
  api.get('/users/:id/connections', { schema: { params: idParams } }, async (request) => {
    const user = await users.get(request.params.id);
    return services.connections.listForUser(user);
  });

  // Trunks
  api.get('/trunks', { schema: { querystring: listTrunksQuery } }, (request) => {
    const { page, pageSize, ...filters } = request.query;
    return trunks.list(filters, { page, pageSize });
  });
  api.get('/trunks/:id', { schema: { params: idParams } }, (request) => trunks.get(request.params.id));
  api.post('/trunks', { schema: { body: createTrunkBody } }, async (request, reply) => {
    const created = await trunks.create(request.body, actor(request));
    return reply.status(201).send(created);
  });
  api.patch('/trunks/:id', { schema: { params: idParams, body: updateTrunkBody } }, (request) =>
    trunks.update(request.params.id, request.body, actor(request)),
  );
  api.delete('/trunks/:id', { schema: { params: idParams } }, async (request, reply) => {
    await trunks.delete(request.params.id, actor(request));
    return reply.status(204).send();
  });

  // Phone numbers
  api.get('/numbers', { schema: { querystring: listNumbersQuery } }, (request) => {
    const { page, pageSize, ...filters } = request.query;
    return numbers.list(filters, { page, pageSize });
  });
  api.get('/numbers/:id', { schema: { params: idParams } }, (request) => numbers.get(request.params.id));
  api.post('/numbers', { schema: { body: createNumberBody } }, async (request, reply) => {
    const created = await numbers.create(request.body, actor(request));
    return reply.status(201).send(created);
  });
  api.patch('/numbers/:id', { schema: { params: idParams, body: updateNumberBody } }, (request) =>
    numbers.update(request.params.id, request.body, actor(request)),
  );
  api.delete('/numbers/:id', { schema: { params: idParams } }, async (request, reply) => {
    await numbers.delete(request.params.id, actor(request));
    return reply.status(204).send();
  });

  // Assignments
  api.get('/assignments', { schema: { querystring: listAssignmentsQuery } }, (request) => {
    const { page, pageSize, ...filters } = request.query;
    return assignments.list(filters, { page, pageSize });
  });
  api.get('/assignments/:id', { schema: { params: idParams } }, (request) =>
    assignments.get(request.params.id),
  );
  api.post('/assignments', { schema: { body: createAssignmentBody } }, async (request, reply) => {
    const created = await assignments.create(request.body, actor(request));
    return reply.status(201).send(created);
  });
  api.patch('/assignments/:id', { schema: { params: idParams, body: updateAssignmentBody } }, (request) =>
    assignments.update(request.params.id, request.body, actor(request)),
  );
  api.delete('/assignments/:id', { schema: { params: idParams } }, async (request, reply) => {
    await assignments.delete(request.params.id, actor(request));
    return reply.status(204).send();
  });

  // Audit log: newest first (every admin write and every registration hand-out).
  api.get('/audit', { schema: { querystring: listAuditQuery } }, (request) =>
    services.repos.audit.list(request.query),
  );
}
