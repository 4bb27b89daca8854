/**
 * What is wrong with a user's connections, in words an admin can act on. Pure functions over rows the
 * command has already read (every trunk of the user whatever its status, every assignment including the
 * inactive ones), so the rules are testable without a database. The rules mirror what the dialer does:
 * the connections list shows only active trunks and active assignments, and registration uses the trunk's
 * credentials, else the configured defaults (see server/services/registration-service.ts).
 */
import type { ConnectionListDto } from '../../shared/api.js';
import { compareAssignmentType, type AssignmentType } from '../../shared/domain.js';
import type { Config } from '../../server/config.js';
import type { UserRow } from '../../server/db/schema.js';
import type { TrunkView } from '../../server/repositories/trunk-repository.js';

export interface AssignmentFact {
  trunkId: string;
  number: string;
  assignmentType: string;
  isActive: boolean;
  /** phone_numbers.status of the number. */
  numberStatus: string;
}

export interface TrunkFacts {
  trunk: TrunkView;
  assignments: AssignmentFact[];
  /** false when a stored password exists but the current CREDENTIALS_KEY cannot open it. */
  passwordDecrypts: boolean;
}

export type CredentialsState = 'present' | 'fallback' | 'missing';

export interface ConnectionDiagnosis {
  id: string;
  name: string;
  provider: string;
  connectionType: string;
  status: string;
  /** Listed by the dialer (GET /api/connections): active trunk. */
  shownInDialer: boolean;
  wsServer: string | null;
  sipUri: string | null;
  username: string | null;
  telnyxConnectionId: string | null;
  region: string | null;
  location: string | null;
  channelLimit: number | null;
  health: { status: string; checkedAt: string | null; latencyMs: number | null; message: string | null };
  credentials: CredentialsState;
  numbers: { number: string; assignmentType: string; active: boolean; numberStatus: string }[];
  problems: string[];
  warnings: string[];
  /** What the health probes found just now (the admin's live check); absent with --no-probe. */
  probe?: { reachable: boolean; registered: boolean | null; summary: string };
}

export interface UserDiagnosis {
  user: { id: string; email: string; name: string; role: string; status: string };
  problems: string[];
  connections: ConnectionDiagnosis[];
  /** Exactly what GET /api/connections returns to this user. */
  api: ConnectionListDto;
  problemCount: number;
}

const HIDDEN = 'the dialer hides it';

function defaultCredentials(config: Config, provider: string): { applies: boolean; names: string } {
  if (provider === 'telnyx') {
    const d = config.defaultTelnyx;
    return { applies: !!(d.login && d.password), names: 'DEFAULT_TELNYX_LOGIN/DEFAULT_TELNYX_PASSWORD' };
  }
  const d = config.defaultSip;
  return { applies: !!(d.username && d.password), names: 'DEFAULT_SIP_USERNAME/DEFAULT_SIP_PASSWORD' };
}

export function diagnoseTrunk(facts: TrunkFacts, config: Config): ConnectionDiagnosis {
  const t = facts.trunk;
  const problems: string[] = [];
  const warnings: string[] = [];

  if (t.status !== 'active') {
    const why: Record<string, string> = {
      inactive: `trunk is inactive: ${HIDDEN}`,
      pending: `trunk is pending (not provisioned yet): ${HIDDEN} until it is active`,
      failed: `trunk has failed provisioning: ${HIDDEN}`,
    };
    problems.push(why[t.status] ?? `trunk status is "${t.status}": ${HIDDEN}`);
  }

  const active = facts.assignments
    .filter((a) => a.isActive)
    .sort(
      (a, b) =>
        compareAssignmentType(a.assignmentType as AssignmentType, b.assignmentType as AssignmentType) ||
        a.number.localeCompare(b.number),
    );
  const inactive = facts.assignments.filter((a) => !a.isActive);
  if (active.length === 0) {
    problems.push(
      inactive.length
        ? `no active numbers (${inactive.length} inactive assignment${inactive.length > 1 ? 's' : ''}): no caller ID to call with`
        : 'no numbers assigned: no caller ID to call with',
    );
  } else if (!active.some((a) => a.assignmentType === 'primary')) {
    problems.push(`no active primary number (has ${active.map((a) => a.assignmentType).join(', ')})`);
  }
  for (const a of active) {
    if (a.numberStatus !== 'active')
      problems.push(`number ${a.number} is ${a.numberStatus} but still assigned`);
  }

  const own = Number(t.has_password) === 1 && !!t.sip_username;
  const fallback = defaultCredentials(config, t.provider);
  let credentials: CredentialsState = own ? 'present' : fallback.applies ? 'fallback' : 'missing';
  if (!own) {
    const missing =
      !t.sip_username && Number(t.has_password) !== 1
        ? 'user name and password'
        : !t.sip_username
          ? 'user name'
          : 'password';
    problems.push(
      fallback.applies
        ? `credentials missing (${missing}): registration falls back to the default credentials (${fallback.names})`
        : `credentials missing (${missing}) and no default credentials configured (${fallback.names}): registration will fail`,
    );
  } else if (!facts.passwordDecrypts) {
    credentials = 'missing';
    problems.push('stored password cannot be decrypted with the current CREDENTIALS_KEY: set it again');
  }

  if (t.provider === 'sip') {
    if (!t.ws_server) {
      problems.push(
        config.defaultSip.wsServer
          ? `no WebSocket server (ws_server); DEFAULT_SIP_WS_SERVER ${config.defaultSip.wsServer} would be used`
          : 'no WebSocket server (ws_server) and no DEFAULT_SIP_WS_SERVER: the browser cannot register',
      );
    }
    if (!t.sip_uri) {
      problems.push(
        config.defaultSip.sipUri
          ? `no SIP URI (sip_uri); DEFAULT_SIP_URI ${config.defaultSip.sipUri} would be used`
          : 'no SIP URI (sip_uri) and no DEFAULT_SIP_URI: the browser cannot register',
      );
    }
  }
  if (t.provider === 'telnyx') {
    if (!t.telnyx_connection_id)
      problems.push('Telnyx trunk without telnyx_connection_id: sync and tokens cannot find it');
    if (t.missing_at_telnyx_at)
      problems.push(`no longer exists at Telnyx (noticed by sync at ${t.missing_at_telnyx_at})`);
  }

  if (t.health_status === 'down') {
    problems.push(`health is down${t.health_message ? `: ${t.health_message}` : ''}`);
  } else if (t.health_status === 'degraded') {
    warnings.push(`health is degraded${t.health_message ? `: ${t.health_message}` : ''}`);
  }
  if (inactive.length && active.length) {
    warnings.push(
      `${inactive.length} inactive assignment${inactive.length > 1 ? 's' : ''} (hidden from the dialer)`,
    );
  }

  return {
    id: t.id,
    name: t.name,
    provider: t.provider,
    connectionType: t.connection_type,
    status: t.status,
    shownInDialer: t.status === 'active',
    wsServer: t.ws_server,
    sipUri: t.sip_uri,
    username: t.sip_username,
    telnyxConnectionId: t.telnyx_connection_id,
    region: t.region,
    location: t.location,
    channelLimit: t.channel_limit,
    health: {
      status: t.health_status,
      checkedAt: t.health_checked_at,
      latencyMs: t.health_latency_ms,
      message: t.health_message,
    },
    credentials,
    numbers: [...active, ...inactive].map((a) => ({
      number: a.number,
      assignmentType: a.assignmentType,
      active: a.isActive,
      numberStatus: a.numberStatus,
    })),
    problems,
    warnings,
  };
}

export function diagnoseUser(
  user: UserRow,
  trunks: TrunkFacts[],
  api: ConnectionListDto,
  config: Config,
): UserDiagnosis {
  const problems: string[] = [];
  if (user.status !== 'active') problems.push(`user is ${user.status}: cannot log in to the dialer`);
  if (trunks.length === 0) problems.push('user has no connections: the dialer has nothing to call with');
  else if (!trunks.some((t) => t.trunk.status === 'active')) {
    problems.push('user has no active connections: the dialer shows an empty list');
  }
  const connections = trunks.map((t) => diagnoseTrunk(t, config));
  return {
    user: { id: user.id, email: user.email, name: user.name, role: user.role, status: user.status },
    problems,
    connections,
    api,
    problemCount: problems.length + connections.reduce((n, c) => n + c.problems.length, 0),
  };
}
