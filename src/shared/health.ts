/**
 * Trunk health: what the probes measure, the rules that turn measurements into a state (the semantics
 * of Kamailio's dispatcher and Asterisk's qualify), and the live events that carry it to open pages.
 */
import type { HealthStatus } from './domain.js';
import type { ConnectionHealthDto } from './api.js';

/** The admin-editable rules (audited when changed). */
export interface HealthThresholds {
  /** Failures in a row before an up (or unknown) connection is down. */
  failuresBeforeDown: number;
  /** Successes in a row before a down connection is up again. */
  successesBeforeUp: number;
  /** How long a probe waits for an answer. */
  probeTimeoutMs: number;
  /** Average latency over the window above which an answering connection is degraded. */
  degradedLatencyMs: number;
  /** How many recent probe latencies the average, deviation and maximum are taken over. */
  latencyWindow: number;
  /** Answer rate of real calls (percent) below which the connection is degraded... */
  degradedAnswerRatePct: number;
  /** ...once at least this many calls were placed on it... */
  answerRateMinCalls: number;
  /** ...within this many minutes. */
  answerRateWindowMinutes: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  failuresBeforeDown: 3,
  successesBeforeUp: 2,
  probeTimeoutMs: 2000,
  degradedLatencyMs: 500,
  latencyWindow: 10,
  degradedAnswerRatePct: 20,
  answerRateMinCalls: 10,
  answerRateWindowMinutes: 60,
};

export interface HealthSettingsDto {
  thresholds: HealthThresholds;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** Latency over the window (Kamailio dispatcher's latency stats). */
export interface LatencyStats {
  avgMs: number | null;
  /** Standard deviation. */
  stdDevMs: number | null;
  maxMs: number | null;
  samples: number;
}

/** Where an observation came from. */
export type HealthSource = 'probe' | 'live-check' | 'registration' | 'call';

export interface HealthChangeDto {
  id: string;
  connectionId: string;
  status: HealthStatus;
  previousStatus: HealthStatus;
  reason: string;
  source: HealthSource;
  latencyMs: number | null;
  at: string;
}

export interface HealthSampleDto {
  at: string;
  ok: boolean;
  latencyMs: number | null;
  source: HealthSource;
  reason: string | null;
}

/** The checks of one time slot: what the health page charts, with the same figures in its table. */
export interface HealthBucketDto {
  /** Start of the slot (ISO, UTC); the slot lasts the series' `bucketMinutes`. */
  start: string;
  checks: number;
  failures: number;
  /** Latency of the answered checks in the slot; null when none answered with a measurement. */
  avgMs: number | null;
  maxMs: number | null;
}

/** GET …/health of one connection: now, the rules' view, state changes and latency over time. */
export interface ConnectionHealthReportDto {
  connectionId: string;
  name: string;
  /** The window asked for: from `since` to the time of the report. */
  hours: number;
  since: string;
  health: ConnectionHealthDto;
  latency: LatencyStats;
  thresholds: HealthThresholds;
  /** State changes in the window, newest first (at most 500). */
  changes: HealthChangeDto[];
  /** The newest observations in the window, oldest first (at most 5,000). */
  samples: HealthSampleDto[];
  /** Every observation in the window, per time slot, oldest first (empty slots included). */
  series: { bucketMinutes: number; buckets: HealthBucketDto[] };
}

/** The slot of the health page's series: about 12 to 60 slots whatever the window. */
export function healthBucketMinutes(hours: number): number {
  if (hours <= 1) return 5;
  if (hours <= 6) return 15;
  if (hours <= 24) return 60;
  if (hours <= 72) return 180;
  return 360;
}

/** One check of one target (a WebSocket server, a SIP host over UDP/TCP/TLS, the Telnyx API). */
export interface ProbeCheckDto {
  /** e.g. "ws://127.0.0.1:8080", "udp:sip.example.com:5060", "Telnyx API". */
  target: string;
  ok: boolean;
  latencyMs: number | null;
  /** Plain words: "200 OK in 18 ms", "no answer to OPTIONS in 2 s". */
  detail: string;
  /** Not probed (a SIP domain that is only a realm, no address): neither success nor failure. */
  skipped?: boolean;
}

/** POST /api/admin/trunks/:id/test: reachability and a registration with the connection's credentials. */
export interface TrunkTestResultDto {
  connectionId: string;
  reachable: boolean;
  latencyMs: number | null;
  checks: ProbeCheckDto[];
  registration: { attempted: boolean; ok: boolean; detail: string };
  health: ConnectionHealthDto;
  /** One sentence for the admin. */
  summary: string;
}

/** `dialer health check --json` items. */
export interface HealthCheckItemDto {
  connectionId: string;
  name: string;
  state: HealthStatus;
  latencyMs: number | null;
  checkedAt: string | null;
  reason: string | null;
  active: boolean;
}

/** Server-sent events (GET /api/events). Health is the first type. */
export type LiveEvent = {
  type: 'connection.health';
  connectionId: string;
  ownerId: string;
  health: ConnectionHealthDto;
  /** Set when the state changed with this event. */
  previousStatus?: HealthStatus;
};

export type LiveEventType = LiveEvent['type'];

/**
 * Why a call failed because of its trunk (transport error, 408, 5xx: the proxy could not or would not
 * set it up), in plain words; null when the trunk is not to blame (busy, rejected, no answer, a cancel).
 * The server counts it as a failed health observation; the dialer offers to retry on another connection.
 * A 408 before any ringing (no 18x, `progressAt` unset) is the proxy's silence even when the phone
 * words it "no answer"; after ringing it is the callee's.
 */
export function trunkFailureReason(call: {
  outcome: string;
  sipCode: number | null;
  hangupCause: string | null;
  progressAt?: string | null;
}): string | null {
  const code = call.sipCode;
  if (code === 408 && !call.progressAt && (call.outcome === 'failed' || call.outcome === 'no_answer')) {
    return 'a call got no answer from the proxy (408)';
  }
  if (call.outcome !== 'failed') return null;
  if (code !== null && code >= 500 && code <= 599) return `a call was refused by the trunk (${code})`;
  if (code === null && /network|connection|transport|timeout/i.test(call.hangupCause ?? '')) {
    return 'a call could not reach the trunk (transport error)';
  }
  return null;
}
