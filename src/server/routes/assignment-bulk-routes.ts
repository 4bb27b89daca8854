/**
 * Bulk assignment, CSV import and CSV export under /api/admin/assignments (admins only). Registered as
 * its own plugin so that only the import route reads text/csv bodies (up to CSV_IMPORT_MAX_BYTES; more
 * is a 413 in the error shape); every other route keeps the JSON-only, 64 kB body of the app.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CSV_IMPORT_MAX_BYTES } from '../../shared/domain.js';
import { DomainError, ErrorCode } from '../../shared/errors.js';
import {
  bulkAssignmentBody,
  exportAssignmentsQuery,
  importAssignmentsQuery,
} from '../../shared/schemas/admin.js';
import type { Services } from '../container.js';
import { requireAuth } from '../plugins/session-guard.js';
import { csvStream } from './call-csv.js';

/** A bulk request names up to 10,000 ids: about 400 kB of JSON. */
const BULK_BODY_LIMIT = 1024 * 1024;

export async function assignmentBulkRoutes(app: FastifyInstance, services: Services): Promise<void> {
  await app.register((instance, _opts, done) => {
    register(instance, services);
    done();
  });
}

function register(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const actor = (request: Parameters<typeof requireAuth>[0]) => requireAuth(request).user.id;
  app.addContentTypeParser(
    ['text/csv', 'application/csv'],
    { parseAs: 'buffer', bodyLimit: CSV_IMPORT_MAX_BYTES },
    (_request, body, done) => done(null, body),
  );

  api.post(
    '/assignments/bulk',
    { schema: { body: bulkAssignmentBody }, bodyLimit: BULK_BODY_LIMIT, config: { access: 'admin' } },
    (request) => services.admin.bulk.run(request.body, actor(request)),
  );

  api.post(
    '/assignments/import',
    { schema: { querystring: importAssignmentsQuery }, config: { access: 'admin' } },
    (request) => {
      if (!Buffer.isBuffer(request.body)) {
        throw new DomainError(
          ErrorCode.UnsupportedMediaType,
          'Send the CSV file as the request body with Content-Type: text/csv',
        );
      }
      return services.admin.importer.importCsv(
        request.body,
        { dryRun: request.query.dryRun ?? false },
        actor(request),
      );
    },
  );

  api.get(
    '/assignments/export.csv',
    { schema: { querystring: exportAssignmentsQuery }, config: { access: 'admin' } },
    (request, reply) => {
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="assignments-${day}.csv"`)
        .header('cache-control', 'no-store')
        .send(csvStream(services.admin.importer.exportRecords(request.query)));
    },
  );
}
