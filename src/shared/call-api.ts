/**
 * Request and response shapes of the call-records API (/api/calls), for the phone (which writes the
 * records) and the history and analytics pages (which read them). The record itself is `CallDto` in
 * api.ts. Timestamps are ISO 8601 with a time zone; the server stores them in UTC. The request bodies are
 * the input types of the zod schemas in schemas/calls.ts, so the phone and the server share one definition.
 */
import type { CallDirection, CallOutcome } from './domain.js';
import type { z } from 'zod';
import type { callApprovalBody, startCallBody, updateCallBody } from './schemas/calls.js';

/**
 * POST /api/calls, sent when a call starts (outbound: when the INVITE goes out; inbound: when it rings).
 * Outbound needs the caller ID as `callerNumber` (E.164) or `phoneNumberId`: it must be actively
 * assigned to the connection, or the server answers 422 CALLER_ID_NOT_ASSIGNED.
 * Inbound: `callerNumber` is our number that was called (may be null), `remoteNumber` the caller.
 */
export type StartCallRequest = z.input<typeof startCallBody>;

/**
 * POST /api/calls/approvals: asks, ahead of the click, whether this user may call from the connection with
 * the caller ID (the same check as opening an outbound record: 404 for a connection that is not the
 * user's, 422 CALLER_ID_NOT_ASSIGNED). The answer's `approval` lets the phone send the INVITE at once and
 * open the record alongside (`StartCallRequest.approval`), once, before `expiresAt`.
 */
export type CallApprovalRequest = z.input<typeof callApprovalBody>;

/** POST /api/calls/approvals answer (201). */
export interface CallApprovalDto {
  approval: string;
  connectionId: string;
  phoneNumberId: string;
  callerNumber: string;
  expiresAt: string;
}

/**
 * PATCH /api/calls/:id. Progress while the call is up (e.g. `{ answeredAt }` when the far end answers),
 * then one final update with an outcome other than `in_progress` (`answered` means "was answered and
 * has ended"). A final outcome without `endedAt` ends the call at the server's time. Once final, the
 * record cannot change (409), except that an exact retry of the same update answers 200 and a record the
 * server closed as `abandoned` can still take the browser's real final report.
 */
export type UpdateCallRequest = z.input<typeof updateCallBody>;

/** POST /api/calls/:id/heartbeat answer. */
export interface CallHeartbeatDto {
  id: string;
  lastSeenAt: string;
}

/** Filters of GET /api/calls, /api/calls/export.csv (and from/to/userId of /api/calls/stats). */
export interface CallListQuery {
  /** ISO date (start of that day, UTC) or date-time; compared with startedAt. */
  from?: string;
  /** ISO date (the whole day, UTC, inclusive) or date-time (inclusive). */
  to?: string;
  connectionId?: string;
  phoneNumberId?: string;
  direction?: CallDirection;
  outcome?: CallOutcome;
  /** Substring of the caller or remote number; spaces, dashes, dots and brackets are ignored. */
  q?: string;
  /** Admins only: a user's id, or "all". Default: the current user. */
  userId?: string;
  page?: number;
  /** 1..200, default 50. */
  pageSize?: number;
}

export interface CallStatsFigures {
  calls: number;
  /** Calls that were answered (answeredAt set). */
  answered: number;
  /** answered / calls, 0..1; null when there were no calls. */
  answerRate: number | null;
  /** Over answered calls that have ended. */
  avgDurationSeconds: number | null;
  /** Over calls that reported quality. */
  avgMos: number | null;
}

export interface CallStatsByConnection extends CallStatsFigures {
  connectionId: string | null;
  connectionName: string | null;
}

export interface CallStatsByNumber extends CallStatsFigures {
  phoneNumberId: string | null;
  /** Our number (the caller ID of outbound calls, the called number of inbound ones). */
  number: string | null;
}

/** GET /api/calls/stats */
export interface CallStatsDto {
  /** The bounds applied to startedAt: `from` inclusive, `to` exclusive (so to=2026-11-24 reads 2026-11-25T00:00:00.000Z). */
  from: string | null;
  to: string | null;
  totals: CallStatsFigures;
  byConnection: CallStatsByConnection[];
  byNumber: CallStatsByNumber[];
}
