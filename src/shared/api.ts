/**
 * The HTTP API's request and response shapes, shared by the server (which produces them) and the
 * browser (which consumes them). Timestamps are ISO 8601 strings in UTC.
 */
import type {
  AssignmentType,
  CallDirection,
  CallEndedBy,
  CallerVerification,
  CallOutcome,
  ConnectionType,
  HealthStatus,
  NumberType,
  Provider,
  TrunkSettings,
  TrunkStatus,
  UserRole,
  UserStatus,
} from './domain.js';

export interface UserDto {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  status: UserStatus;
  /** ISO 3166 alpha-2, used to normalise dialled numbers to E.164. */
  defaultCountry: string;
  createdAt: string;
  lastLoginAt: string | null;
}

/** Answer of login and of GET /api/auth/me. The CSRF token goes in `x-csrf-token` on writes. */
export interface SessionDto {
  user: UserDto;
  csrfToken: string;
  expiresAt: string;
}

export interface AssignedNumberDto {
  assignmentId: string;
  phoneNumberId: string;
  /** E.164, e.g. +13125550100 */
  number: string;
  assignmentType: AssignmentType;
  assignedAt: string;
  country: string | null;
  city: string | null;
  region: string | null;
  numberType: NumberType;
  capabilities: string[];
}

export interface ConnectionHealthDto {
  status: HealthStatus;
  checkedAt: string | null;
  latencyMs: number | null;
  message: string | null;
}

export interface ConnectionDto {
  id: string;
  name: string;
  provider: Provider;
  connectionType: ConnectionType;
  status: TrunkStatus;
  sipUri: string | null;
  wsServer: string | null;
  /** SIP user name (not secret); never the password. */
  username: string | null;
  region: string | null;
  location: string | null;
  channelLimit: number | null;
  settings: TrunkSettings;
  notes: string | null;
  health: ConnectionHealthDto;
  hasCredentials: boolean;
  /**
   * The admin lets this connection place calls to emergency numbers (911, 112, …). A caller ID with the
   * capability "emergency" (a Telnyx number with emergency_enabled) may place them too.
   */
  emergencyCalls: boolean;
  telnyxConnectionId: string | null;
  activatedAt: string | null;
  numbers: AssignedNumberDto[];
}

export type ConnectionSource = 'database' | 'telnyx';

export interface ConnectionListDto {
  source: ConnectionSource;
  count: number;
  fetchedAt: string;
  connections: ConnectionDto[];
}

/** What the browser needs to register one connection (POST /api/connections/:id/registration). */
export type RegistrationDto = SipRegistrationDto | TelnyxRegistrationDto;

export interface SipRegistrationDto {
  provider: 'sip';
  connectionId: string;
  /** wss://… or ws://… SIP-over-WebSocket server (RFC 7118). */
  wsServer: string;
  /** sip:user@domain */
  sipUri: string;
  authorizationUser: string;
  password: string;
  displayName: string;
  /** true when the connection had no credentials and the server's default credentials were used. */
  fallback: boolean;
  dtmfMode: 'rfc2833' | 'info';
  /** Send the chosen caller ID as P-Asserted-Identity. */
  sendPAssertedIdentity: boolean;
  iceServers: { urls: string | string[]; username?: string; credential?: string }[];
}

export interface TelnyxRegistrationDto {
  provider: 'telnyx';
  connectionId: string;
  /** Short-lived JWT for `login_token` (preferred). */
  loginToken?: string;
  tokenExpiresAt?: string;
  /** Only when tokens are turned off for the connection (or not yet available). */
  login?: string;
  password?: string;
  displayName: string;
  fallback: boolean;
  dtmfMode: 'rfc2833' | 'info';
  /** Override of the Telnyx WebRTC server (tests/self-hosted); omitted = the SDK's default. */
  rtcHost?: string;
}

export interface CallDto {
  id: string;
  userId: string;
  connectionId: string | null;
  connectionName: string | null;
  phoneNumberId: string | null;
  callerNumber: string | null;
  remoteNumber: string;
  direction: CallDirection;
  outcome: CallOutcome;
  hangupCause: string | null;
  sipCode: number | null;
  /** The SIP Call-ID of the dialog (null when the phone never learnt it). */
  sipCallId: string | null;
  startedAt: string;
  /** Outbound: when the INVITE left; inbound: when it arrived. */
  inviteAt: string | null;
  /** The first provisional response (18x). */
  progressAt: string | null;
  /** Post-dial delay in ms: progressAt - inviteAt (null when either is unknown). */
  pddMs: number | null;
  answeredAt: string | null;
  endedAt: string | null;
  endedBy: CallEndedBy | null;
  durationSeconds: number | null;
  /** Network interruptions the call lived through. */
  interruptions: number;
  /** When the latest interruption began (the call showed "Reconnecting…"). */
  interruptedAt: string | null;
  /** How long the call took to recover from it, ms (null while reconnecting, or if it never did). */
  recoveredAfterMs: number | null;
  /** Inbound STIR/SHAKEN result. */
  callerVerification: CallerVerification | null;
  isEmergency: boolean;
  /** Failover: the earlier attempt this call retried. */
  retryOfCallId: string | null;
  quality: CallQualityDto | null;
}

export interface CallQualityDto {
  mos: number | null;
  jitterMs: number | null;
  packetLossPct: number | null;
  rttMs: number | null;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}
