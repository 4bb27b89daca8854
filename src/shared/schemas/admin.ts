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
  CONNECTION_TYPES,
  DTMF_MODES,
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
  id as idRule,
  int,
  oneOf,
  pageFields,
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

export const listUsersQuery = z.strictObject({
  ...pageFields,
  role: oneOf(USER_ROLES).optional(),
  status: oneOf(USER_STATUSES).optional(),
  q: text(100).optional(),
});
export const listTrunksQuery = z.strictObject({
  ...pageFields,
  ownerId: id.optional(),
  status: oneOf(TRUNK_STATUSES).optional(),
  provider: oneOf(PROVIDERS).optional(),
  connectionType: oneOf(CONNECTION_TYPES).optional(),
  q: text(100).optional(),
});
export const listNumbersQuery = z.strictObject({
  ...pageFields,
  ownerId: id.optional(),
  status: oneOf(NUMBER_STATUSES).optional(),
  numberType: oneOf(NUMBER_TYPES).optional(),
  country: country.optional(),
  assigned: boolQuery.optional(),
  q: text(100).optional(),
});
export const listAssignmentsQuery = z.strictObject({
  ...pageFields,
  trunkId: id.optional(),
  phoneNumberId: id.optional(),
  ownerId: id.optional(),
  assignmentType: oneOf(ASSIGNMENT_TYPES).optional(),
  isActive: boolQuery.optional(),
});

export const listAuditQuery = z.strictObject({
  entityType: text(50).optional(),
  entityId: id.optional(),
  action: text(100).optional(),
  limit: z.coerce.number().int().min(1).max(500, 'must be at most 500').optional(),
});

export type CreateUserRequest = z.infer<typeof createUserBody>;
export type UpdateUserRequest = z.infer<typeof updateUserBody>;
export type CreateTrunkRequest = z.infer<typeof createTrunkBody>;
export type UpdateTrunkRequest = z.infer<typeof updateTrunkBody>;
export type CreatePhoneNumberRequest = z.infer<typeof createNumberBody>;
export type UpdatePhoneNumberRequest = z.infer<typeof updateNumberBody>;
export type CreateAssignmentRequest = z.infer<typeof createAssignmentBody>;
export type UpdateAssignmentRequest = z.infer<typeof updateAssignmentBody>;
export type ListUsersQuery = z.infer<typeof listUsersQuery>;
export type ListAuditQuery = z.infer<typeof listAuditQuery>;
