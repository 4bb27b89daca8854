/** Domain vocabulary shared by server, phone and web. No Node or DOM imports here. */

export const USER_ROLES = ['admin', 'agent'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const USER_STATUSES = ['active', 'inactive', 'suspended'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** Which calling adapter registers this trunk in the browser. */
export const PROVIDERS = ['telnyx', 'sip'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const CONNECTION_TYPES = ['credential', 'fqdn', 'ip'] as const;
export type ConnectionType = (typeof CONNECTION_TYPES)[number];

export const TRUNK_STATUSES = ['active', 'inactive', 'pending', 'failed'] as const;
export type TrunkStatus = (typeof TRUNK_STATUSES)[number];

export const HEALTH_STATUSES = ['up', 'degraded', 'down', 'unknown'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** Order matters: lists of assigned numbers are sorted primary, secondary, backup. */
export const ASSIGNMENT_TYPES = ['primary', 'secondary', 'backup'] as const;
export type AssignmentType = (typeof ASSIGNMENT_TYPES)[number];

export const NUMBER_STATUSES = ['active', 'inactive', 'pending', 'released'] as const;
export type NumberStatus = (typeof NUMBER_STATUSES)[number];

export const NUMBER_TYPES = ['local', 'toll_free', 'mobile', 'national', 'shared_cost', 'unknown'] as const;
export type NumberType = (typeof NUMBER_TYPES)[number];

/** What one bulk request (or one CSV import) does to each number it names. */
export const BULK_OPERATIONS = ['assign', 'unassign', 'reassign', 'change_type'] as const;
export type BulkOperation = (typeof BULK_OPERATIONS)[number];

/** The most numbers one bulk request or CSV import works on (one transaction). */
export const BULK_MAX_NUMBERS = 100_000;

/** The most ids a bulk request may list explicitly (more: use a filter). */
export const BULK_MAX_IDS = 10_000;

/** The largest CSV file the import reads (413 above it): 100,000 rows of a long line each. */
export const CSV_IMPORT_MAX_BYTES = 10 * 1024 * 1024;

/** The columns of an assignments CSV (import and export), in this order, as its header line. */
export const ASSIGNMENT_CSV_COLUMNS = ['number', 'connection', 'type', 'action'] as const;

/** The `action` of a CSV row. */
export const CSV_ACTIONS = ['assign', 'unassign'] as const;
export type CsvAction = (typeof CSV_ACTIONS)[number];

export const DTMF_MODES = ['rfc2833', 'info'] as const;
/** rfc2833 = RFC 4733 telephone-event in RTP; info = SIP INFO. */
export type DtmfMode = (typeof DTMF_MODES)[number];

export const CALL_DIRECTIONS = ['outbound', 'inbound'] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];

export const CALL_OUTCOMES = [
  'in_progress',
  'answered',
  'busy',
  'no_answer',
  'rejected',
  'cancelled',
  'failed',
  'abandoned',
] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** Who ended a call: this browser (`local`), the far end or the network (`remote`), the server (`system`). */
export const CALL_ENDED_BY = ['local', 'remote', 'system'] as const;
export type CallEndedBy = (typeof CALL_ENDED_BY)[number];

/**
 * STIR/SHAKEN result for an incoming caller, from the `verstat` parameter carriers put in
 * P-Asserted-Identity / From: TN-Validation-Passed = verified, No-TN-Validation = not_verified,
 * TN-Validation-Failed = failed.
 */
export const CALLER_VERIFICATIONS = ['verified', 'not_verified', 'failed'] as const;
export type CallerVerification = (typeof CALLER_VERIFICATIONS)[number];

/** Per-trunk settings kept as JSON in the database. Every field optional; defaults applied by readers. */
export interface TrunkSettings {
  codecs?: string[];
  dtmfMode?: DtmfMode;
  rtpTimeoutSeconds?: number;
  /** Telnyx only: mint short-lived login tokens (default true). false = send login/password. */
  useLoginToken?: boolean;
  /** SIP only: send the chosen caller ID as P-Asserted-Identity (default true). */
  sendPAssertedIdentity?: boolean;
}

export interface AssignmentSettings {
  /** Free-form per-assignment options (e.g. a label). */
  label?: string;
}

export function compareAssignmentType(a: AssignmentType, b: AssignmentType): number {
  return ASSIGNMENT_TYPES.indexOf(a) - ASSIGNMENT_TYPES.indexOf(b);
}
