/** Words and formats the pages show for domain values. */
import type {
  AssignmentType,
  CallDirection,
  CallOutcome,
  CallerVerification,
  ConnectionType,
  HealthStatus,
  NumberStatus,
  NumberType,
  Provider,
  TrunkStatus,
} from '../../shared/domain.js';

export const HEALTH_TEXT: Record<HealthStatus, string> = {
  up: 'Up',
  degraded: 'Degraded',
  down: 'Down',
  unknown: 'Unknown',
};

export const PROVIDER_TEXT: Record<Provider, string> = { telnyx: 'Telnyx', sip: 'SIP' };

export const CONNECTION_TYPE_TEXT: Record<ConnectionType, string> = {
  credential: 'Credential',
  fqdn: 'FQDN',
  ip: 'IP',
};

export const TRUNK_STATUS_TEXT: Record<TrunkStatus, string> = {
  active: 'Active',
  inactive: 'Inactive',
  pending: 'Pending',
  failed: 'Failed',
};

export const ASSIGNMENT_TEXT: Record<AssignmentType, string> = {
  primary: 'Primary',
  secondary: 'Secondary',
  backup: 'Backup',
};

export const NUMBER_TYPE_TEXT: Record<NumberType, string> = {
  local: 'Local',
  toll_free: 'Toll-free',
  mobile: 'Mobile',
  national: 'National',
  shared_cost: 'Shared cost',
  unknown: 'Unknown type',
};

export const NUMBER_STATUS_TEXT: Record<NumberStatus, string> = {
  active: 'Active',
  inactive: 'Inactive',
  pending: 'Pending',
  released: 'Released',
};

export const DIRECTION_TEXT: Record<CallDirection, string> = { outbound: 'Outbound', inbound: 'Inbound' };

/** STIR/SHAKEN result beside an incoming caller ID. */
export const VERIFICATION_TEXT: Record<CallerVerification, string> = {
  verified: 'Verified',
  not_verified: 'Not verified',
  failed: 'Verification failed',
};

export const OUTCOME_TEXT: Record<CallOutcome, string> = {
  in_progress: 'In progress',
  answered: 'Answered',
  busy: 'Busy',
  no_answer: 'No answer',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
  failed: 'Failed',
  abandoned: 'Abandoned',
};

export const DTMF_TEXT: Record<string, string> = {
  rfc2833: 'RFC 2833 / 4733 (in RTP)',
  info: 'SIP INFO',
};

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : time.format(date);
}

/** "2 min ago", "just now"; falls back to the date past a day. */
export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return 'never';
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((now - then) / 1000);
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return formatDateTime(iso);
}

/** "1:05" or "1:02:03". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * What a call's record says of the network interruptions it lived through (the History row), or null
 * when it had none: "Reconnected after 2.2 s" (a no-break space before the unit), "Interrupted, not recovered"; with the count when more
 * than one ("Interrupted 3 times, last reconnected after 0.8 s").
 */
export function interruptionText(call: {
  outcome: CallOutcome;
  interruptions: number;
  recoveredAfterMs: number | null;
}): string | null {
  if (call.interruptions <= 0) return null;
  const last =
    call.recoveredAfterMs !== null
      ? `reconnected after ${(call.recoveredAfterMs / 1000).toFixed(1)}\u00a0s`
      : call.outcome === 'in_progress'
        ? 'reconnecting…'
        : 'not recovered';
  if (call.interruptions > 1) return `Interrupted ${call.interruptions} times, last ${last}`;
  if (call.recoveredAfterMs !== null) return `R${last.slice(1)}`;
  return call.outcome === 'in_progress' ? 'Reconnecting…' : 'Interrupted, not recovered';
}
