/**
 * Request schemas of the admin API (/api/admin/...), used by the server's routes and the browser's admin
 * forms, with the types the services take (`z.infer`). Strict objects (an unknown or misspelt field is a
 * 400, not silently ignored), enums from the shared domain vocabulary, and lengths, each with a message
 * that names the problem. Business rules (a number parses as E.164, ids exist, conflicts) are the
 * services' to check.
 */
import { z } from 'zod';
import {
  ASSIGNMENT_TYPES,
  BULK_MAX_IDS,
  BULK_OPERATIONS,
  CONNECTION_TYPES,
  DTMF_MODES,
  HEALTH_STATUSES,
  NUMBER_STATUSES,
  NUMBER_TYPES,
  PROVIDERS,
  TRUNK_STATUSES,
  USER_ROLES,
  USER_STATUSES,
} from '../domain.js';
import {
  bool,
  boolQuery,
  countryCode,
  expected,
  isoBound,
  id as idRule,
  int,
  oneOf,
  pageFields,
  sortParam,
  str,
} from './common.js';

const text = (max: number) => str().trim().max(max, `must be at most ${max} characters`);
const required = (max: number) => text(max).min(1, 'is required');
const optionalText = (max: number) => text(max).nullable().optional();
const id = idRule();

const wsUrl = str()
  .trim()
  .max(500)
  .regex(/^wss?:\/\/[^\s]+$/i, 'must be a ws:// or wss:// URL');
const sipUri = str()
  .trim()
  .max(500)
  .regex(/^(sips?:)?[^\s@]+(@[^\s]+)?$/i, 'must be a SIP URI (sip:user@host) or a host name');

const trunkSettings = z.strictObject(
  {
    codecs: z.array(text(20).min(1)).max(20).optional(),
    dtmfMode: oneOf(DTMF_MODES).optional(),
    rtpTimeoutSeconds: int().min(1).max(3600).optional(),
    useLoginToken: bool().optional(),
    sendPAssertedIdentity: bool().optional(),
  },
  { error: expected('an object') },
);

const jsonObject = z
  .record(z.string().max(100), z.unknown(), { error: expected('an object') })
  .refine((v) => JSON.stringify(v).length <= 8_000, 'must be at most 8,000 characters as JSON');

const country = countryCode();

const userFields = {
  email: str()
    .trim()
    .toLowerCase()
    .max(254, 'must be at most 254 characters')
    .email('must be an email address'),
  name: required(200),
  password: str().min(8, 'must be at least 8 characters').max(1024, 'must be at most 1024 characters'),
  role: oneOf(USER_ROLES),
  status: oneOf(USER_STATUSES),
  defaultCountry: country,
};
export const createUserBody = z.strictObject({
  ...userFields,
  role: userFields.role.optional(),
  status: userFields.status.optional(),
  defaultCountry: userFields.defaultCountry.optional(),
});
export const updateUserBody = z.strictObject(userFields).partial();

const trunkFields = {
  ownerId: id,
  name: required(200),
  provider: oneOf(PROVIDERS),
  connectionType: oneOf(CONNECTION_TYPES).optional(),
  status: oneOf(TRUNK_STATUSES).optional(),
  telnyxConnectionId: optionalText(100),
  telnyxCredentialId: optionalText(100),
  sipUri: sipUri.nullable().optional(),
  wsServer: wsUrl.nullable().optional(),
  username: optionalText(200),
  // Write-only. Not trimmed: spaces may be part of a password.
  password: str().min(1, 'must not be empty (send null to remove it)').max(500).nullable().optional(),
  displayName: optionalText(200),
  settings: trunkSettings.optional(),
  region: optionalText(100),
  location: optionalText(200),
  channelLimit: int().min(0).max(100_000).nullable().optional(),
  /** May place calls to emergency numbers (only where the trunk has an emergency service and address). */
  emergencyCalls: bool().optional(),
  notes: optionalText(2000),
};
export const createTrunkBody = z.strictObject(trunkFields);
export const updateTrunkBody = z.strictObject(trunkFields).partial();

const numberFields = {
  number: required(40),
  ownerId: id.nullable().optional(),
  country: country.nullable().optional(),
  city: optionalText(100),
  region: optionalText(100),
  carrier: optionalText(100),
  numberType: oneOf(NUMBER_TYPES).optional(),
  status: oneOf(NUMBER_STATUSES).optional(),
  capabilities: z
    .array(text(20).min(1), { error: expected('a list of text') })
    .max(10)
    .optional(),
  telnyxNumberId: optionalText(100),
  monthlyRate: z
    .number({ error: expected('a number') })
    .min(0, 'must not be negative')
    .max(1_000_000)
    .nullable()
    .optional(),
  purchasedAt: z.iso.datetime({ error: 'must be an ISO 8601 date-time' }).nullable().optional(),
  metadata: jsonObject.optional(),
};
export const createNumberBody = z.strictObject(numberFields);
export const updateNumberBody = z.strictObject(numberFields).partial();

export const createAssignmentBody = z.strictObject({
  trunkId: id,
  phoneNumberId: id,
  assignmentType: oneOf(ASSIGNMENT_TYPES),
  isActive: bool().optional(),
  settings: jsonObject.optional(),
});
export const updateAssignmentBody = z.strictObject({
  assignmentType: oneOf(ASSIGNMENT_TYPES).optional(),
  isActive: bool().optional(),
  settings: jsonObject.optional(),
});

export const USER_SORT_FIELDS = ['email', 'name', 'role', 'status', 'createdAt', 'lastLoginAt'] as const;
export const TRUNK_SORT_FIELDS = [
  'name',
  'provider',
  'connectionType',
  'status',
  'health',
  'region',
  'location',
  'channelLimit',
  'createdAt',
  'updatedAt',
] as const;
export const NUMBER_SORT_FIELDS = [
  'number',
  'country',
  'areaCode',
  'numberType',
  'status',
  'connection',
  'createdAt',
] as const;
export const ASSIGNMENT_SORT_FIELDS = [
  'number',
  'connection',
  'assignmentType',
  'assignedAt',
  'lastUsedAt',
] as const;

const areaCode = str().regex(/^[0-9]{1,6}$/, 'must be 1 to 6 digits');
const capacity = z.coerce
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .min(0)
  .max(100_000);

export const listUsersQuery = z.strictObject({
  ...pageFields,
  role: oneOf(USER_ROLES).optional(),
  status: oneOf(USER_STATUSES).optional(),
  /** Text in the email or the name. */
  q: text(100).optional(),
  sort: sortParam(USER_SORT_FIELDS).optional(),
});
export const listTrunksQuery = z
  .strictObject({
    ...pageFields,
    ownerId: id.optional(),
    status: oneOf(TRUNK_STATUSES).optional(),
    provider: oneOf(PROVIDERS).optional(),
    connectionType: oneOf(CONNECTION_TYPES).optional(),
    health: oneOf(HEALTH_STATUSES).optional(),
    /** Exact region / location (the values of GET /api/admin/facets). */
    region: text(100).optional(),
    location: text(200).optional(),
    /** Channel limit (capacity) range, inclusive; a trunk without a limit matches no range. */
    capacityMin: capacity.optional(),
    capacityMax: capacity.optional(),
    /** Text in the name, display name, SIP URI, user name, region or location. */
    q: text(100).optional(),
    sort: sortParam(TRUNK_SORT_FIELDS).optional(),
  })
  .refine(
    (v) => v.capacityMin === undefined || v.capacityMax === undefined || v.capacityMin <= v.capacityMax,
    { message: 'must not be below capacityMin', path: ['capacityMax'] },
  );

/** The number filters: a list page, "all that match" in a bulk request and the CSV export take the same. */
const numberFilterFields = {
  ownerId: id.optional(),
  status: oneOf(NUMBER_STATUSES).optional(),
  numberType: oneOf(NUMBER_TYPES).optional(),
  country: country.optional(),
  areaCode: areaCode.optional(),
  /** Numbers actively assigned to this connection (trunk). */
  trunkId: id.optional(),
  /** Only numbers actively assigned with this type. */
  assignmentType: oneOf(ASSIGNMENT_TYPES).optional(),
  /** Digits or text in the number, city or region. */
  q: text(100).optional(),
};
export const listNumbersQuery = z.strictObject({
  ...pageFields,
  ...numberFilterFields,
  /** true: only numbers actively assigned to a connection; false: only unassigned ones. */
  assigned: boolQuery.optional(),
  sort: sortParam(NUMBER_SORT_FIELDS).optional(),
});
/** The same filters in a JSON body (bulk "all that match"): `assigned` is a JSON boolean there. */
export const numberFilterBody = z.strictObject(
  { ...numberFilterFields, assigned: bool().optional() },
  { error: expected('an object of number filters') },
);
export const listAssignmentsQuery = z.strictObject({
  ...pageFields,
  trunkId: id.optional(),
  phoneNumberId: id.optional(),
  ownerId: id.optional(),
  assignmentType: oneOf(ASSIGNMENT_TYPES).optional(),
  isActive: boolQuery.optional(),
  /** Digits in the number or text in the connection's name. */
  q: text(100).optional(),
  sort: sortParam(ASSIGNMENT_SORT_FIELDS).optional(),
});

/** The audit log, newest first. `limit` is the older name of `pageSize`. */
export const listAuditQuery = z.strictObject({
  ...pageFields,
  actorId: id.optional(),
  entityType: text(50).optional(),
  entityId: id.optional(),
  action: text(100).optional(),
  /** Inclusive lower bound: an ISO date (a whole UTC day) or a date-time with a time zone. */
  from: isoBound('from', 'must be an ISO date (2026-11-24) or date-time with a time zone').optional(),
  /** Upper bound: "to=2026-11-24" includes that whole day. */
  to: isoBound('to', 'must be an ISO date (2026-11-24) or date-time with a time zone').optional(),
  limit: z.coerce.number().int().min(1).max(500, 'must be at most 500').optional(),
  sort: sortParam(['createdAt'] as const).optional(),
});

/** CSV export of assignments: the number filters, or one connection (`dialer assign export --connection`). */
export const exportAssignmentsQuery = z.strictObject({
  ...numberFilterFields,
});

// ---- Bulk assignment (one request, one transaction) ----

/** Which numbers a bulk operation works on: explicit ids, or every number the filter matches. */
export const bulkTarget = z.union(
  [
    z.strictObject({
      phoneNumberIds: z
        .array(id, { error: expected('a list of ids') })
        .min(1, 'must name at least one number')
        .max(BULK_MAX_IDS, `must name at most ${BULK_MAX_IDS} numbers (use a filter for more)`),
    }),
    z.strictObject({ filter: numberFilterBody }),
  ],
  { error: 'must be { phoneNumberIds: [...] } or { filter: { ... } }' },
);

const dryRun = bool().optional();
export const bulkAssignmentBody = z.discriminatedUnion(
  'operation',
  [
    /** Assign each number to `trunkId` as `assignmentType` (a number already on another trunk is refused). */
    z.strictObject({
      operation: z.literal('assign'),
      trunkId: id,
      assignmentType: oneOf(ASSIGNMENT_TYPES),
      target: bulkTarget,
      dryRun,
    }),
    /** End each number's active assignment (kept as inactive, so its history stays); `trunkId`: only from there. */
    z.strictObject({
      operation: z.literal('unassign'),
      trunkId: id.optional(),
      target: bulkTarget,
      dryRun,
    }),
    /** Move each number's active assignment to `trunkId`, keeping its type unless `assignmentType` is given. */
    z.strictObject({
      operation: z.literal('reassign'),
      trunkId: id,
      assignmentType: oneOf(ASSIGNMENT_TYPES).optional(),
      target: bulkTarget,
      dryRun,
    }),
    /** Change the type of each number's active assignment. */
    z.strictObject({
      operation: z.literal('change_type'),
      assignmentType: oneOf(ASSIGNMENT_TYPES),
      target: bulkTarget,
      dryRun,
    }),
  ],
  { error: `operation: must be one of: ${BULK_OPERATIONS.join(', ')}` },
);

/** POST /api/admin/assignments/import?dryRun=true (the body is the CSV file, Content-Type: text/csv). */
export const importAssignmentsQuery = z.strictObject({
  dryRun: boolQuery.optional(),
});

// ---- Users, trunks, Telnyx ----

/** POST /api/admin/users/:id/password: the admin sets a new password; the user's sessions end. */
export const resetPasswordBody = z.strictObject({
  password: userFields.password,
});

export type ListUsersQuery = z.infer<typeof listUsersQuery>;
export type ListTrunksQuery = z.infer<typeof listTrunksQuery>;
export type ListNumbersQuery = z.infer<typeof listNumbersQuery>;
export type ListAssignmentsQuery = z.infer<typeof listAssignmentsQuery>;
export type ListAuditQuery = z.infer<typeof listAuditQuery>;
export type NumberFilterBody = z.infer<typeof numberFilterBody>;
export type BulkTarget = z.infer<typeof bulkTarget>;
export type BulkAssignmentRequest = z.infer<typeof bulkAssignmentBody>;
export type ResetPasswordRequest = z.infer<typeof resetPasswordBody>;
/** `{ field, direction }` of a parsed `?sort=`. */
export type SortOrder<F extends string> = { field: F; direction: 'asc' | 'desc' };
export type UserSortField = (typeof USER_SORT_FIELDS)[number];
export type TrunkSortField = (typeof TRUNK_SORT_FIELDS)[number];
export type NumberSortField = (typeof NUMBER_SORT_FIELDS)[number];
export type AssignmentSortField = (typeof ASSIGNMENT_SORT_FIELDS)[number];

export type CreateUserRequest = z.infer<typeof createUserBody>;
export type UpdateUserRequest = z.infer<typeof updateUserBody>;
export type CreateTrunkRequest = z.infer<typeof createTrunkBody>;
export type UpdateTrunkRequest = z.infer<typeof updateTrunkBody>;
export type CreatePhoneNumberRequest = z.infer<typeof createNumberBody>;
export type UpdatePhoneNumberRequest = z.infer<typeof updateNumberBody>;
export type CreateAssignmentRequest = z.infer<typeof createAssignmentBody>;
export type UpdateAssignmentRequest = z.infer<typeof updateAssignmentBody>;
