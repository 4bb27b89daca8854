/**
 * Kysely table types: every column of every migration (0001_initial, 0002_telnyx, 0004_connections_revision),
 * so no code needs a cast over the database type. Add the columns of a new migration here in the same
 * commit. The same schema runs on SQLite and PostgreSQL, so types stay portable: ids are text (UUIDs made
 * by the app), timestamps are ISO 8601 UTC text, booleans are 0/1 integers, JSON documents are text.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  role: string;
  status: string;
  default_country: string;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export interface SessionsTable {
  /** sha256 of the cookie token: a stolen database does not yield live cookies. */
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  ip: string | null;
  user_agent: string | null;
}

export interface SipTrunksTable {
  id: string;
  owner_id: string;
  name: string;
  provider: string;
  connection_type: string;
  status: string;
  telnyx_connection_id: string | null;
  /** Telnyx telephony credential used to mint login tokens for this trunk. */
  telnyx_credential_id: string | null;
  sip_uri: string | null;
  ws_server: string | null;
  sip_username: string | null;
  /** AES-256-GCM envelope (see repositories/credential-cipher.ts); null = no password stored. */
  sip_password_enc: string | null;
  display_name: string | null;
  settings: string;
  region: string | null;
  location: string | null;
  channel_limit: number | null;
  notes: string | null;
  health_status: string;
  health_checked_at: string | null;
  health_latency_ms: number | null;
  health_message: string | null;
  /** Set by Telnyx sync when the connection no longer exists at Telnyx (never deleted silently). */
  missing_at_telnyx_at: string | null;
  activated_at: string | null;
  created_at: string;
  updated_at: string;
  /** Telnyx's `active` at the last sync (1/0); null = never synced (0002_telnyx). */
  telnyx_active: number | null;
  /** The sync run that last saw this connection at Telnyx (0002_telnyx). */
  telnyx_seen_run_id: string | null;
  /** 1 = may place calls to emergency numbers (admin's choice; 0009_emergency_calls). */
  emergency_calls: Generated<number>;
}

export interface PhoneNumbersTable {
  id: string;
  owner_id: string | null;
  number: string;
  country: string | null;
  area_code: string | null;
  city: string | null;
  region: string | null;
  carrier: string | null;
  number_type: string;
  status: string;
  capabilities: string;
  telnyx_number_id: string | null;
  monthly_rate: number | null;
  purchased_at: string | null;
  metadata: string;
  missing_at_telnyx_at: string | null;
  created_at: string;
  updated_at: string;
  /** The connection Telnyx routes the number to, as of the last sync or push (0002_telnyx). */
  telnyx_connection_id: string | null;
  /** The sync run that last saw this number at Telnyx (0002_telnyx). */
  telnyx_seen_run_id: string | null;
  /**
   * Copy of the number's active assignment (trunk, type), null when unassigned, kept by the database's
   * triggers on trunk_phone_numbers for the admin list's filters and sort (0014). The app never updates it;
   * the Telnyx sync inserts a new number with the copy of the assignment it creates in the same
   * transaction, so the trigger has nothing to rewrite (0018); the triggers still overwrite a copy that
   * differs.
   */
  assigned_trunk_id: ColumnType<string | null, string | null | undefined, never>;
  assigned_type: ColumnType<string | null, string | null | undefined, never>;
}

export interface TrunkPhoneNumbersTable {
  id: string;
  trunk_id: string;
  phone_number_id: string;
  assignment_type: string;
  is_active: number;
  assigned_at: string;
  last_used_at: string | null;
  settings: string;
  created_at: string;
  updated_at: string;
}

export interface CallsTable {
  id: string;
  /**
   * Who made or took the call, on which connection, with which number as caller ID. ON DELETE RESTRICT
   * (0012_history_outlives_accounts): a user, trunk or number that calls refer to is deactivated, never deleted.
   * trunk_id / phone_number_id are null when the call was recorded without one.
   */
  user_id: string;
  trunk_id: string | null;
  phone_number_id: string | null;
  caller_number: string | null;
  remote_number: string;
  direction: string;
  outcome: string;
  hangup_cause: string | null;
  sip_code: number | null;
  sip_call_id: string | null;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  duration_seconds: number | null;
  mos: number | null;
  jitter_ms: number | null;
  packet_loss_pct: number | null;
  rtt_ms: number | null;
  /** Outbound: when the INVITE left; inbound: when it arrived (0006). */
  invite_at: string | null;
  /** First provisional response (18x): post-dial delay = progress_at - invite_at (0006). */
  progress_at: string | null;
  /** 'local' | 'remote' | 'system' (0006). */
  ended_by: string | null;
  /** Network interruptions the call lived through (0006). */
  interruptions: Generated<number>;
  /** Inbound STIR/SHAKEN: 'verified' | 'not_verified' | 'failed' (0006). */
  caller_verification: string | null;
  /** 0/1 (0006). */
  is_emergency: Generated<number>;
  /** Failover: the attempt this call retried (0006). */
  retry_of_call_id: string | null;
  last_seen_at: string;
  created_at: string;
  updated_at: string;
}

export interface AuditLogTable {
  id: string;
  actor_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  details: string;
  created_at: string;
}

export interface SyncRunsTable {
  id: string;
  provider: string;
  status: string;
  triggered_by: string | null;
  started_at: string;
  finished_at: string | null;
  heartbeat_at: string;
  pages_total: number | null;
  pages_done: number;
  counts: string;
  errors: string;
  /** `hostname:pid` of the process running it, to tell a crashed run from a live one (0002_telnyx). */
  runner: string | null;
}

/** One revision counter per cached read, bumped by triggers in the writing transaction (0004). */
export interface DataRevisionsTable {
  name: string;
  /** bigint on PostgreSQL (pg returns it as a string), integer on SQLite. */
  revision: number | string;
}

/**
 * Failed logins per account, shared by every app instance (the per-account throttle). Keyed by the
 * SHA-256 of the normalised email, so attempts on unknown emails are throttled alike without storing them.
 */
export interface LoginThrottleTable {
  account_key: string;
  /** Consecutive failed attempts (an attempt counts as failed until its password is verified). */
  failures: number;
  last_failure_at: string;
  /** No attempt is checked before this time (null below the failure threshold). */
  locked_until: string | null;
}

/** The health rules' counters per trunk (0008). */
export interface TrunkHealthStateTable {
  trunk_id: string;
  fail_streak: number;
  ok_streak: number;
  /** Plain-words reason of a refused registration; only a successful registration clears it. */
  registration_refused: string | null;
  updated_at: string;
}

/** Every health observation: probe, live check, browser registration, failed call (0008). */
export interface TrunkHealthSamplesTable {
  id: string;
  trunk_id: string;
  checked_at: string;
  /** 0/1 */
  ok: number;
  latency_ms: number | null;
  source: string;
  reason: string | null;
}

/** Each change of a trunk's health state (0008). */
export interface TrunkHealthHistoryTable {
  id: string;
  trunk_id: string;
  status: string;
  previous_status: string;
  reason: string;
  source: string;
  latency_ms: number | null;
  created_at: string;
}

/** The admin-editable health thresholds, one row 'default' holding JSON (0008). */
export interface HealthSettingsTable {
  id: string;
  thresholds: string;
  updated_at: string;
  updated_by: string | null;
}

/** Which instance runs a periodic job now (0011): held until expires_at, renewed by its holder. */
export interface JobLeasesTable {
  name: string;
  /** The instance: host, process id and a random part. */
  holder: string;
  expires_at: string;
  /** When this holder took it (unchanged by renewals). */
  acquired_at: string;
}

/** Key columns of every analytics roll-up table (0015_analytics_rollups; '' where a key is absent). */
interface RollupKeyColumns {
  /** 'n' per number, 't' per connection, 'a' everyone. */
  lvl: string;
  /** 'q' UTC 15-minute slot, 'd' UTC day. */
  span: string;
  /** 'YYYY-MM-DDTHH:MM' (span q) or 'YYYY-MM-DD' (span d), UTC. */
  bucket: string;
  trunk_id: string;
  phone_number_id: string;
  user_id: string;
  direction: string;
}

export interface CallRollupsTable extends RollupKeyColumns {
  attempts: number | string;
  answered: number | string;
  network_completed: number | string;
  talk_calls: number | string;
  talk_seconds: number | string;
  mos_calls: number | string;
  mos_sum: number;
  /** Calls per MOS band (MOS_BANDS order). */
  mos_b0: number | string;
  mos_b1: number | string;
  mos_b2: number | string;
  mos_b3: number | string;
  mos_b4: number | string;
}

export interface CallRollupValuesTable extends RollupKeyColumns {
  /** 'pdd' | 'jitter' | 'loss' */
  metric: string;
  /** The value truncated to two significant digits (valueBucket). */
  value: number;
  calls: number | string;
}

export interface CallRollupFailuresTable extends RollupKeyColumns {
  /** 0 when the call had no SIP code. */
  sip_code: number;
  outcome: string;
  /** 1 when an 18x was received. */
  rang: number;
  calls: number | string;
}

export interface CallRollupDestinationsTable extends RollupKeyColumns {
  /** The first 6 characters of the remote number. */
  prefix: string;
  /** One remote number with that prefix (for its country). */
  sample: string;
  calls: number | string;
  answered: number | string;
  talk_seconds: number | string;
}

export interface CallRollupPeaksTable {
  /** 'q' UTC 15-minute slot, 'd' UTC day (0015); 'l' the connection's marker row that writes lock. */
  span: string;
  bucket: string;
  trunk_id: string;
  /** The most of the connection's calls up at one instant in the bucket. */
  peak: number;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  sip_trunks: SipTrunksTable;
  phone_numbers: PhoneNumbersTable;
  trunk_phone_numbers: TrunkPhoneNumbersTable;
  calls: CallsTable;
  audit_log: AuditLogTable;
  sync_runs: SyncRunsTable;
  login_throttle: LoginThrottleTable;
  data_revisions: DataRevisionsTable;
  trunk_health_state: TrunkHealthStateTable;
  trunk_health_samples: TrunkHealthSamplesTable;
  trunk_health_history: TrunkHealthHistoryTable;
  health_settings: HealthSettingsTable;
  job_leases: JobLeasesTable;
  call_rollups: CallRollupsTable;
  call_rollup_values: CallRollupValuesTable;
  call_rollup_failures: CallRollupFailuresTable;
  call_rollup_destinations: CallRollupDestinationsTable;
  call_rollup_peaks: CallRollupPeaksTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type SipTrunkRow = Selectable<SipTrunksTable>;
export type NewSipTrunkRow = Insertable<SipTrunksTable>;
export type SipTrunkUpdate = Updateable<SipTrunksTable>;
export type PhoneNumberRow = Selectable<PhoneNumbersTable>;
export type NewPhoneNumberRow = Insertable<PhoneNumbersTable>;
export type PhoneNumberUpdate = Updateable<PhoneNumbersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type AssignmentRow = Selectable<TrunkPhoneNumbersTable>;
export type AssignmentUpdate = Updateable<TrunkPhoneNumbersTable>;
export type CallRow = Selectable<CallsTable>;
export type SyncRunRow = Selectable<SyncRunsTable>;
export type LoginThrottleRow = Selectable<LoginThrottleTable>;
// Generated is re-exported for migrations that add defaulted columns later.
export type { Generated };
