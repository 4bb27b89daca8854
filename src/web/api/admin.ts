/**
 * The admin half of the API client (/api/admin/...), used only by the admin console's lazily loaded
 * chunk. Every call goes through the one {@link ApiClient.request} (cookies, CSRF, errors).
 */
import type {
  AdminAssignmentDto,
  AdminFacetsDto,
  BulkAssignmentRequest,
  BulkAssignmentResultDto,
  CsvImportReportDto,
  TelnyxStatusDto,
  TrunkImpactDto,
  AdminPhoneNumberDto,
  AdminTrunkDto,
  CreateAssignmentRequest,
  CreatePhoneNumberRequest,
  CreateTrunkRequest,
  CreateUserRequest,
  UpdateAssignmentRequest,
  UpdatePhoneNumberRequest,
  UpdateTrunkRequest,
  UpdateUserRequest,
} from '../../shared/admin-api.js';
import type { Page, UserDto } from '../../shared/api.js';
import type { TrunkTestResultDto } from '../../shared/health.js';
import type { DriftReportDto, PushTelnyxResultDto, SyncRunDto, SyncStartedDto } from '../../shared/telnyx.js';
import { api, type ApiClient } from './client.js';

/** Query parameters of an admin list: filters, `page`, `pageSize`, `sort`; empty values are left out. */
export type ListQuery = Record<string, string | number | undefined | null>;

const LIST_TIMEOUT_MS = 15_000;
const WRITE_TIMEOUT_MS = 20_000;
/** A bulk change or a CSV import of up to 10,000 numbers, on a busy server. */
const BULK_TIMEOUT_MS = 60_000;
const path = (base: string, id: string) => `${base}/${encodeURIComponent(id)}`;

/** One admin collection: list, get, create, update, delete. */
function collection<T, C, U>(base: string, client: ApiClient) {
  return {
    list: (query: ListQuery, signal?: AbortSignal): Promise<Page<T>> =>
      client.request('GET', base, { query, signal, timeoutMs: LIST_TIMEOUT_MS }),
    get: (id: string): Promise<T> => client.request('GET', path(base, id)),
    create: (body: C): Promise<T> => client.request('POST', base, { body, timeoutMs: WRITE_TIMEOUT_MS }),
    update: (id: string, body: U): Promise<T> =>
      client.request('PATCH', path(base, id), { body, timeoutMs: WRITE_TIMEOUT_MS }),
    remove: (id: string): Promise<void> =>
      client.request('DELETE', path(base, id), { timeoutMs: WRITE_TIMEOUT_MS }),
  };
}

/** One audit log entry (actorEmail only where the server adds it). Details never hold a secret. */
export interface AuditEntry {
  id: string;
  actorId: string | null;
  actorEmail?: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  details: Record<string, unknown>;
  createdAt: string;
}

/** The audit log answers a page (or, from an older server, the newest entries as a plain list). */
function auditPage(answer: Page<AuditEntry> | AuditEntry[], size: number): Page<AuditEntry> {
  return Array.isArray(answer) ? { items: answer, total: answer.length, page: 1, pageSize: size } : answer;
}

export function adminApi(client: ApiClient = api) {
  return {
    users: collection<UserDto, CreateUserRequest, UpdateUserRequest>('/admin/users', client),
    trunks: collection<AdminTrunkDto, CreateTrunkRequest, UpdateTrunkRequest>('/admin/trunks', client),
    numbers: collection<AdminPhoneNumberDto, CreatePhoneNumberRequest, UpdatePhoneNumberRequest>(
      '/admin/numbers',
      client,
    ),
    assignments: collection<AdminAssignmentDto, CreateAssignmentRequest, UpdateAssignmentRequest>(
      '/admin/assignments',
      client,
    ),
    /** Assign, unassign, reassign or change the type of many numbers in one transaction (or a dry run). */
    bulk: (body: BulkAssignmentRequest): Promise<BulkAssignmentResultDto> =>
      client.request('POST', '/admin/assignments/bulk', { body, timeoutMs: BULK_TIMEOUT_MS }),
    /** Check (dryRun) or apply a CSV file of assignments; problems come back as the report. */
    importCsv: (file: Blob, dryRun: boolean): Promise<CsvImportReportDto> =>
      client.request('POST', '/admin/assignments/import', {
        query: { dryRun: String(dryRun) },
        rawBody: { contentType: 'text/csv', data: file },
        timeoutMs: BULK_TIMEOUT_MS,
      }),
    /** Link that downloads the active assignments of the numbers a filter matches, as CSV. */
    exportCsvUrl: (query: ListQuery): string => client.url('/admin/assignments/export.csv', query),
    trunkImpact: (id: string): Promise<TrunkImpactDto> =>
      client.request('GET', `${path('/admin/trunks', id)}/impact`, { timeoutMs: LIST_TIMEOUT_MS }),
    /** Probe the connection now and register with its credentials (can take several seconds). */
    testTrunk: (id: string): Promise<TrunkTestResultDto> =>
      client.request('POST', `${path('/admin/trunks', id)}/test`, { body: {}, timeoutMs: BULK_TIMEOUT_MS }),
    facets: (): Promise<AdminFacetsDto> =>
      client.request('GET', '/admin/facets', { timeoutMs: LIST_TIMEOUT_MS }),
    audit: async (query: ListQuery, signal?: AbortSignal): Promise<Page<AuditEntry>> => {
      const size = Number(query.limit ?? 100);
      const answer = await client.request<Page<AuditEntry> | AuditEntry[]>('GET', '/admin/audit', {
        query,
        signal,
        timeoutMs: LIST_TIMEOUT_MS,
      });
      return auditPage(answer, size);
    },
    telnyx: {
      status: (): Promise<TelnyxStatusDto> =>
        client.request('GET', '/admin/telnyx/status', { timeoutMs: LIST_TIMEOUT_MS }),
      startSync: (): Promise<SyncStartedDto> =>
        client.request('POST', '/admin/sync/telnyx', { body: {}, timeoutMs: WRITE_TIMEOUT_MS }),
      runs: (limit = 10): Promise<{ runs: SyncRunDto[] }> =>
        client.request('GET', '/admin/sync/runs', { query: { limit }, timeoutMs: LIST_TIMEOUT_MS }),
      run: (id: string): Promise<SyncRunDto> => client.request('GET', path('/admin/sync/runs', id)),
      drift: (): Promise<DriftReportDto> =>
        client.request('GET', '/admin/sync/drift', { timeoutMs: LIST_TIMEOUT_MS }),
      push: (assignmentId: string): Promise<PushTelnyxResultDto> =>
        client.request('POST', `${path('/admin/assignments', assignmentId)}/push-telnyx`, {
          body: {},
          timeoutMs: WRITE_TIMEOUT_MS,
        }),
    },
  };
}

export type AdminApi = ReturnType<typeof adminApi>;
export const admin: AdminApi = adminApi();
