/**
 * Shapes of the admin API (/api/admin/...), shared by the server and the browser's admin screens.
 * Passwords are write-only: requests may carry one, responses only say `hasCredentials`.
 *
 * Every list answers `Page<T>` (`{ items, total, page, pageSize }`) and takes `?page=&pageSize=` (1-500,
 * default 50), its filters and `?sort=field` / `?sort=-field` (schemas/admin.ts: *_SORT_FIELDS); an
 * unknown filter, value or sort field is a 400 naming it. Agents get 403 on every route here.
 *
 *   GET    /users  ?role&status&q&sort                        Page<UserDto>
 *   POST   /users/:id/password {password}                     204; the user's sessions end
 *   PATCH  /users/:id {role,status,...}                       suspending/deactivating ends their sessions;
 *                                                             the last active admin cannot be demoted,
 *                                                             deactivated or deleted (409)
 *   GET    /trunks ?ownerId&status&provider&connectionType&health&region&location&capacityMin&capacityMax&q&sort
 *   GET    /trunks/:id/impact                                 TrunkImpactDto (before DELETE /trunks/:id)
 *   GET    /numbers ?ownerId&status&numberType&country&areaCode&trunkId&assignmentType&assigned&q&sort
 *   GET    /assignments ?trunkId&phoneNumberId&ownerId&assignmentType&isActive&q&sort
 *   POST   /assignments/bulk  BulkAssignmentRequest           BulkAssignmentResultDto (409 + report when refused)
 *   POST   /assignments/import?dryRun=true  (text/csv body)   CsvImportReportDto (400 + report on problems)
 *   GET    /assignments/export.csv ?<number filters>          text/csv: number,connection,type,action
 *   GET    /audit ?actorId&entityType&entityId&action&from&to Page<AuditEntryDto>, newest first
 *   GET    /facets                                            AdminFacetsDto
 *   GET    /telnyx/status                                     TelnyxStatusDto
 *   POST   /sync/telnyx, GET /sync/runs, /sync/runs/:id, /sync/drift, POST /assignments/:id/push-telnyx
 *                                                             (telnyx-routes.ts, shapes in telnyx.ts)
 */
import type {
  ASSIGNMENT_CSV_COLUMNS,
  AssignmentType,
  BulkOperation,
  CsvAction,
  ConnectionType,
  NumberStatus,
  NumberType,
  Provider,
  TrunkSettings,
  TrunkStatus,
} from './domain.js';
import type { ConnectionHealthDto } from './api.js';
import type { SyncRunDto } from './telnyx.js';

export interface AdminTrunkDto {
  id: string;
  ownerId: string;
  name: string;
  provider: Provider;
  connectionType: ConnectionType;
  status: TrunkStatus;
  telnyxConnectionId: string | null;
  telnyxCredentialId: string | null;
  sipUri: string | null;
  wsServer: string | null;
  username: string | null;
  /** A password is stored (it is never returned). */
  hasPassword: boolean;
  /** User name and password are both stored: the connection can register with its own credentials. */
  hasCredentials: boolean;
  displayName: string | null;
  settings: TrunkSettings;
  region: string | null;
  location: string | null;
  channelLimit: number | null;
  /** May place calls to emergency numbers (see ConnectionDto.emergencyCalls). */
  emergencyCalls: boolean;
  notes: string | null;
  health: ConnectionHealthDto;
  missingAtTelnyxAt: string | null;
  activatedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AdminPhoneNumberDto {
  id: string;
  ownerId: string | null;
  number: string;
  country: string | null;
  areaCode: string | null;
  city: string | null;
  region: string | null;
  carrier: string | null;
  numberType: NumberType;
  status: NumberStatus;
  capabilities: string[];
  telnyxNumberId: string | null;
  monthlyRate: number | null;
  purchasedAt: string | null;
  metadata: Record<string, unknown>;
  missingAtTelnyxAt: string | null;
  /** The trunk it is actively assigned to, if any. */
  activeAssignment: { trunkId: string; trunkName: string; assignmentType: AssignmentType } | null;
  createdAt: string;
  updatedAt: string;
}

export interface AdminAssignmentDto {
  id: string;
  trunkId: string;
  trunkName: string;
  ownerId: string;
  phoneNumberId: string;
  number: string;
  assignmentType: AssignmentType;
  isActive: boolean;
  assignedAt: string;
  lastUsedAt: string | null;
  settings: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** Request bodies: the zod schemas in schemas/admin.ts are their one definition. */
export type {
  BulkAssignmentRequest,
  BulkTarget,
  CreateAssignmentRequest,
  CreatePhoneNumberRequest,
  CreateTrunkRequest,
  CreateUserRequest,
  ListAssignmentsQuery,
  ListAuditQuery,
  ListNumbersQuery,
  ListTrunksQuery,
  ListUsersQuery,
  NumberFilterBody,
  ResetPasswordRequest,
  UpdateAssignmentRequest,
  UpdatePhoneNumberRequest,
  UpdateTrunkRequest,
  UpdateUserRequest,
} from './schemas/admin.js';

/** A user of the admin list, as `UserDto` (api.ts). */
export type { UserDto as AdminUserDto } from './api.js';

/** One entry of GET /api/admin/audit (a page, newest first). Details never hold a secret. */
export interface AuditEntryDto {
  id: string;
  actorId: string | null;
  /** The actor's email when the user still exists. */
  actorEmail: string | null;
  /** `<entityType>.<verb>`, e.g. "trunk.update", "assignment.bulk", "assignment.import". */
  action: string;
  entityType: string;
  entityId: string | null;
  details: Record<string, unknown>;
  createdAt: string;
}

/**
 * GET /api/admin/facets: the distinct values behind the filter dropdowns, each sorted, at most
 * `FACET_LIMIT` per list (`truncated` names the lists that had more).
 */
export interface AdminFacetsDto {
  trunks: {
    providers: string[];
    connectionTypes: string[];
    regions: string[];
    locations: string[];
    /** Owners of at least one trunk. */
    owners: { id: string; email: string; name: string }[];
    /** Smallest and largest channel limit set on any trunk (null when none has one). */
    capacity: { min: number | null; max: number | null };
  };
  numbers: {
    countries: string[];
    areaCodes: string[];
    numberTypes: string[];
  };
  audit: {
    actions: string[];
    entityTypes: string[];
  };
  truncated: string[];
}

// ---- Bulk assignment and CSV import ----

/**
 * What happened (or, in a dry run, would happen) to one number.
 * `refused`: a rule or a missing record stops it; `reason` says why in words, `code` which rule.
 */
export type BulkOutcomeKind =
  'assigned' | 'unassigned' | 'reassigned' | 'type_changed' | 'unchanged' | 'refused';

export const BULK_REFUSAL_CODES = [
  /** The number is actively assigned to another trunk (assign), or not assigned at all (reassign, change_type). */
  'assigned_elsewhere',
  'not_assigned',
  /** The trunk already has an active primary number (and this request does not free it first). */
  'primary_taken',
  /** The number, the connection or the row's values are unknown or invalid (CSV). */
  'unknown_number',
  'unknown_connection',
  'ambiguous_connection',
  'invalid_row',
  /** The same number appears twice in one import. */
  'duplicate',
] as const;
export type BulkRefusalCode = (typeof BULK_REFUSAL_CODES)[number];

export interface BulkAssignmentRef {
  trunkId: string;
  trunkName: string;
  assignmentType: AssignmentType;
}

export interface BulkOutcomeDto {
  /** Null when the number is not in the database (CSV). */
  phoneNumberId: string | null;
  /** E.164 when known; otherwise the text of the CSV cell. */
  number: string;
  outcome: BulkOutcomeKind;
  /** The active assignment before (null: none). */
  before: BulkAssignmentRef | null;
  /** The active assignment after (null: none); in a dry run, what it would be. */
  after: BulkAssignmentRef | null;
  code?: BulkRefusalCode;
  /** Why it was refused, naming the number and the trunk. */
  reason?: string;
}

export interface BulkCounts {
  /** Numbers the request named (or the filter matched). */
  requested: number;
  /** Would change / changed. */
  changed: number;
  unchanged: number;
  refused: number;
}

/**
 * Answer of POST /api/admin/assignments/bulk. A dry run writes nothing and always answers 200. An
 * applied request either writes every change (`applied: true`, one audit entry with the counts) or,
 * when any number is refused, nothing: 409 CONFLICT with this report as `error.details`.
 */
export interface BulkAssignmentResultDto {
  operation: BulkOperation;
  dryRun: boolean;
  applied: boolean;
  counts: BulkCounts;
  /** Every number, in request order (by number for a filter). */
  outcomes: BulkOutcomeDto[];
}

/** One problem of a CSV import, with its line number in the file (the header is line 1). */
export interface CsvProblemDto {
  line: number;
  /** The column it is about, when it is about one. */
  column?: (typeof ASSIGNMENT_CSV_COLUMNS)[number];
  code: BulkRefusalCode | 'file';
  message: string;
}

export interface CsvRowOutcomeDto extends BulkOutcomeDto {
  line: number;
  action: CsvAction | null;
}

/**
 * Answer of POST /api/admin/assignments/import (body: the CSV file as text/csv; `?dryRun=true`).
 * A dry run answers 200 with every row's outcome and every problem. Applying writes every row or,
 * when there is any problem, nothing: 400 VALIDATION_FAILED with this report as `error.details`.
 * A file that cannot be read at all (not UTF-8, wrong header, no rows) is a report with one `file`
 * problem on line 1 (same status rules); a file over CSV_IMPORT_MAX_BYTES is a 413.
 */
export interface CsvImportReportDto {
  dryRun: boolean;
  applied: boolean;
  /** Data rows read (blank lines skipped). */
  rows: number;
  counts: BulkCounts;
  problems: CsvProblemDto[];
  outcomes: CsvRowOutcomeDto[];
  /**
   * How cells a spreadsheet would run as a formula are treated: refused (a cell starting with =, @, or +
   * or - followed by anything other than a phone number is a problem on its line).
   */
  formulaPolicy: 'refused';
}

// ---- Trunk delete, users, Telnyx ----

/** GET /api/admin/trunks/:id/impact: what deleting the trunk takes with it, for the confirmation. */
export interface TrunkImpactDto {
  trunkId: string;
  trunkName: string;
  /** Assignments deleted with the trunk (active ones: those numbers become unassigned). */
  assignments: { active: number; inactive: number };
  /** A few of the actively assigned numbers, for the dialog (E.164, primary first). */
  sampleNumbers: string[];
  /** Call records that used the trunk: kept; while there are any, the trunk cannot be deleted (deactivate it). */
  calls: { count: number; kept: true };
  /** The phone numbers themselves are kept (only their assignment goes). */
  numbersKept: true;
}

/** GET /api/admin/telnyx/status */
export interface TelnyxStatusDto {
  /** TELNYX_API_KEY is set. */
  configured: boolean;
  /** Background sync every N minutes; 0 = off. */
  syncIntervalMinutes: number;
  /** The run in progress (read its progress at GET /api/admin/sync/runs/:id), if any. */
  running: SyncRunDto | null;
  lastRun: SyncRunDto | null;
}
