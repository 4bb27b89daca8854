/**
 * Call records: the phone opens one when a call starts, reports progress and the end, and sends
 * heartbeats meanwhile; a sweeper closes records whose browser vanished as "abandoned". History, CSV
 * export and per-trunk/per-number statistics read them back.
 *
 * Record life cycle (outcome):
 *
 *   in_progress --PATCH final outcome--> answered | busy | no_answer | rejected | cancelled | failed
 *        \--no heartbeat for callAbandonTimeoutMs (sweeper)--> abandoned --late final PATCH--> (final)
 *
 * A final record never goes back to in_progress. The sweeper runs as a job (jobs/abandoned-calls-job.ts).
 *
 * Over 400 lines: opening a record (with or without a call approval, approve()) and every later change
 * share one set of ownership and caller-ID checks, which should stay next to each other; the signing
 * itself is in repositories/call-approval-signer.ts. Listing and statistics could move out if it grows.
 */
import crypto from 'node:crypto';
import type { CallDto, Page } from '../../shared/api.js';
import type { CallApprovalDto, CallHeartbeatDto, CallStatsDto } from '../../shared/call-api.js';
import type { CallDirection, CallOutcome } from '../../shared/domain.js';
import type { CallApprovalBody, StartCallBody, UpdateCallBody } from '../../shared/schemas/calls.js';
import {
  ConflictError,
  DomainError,
  ErrorCode,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../shared/errors.js';
import type { CallRow } from '../db/schema.js';
import { callerCountry, isEmergencyNumber, mayPlaceEmergencyCalls } from '../../shared/emergency-numbers.js';
import { parseJson } from '../db/json.js';
import {
  USED_APPROVAL_MESSAGE,
  type CallApprovalClaims,
  type CallApprovalSigner,
} from '../repositories/call-approval-signer.js';
import type { CallFilter, CallListRow } from '../repositories/call-repository.js';
import type { Repositories, UnitOfWork } from '../repositories/index.js';
import type { Clock } from '../clock.js';
import { figures, toCallDto } from './call-mapper.js';
import { callPatch, durationSeconds } from './call-patch.js';

export interface Actor {
  id: string;
  role: string;
}

/** POST /api/calls as the route validated it (numbers normalised, see src/shared/schemas/calls.ts). */
export type StartCallInput = StartCallBody;

/** PATCH /api/calls/:id as the route validated it (timestamps normalised to UTC). */
export type UpdateCallInput = UpdateCallBody;

export interface CallQuery {
  fromIso?: string;
  toExclusiveIso?: string;
  connectionId?: string;
  phoneNumberId?: string;
  direction?: CallDirection;
  outcome?: CallOutcome;
  q?: string;
  /** A user id, "all", or undefined for the current user. */
  userId?: string;
}

export interface CallServiceOptions {
  abandonTimeoutMs: number;
  /** Signs call approvals ({@link CallService.approve}); without it, none are given or taken. */
  approvals?: CallApprovalSigner;
  /** How long an approval may be used (default {@link CALL_APPROVAL_TTL_MS}). */
  approvalTtlMs?: number;
  /** Told once when a call reaches its final outcome (trunk health counts calls failed on the trunk). */
  onCallEnded?: (call: CallDto) => Promise<void>;
}

const SWEEP_BATCH = 500;

/** A call approval is good for this long: the phone fetches a fresh one well before. */
export const CALL_APPROVAL_TTL_MS = 120_000;

export class CallService {
  private readonly calls: Repositories['calls'];

  constructor(
    repos: Pick<Repositories, 'calls'>,
    private readonly transaction: UnitOfWork,
    private readonly clock: Clock,
    private readonly options: CallServiceOptions,
  ) {
    this.calls = repos.calls;
  }

  private now(): Date {
    return this.clock.now();
  }

  /**
   * Approves, ahead of the click, that `actor` may call from the connection with the caller ID: the same
   * check as opening an outbound record (the connection is the actor's and active, the number actively
   * assigned to it). The approval names the record it may open, so it opens one record, once, before it
   * expires; the phone sends the INVITE on it without waiting for the record.
   */
  async approve(actor: Actor, input: CallApprovalBody): Promise<CallApprovalDto> {
    const signer = this.options.approvals;
    if (!signer) throw new DomainError(ErrorCode.ServiceUnavailable, 'Call approvals are not available.');
    const trunk = await this.ownTrunk(actor, input.connectionId, 'outbound');
    const a = await this.assignedCaller(trunk, {
      phoneNumberId: input.phoneNumberId,
      callerNumber: input.callerNumber ?? null,
    });
    const expiresAt = this.now().getTime() + (this.options.approvalTtlMs ?? CALL_APPROVAL_TTL_MS);
    const claims: CallApprovalClaims = {
      recordId: crypto.randomUUID(),
      userId: actor.id,
      connectionId: trunk.id,
      phoneNumberId: a.phone_number_id,
      callerNumber: a.number,
      expiresAt,
    };
    return {
      approval: signer.sign(claims),
      connectionId: trunk.id,
      phoneNumberId: a.phone_number_id,
      callerNumber: a.number,
      expiresAt: new Date(expiresAt).toISOString(),
    };
  }

  /** The actor's own trunk (someone else's is "not found", so ids cannot be probed); active to call out. */
  private async ownTrunk(actor: Actor, connectionId: string, direction: CallDirection) {
    const trunk = await this.calls.findTrunk(connectionId);
    if (!trunk || trunk.owner_id !== actor.id) throw new NotFoundError('Connection');
    if (direction === 'outbound' && trunk.status !== 'active') {
      throw new DomainError(
        ErrorCode.NotFound,
        `Connection "${trunk.name}" is ${trunk.status}; only active connections can place calls.`,
      );
    }
    return trunk;
  }

  /** The caller ID's active assignment to `trunk`, or 422 CALLER_ID_NOT_ASSIGNED. */
  private async assignedCaller(
    trunk: { id: string; name: string },
    caller: { phoneNumberId: string | null; callerNumber: string | null },
  ) {
    const wanted = caller.phoneNumberId
      ? { phoneNumberId: caller.phoneNumberId }
      : caller.callerNumber
        ? { e164: caller.callerNumber }
        : null;
    if (!wanted) throw new ValidationError('Choose a caller ID: send callerNumber (E.164) or phoneNumberId.');
    const a = await this.calls.findAssignment(trunk.id, wanted);
    if (
      !a ||
      a.is_active !== 1 ||
      (caller.callerNumber && caller.phoneNumberId && a.number !== caller.callerNumber)
    ) {
      const shown = caller.callerNumber ?? a?.number ?? 'This number';
      throw new DomainError(
        ErrorCode.CallerIdNotAssigned,
        a && a.is_active !== 1
          ? `${shown} is no longer assigned to connection "${trunk.name}". Choose one of its assigned numbers as caller ID.`
          : `${shown} is not assigned to connection "${trunk.name}". Choose one of its assigned numbers as caller ID.`,
        {
          connectionId: trunk.id,
          callerNumber: caller.callerNumber,
          phoneNumberId: caller.phoneNumberId,
        },
      );
    }
    return a;
  }

  /**
   * The claims of an approval given to `actor` for this connection and caller ID and not expired, or 403
   * CALL_APPROVAL_INVALID; one whose record exists already was used: 409.
   */
  private async checkApproval(
    actor: Actor,
    token: string,
    caller: { connectionId: string; phoneNumberId: string; callerNumber: string },
  ): Promise<CallApprovalClaims> {
    const claims = this.options.approvals?.verify(token) ?? null;
    const refuse = (why: string): never => {
      throw new DomainError(ErrorCode.CallApprovalInvalid, `This call was not approved: ${why}`);
    };
    if (!claims) return refuse('the approval is not one this server gave.');
    if (
      claims.userId !== actor.id ||
      claims.connectionId !== caller.connectionId ||
      claims.phoneNumberId !== caller.phoneNumberId ||
      claims.callerNumber !== caller.callerNumber
    ) {
      return refuse('the approval is for another user, connection or caller ID.');
    }
    if (claims.expiresAt <= this.now().getTime()) return refuse('the approval has expired.');
    if (await this.calls.findById(claims.recordId)) throw usedApproval();
    return claims;
  }

  async start(actor: Actor, input: StartCallInput): Promise<CallDto> {
    const trunk = await this.ownTrunk(actor, input.connectionId, input.direction);
    if (input.approval && input.direction !== 'outbound') {
      throw new ValidationError('Only outbound calls are approved ahead.');
    }

    let phoneNumberId: string | null = null;
    let callerNumber: string | null = input.callerNumber ?? null;
    let touchAssignmentId: string | null = null;
    let emergency: { allowed: boolean } | null = null;
    let approved: CallApprovalClaims | null = null;
    const wanted = input.phoneNumberId
      ? { phoneNumberId: input.phoneNumberId }
      : input.callerNumber
        ? { e164: input.callerNumber }
        : null;

    if (input.direction === 'outbound') {
      // Checked again even with an approval: a number unassigned since is refused (the phone hangs up).
      const a = await this.assignedCaller(trunk, {
        phoneNumberId: input.phoneNumberId ?? null,
        callerNumber: input.callerNumber ?? null,
      });
      if (input.approval) {
        approved = await this.checkApproval(actor, input.approval, {
          connectionId: trunk.id,
          phoneNumberId: a.phone_number_id,
          callerNumber: a.number,
        });
      }
      phoneNumberId = a.phone_number_id;
      callerNumber = a.number;
      touchAssignmentId = a.assignment_id;
      if (isEmergencyNumber(input.remoteNumber, callerCountry(a))) {
        const caps = parseJson<unknown>(a.capabilities, []);
        emergency = {
          allowed: mayPlaceEmergencyCalls(
            trunk.emergency_calls === 1,
            Array.isArray(caps) ? caps.filter((c): c is string => typeof c === 'string') : [],
          ),
        };
      }
    } else if (wanted) {
      // Inbound: the number that was called. Link it when it is one of this trunk's numbers; keep the
      // text either way (a call that reached us is worth recording even if the assignment changed).
      const a = await this.calls.findAssignment(trunk.id, wanted);
      if (a) {
        phoneNumberId = a.phone_number_id;
        callerNumber = a.number;
      } else if (input.phoneNumberId) {
        throw new DomainError(
          ErrorCode.CallerIdNotAssigned,
          `That number is not assigned to connection "${trunk.name}".`,
          { connectionId: trunk.id, phoneNumberId: input.phoneNumberId },
        );
      }
    }

    let retryOf: string | null = null;
    if (input.retryOfCallId) {
      // Only one's own earlier attempt can be linked (someone else's id is "not found").
      const first = await this.calls.findById(input.retryOfCallId);
      if (!first || first.user_id !== actor.id) throw new NotFoundError('Call to retry');
      retryOf = first.id;
    }

    const now = this.now().toISOString();
    const row: CallRow = {
      // An approved call's record has the id its approval names: a second use finds it taken.
      id: approved?.recordId ?? crypto.randomUUID(),
      user_id: actor.id,
      trunk_id: trunk.id,
      phone_number_id: phoneNumberId,
      caller_number: callerNumber,
      remote_number: input.remoteNumber,
      direction: input.direction,
      outcome: 'in_progress',
      hangup_cause: null,
      sip_code: null,
      sip_call_id: input.sipCallId ?? null,
      started_at: now,
      answered_at: null,
      ended_at: null,
      duration_seconds: null,
      mos: null,
      jitter_ms: null,
      packet_loss_pct: null,
      rtt_ms: null,
      invite_at: input.inviteAt ?? (input.direction === 'outbound' ? now : null),
      progress_at: null,
      ended_by: null,
      interruptions: 0,
      interrupted_at: null,
      recovered_after_ms: null,
      caller_verification: input.direction === 'inbound' ? (input.callerVerification ?? null) : null,
      is_emergency: emergency ? 1 : 0,
      retry_of_call_id: retryOf,
      last_seen_at: now,
      created_at: now,
      updated_at: now,
    };
    if (emergency && !emergency.allowed) {
      // Refused, and recorded: an emergency number dialled where it may not go is worth knowing about.
      const message = `Connection "${trunk.name}" is not allowed to place emergency calls, so ${input.remoteNumber} was not dialled. Call emergency services from another phone.`;
      await this.calls.insert({
        ...row,
        outcome: 'failed',
        ended_at: now,
        ended_by: 'system',
        hangup_cause: 'Emergency calls not allowed on this connection',
      });
      throw new DomainError(ErrorCode.EmergencyNotAllowed, message, {
        connectionId: trunk.id,
        callId: row.id,
      });
    }
    // The record and the caller ID's last use: both or neither.
    // Two uses of one approval at the same moment: the record's key lets only one through (409).
    await this.transaction.run(async ({ calls, assignments }) => {
      await calls.insert(row);
      if (touchAssignmentId) await assignments.touchLastUsed(touchAssignmentId, now);
    });
    return toCallDto({ ...row, trunk_name: trunk.name, user_email: null });
  }

  async update(actor: Actor, id: string, input: UpdateCallInput): Promise<CallDto> {
    const current = await this.ownCall(actor, id);
    const patch = callPatch(current, input, this.now());
    if (current.outcome !== 'in_progress') {
      if (Object.keys(patch).every((k) => patch[k as keyof typeof patch] === current[k as keyof CallRow])) {
        return toCallDto(current); // an exact retry of the final update
      }
      const lateReport =
        current.outcome === 'abandoned' && input.outcome !== undefined && input.outcome !== 'in_progress';
      if (!lateReport) {
        throw new ConflictError(`This call has already ended (${current.outcome}) and cannot be changed.`, {
          outcome: current.outcome,
        });
      }
    }
    const now = this.now().toISOString();
    const ok = await this.calls.update(id, current.outcome, { ...patch, last_seen_at: now, updated_at: now });
    if (!ok) {
      // The sweeper (or a concurrent request) closed it between our read and write.
      const after = await this.ownCall(actor, id);
      throw new ConflictError(`This call has already ended (${after.outcome}) and cannot be changed.`, {
        outcome: after.outcome,
      });
    }
    const updated = toCallDto(await this.ownCall(actor, id));
    if (current.outcome === 'in_progress' && updated.outcome !== 'in_progress') {
      await this.options.onCallEnded?.(updated);
    }
    return updated;
  }

  async heartbeat(actor: Actor, id: string): Promise<CallHeartbeatDto> {
    const now = this.now().toISOString();
    if (await this.calls.touch(id, actor.id, now)) return { id, lastSeenAt: now };
    const call = await this.ownCall(actor, id);
    throw new ConflictError(`This call has already ended (${call.outcome}).`, { outcome: call.outcome });
  }

  async get(actor: Actor, id: string): Promise<CallDto> {
    const row = await this.calls.findById(id);
    if (!row || (row.user_id !== actor.id && actor.role !== 'admin')) throw new NotFoundError('Call');
    return toCallDto(row);
  }

  async list(actor: Actor, query: CallQuery, page: number, pageSize: number): Promise<Page<CallDto>> {
    const { rows, total } = await this.calls.list(this.filterFor(actor, query), {
      offset: (page - 1) * pageSize,
      limit: pageSize,
    });
    return { items: rows.map(toCallDto), total, page, pageSize };
  }

  /** Every matching record, newest first, for the CSV export. */
  async *exportRows(actor: Actor, query: CallQuery): AsyncGenerator<CallListRow> {
    yield* this.calls.iterate(this.filterFor(actor, query));
  }

  /** Checks the filters (and the actor's right to them) before a response starts streaming. */
  checkQuery(actor: Actor, query: CallQuery): void {
    this.filterFor(actor, query);
  }

  async stats(actor: Actor, query: CallQuery): Promise<CallStatsDto> {
    const filter = this.filterFor(actor, query);
    const [totals, byTrunk, byNumber] = await Promise.all([
      this.calls.aggregate(filter, 'none'),
      this.calls.aggregate(filter, 'trunk'),
      this.calls.aggregate(filter, 'number'),
    ]);
    const total = totals[0] ?? {
      key_id: null,
      key_label: null,
      calls: 0,
      answered: 0,
      avg_duration: null,
      avg_mos: null,
    };
    return {
      from: query.fromIso ?? null,
      to: query.toExclusiveIso ?? null,
      totals: figures(total),
      byConnection: byTrunk.map((r) => ({
        connectionId: r.key_id,
        connectionName: r.key_label,
        ...figures(r),
      })),
      byNumber: byNumber.map((r) => ({ phoneNumberId: r.key_id, number: r.key_label, ...figures(r) })),
    };
  }

  /**
   * Closes in-progress calls not heard from for `abandonTimeoutMs` before `now`: outcome abandoned,
   * ended when last seen. Safe to run on several app instances at once (each close is conditional on
   * the row being unchanged). Returns how many it closed.
   */
  async sweepAbandoned(now: Date = this.now()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.options.abandonTimeoutMs).toISOString();
    const seconds = Math.round(this.options.abandonTimeoutMs / 1000);
    let closed = 0;
    for (;;) {
      const stale = await this.calls.findStale(cutoff, SWEEP_BATCH);
      for (const c of stale) {
        const ok = await this.calls.update(c.id, 'in_progress', {
          outcome: 'abandoned',
          ended_at: c.last_seen_at,
          duration_seconds: durationSeconds(c.answered_at, c.last_seen_at),
          hangup_cause: `The browser stopped reporting this call (no heartbeat for ${seconds} s)`,
          ended_by: 'system',
          updated_at: now.toISOString(),
        });
        if (ok) closed++;
      }
      if (stale.length < SWEEP_BATCH) return closed;
    }
  }

  private async ownCall(actor: Actor, id: string): Promise<CallListRow> {
    const row = await this.calls.findById(id);
    if (!row || row.user_id !== actor.id) throw new NotFoundError('Call');
    return row;
  }

  private filterFor(actor: Actor, q: CallQuery): CallFilter {
    let userId: string | null = actor.id;
    if (q.userId !== undefined && q.userId !== actor.id) {
      if (actor.role !== 'admin')
        throw new ForbiddenError("Only an administrator can see other users' calls");
      userId = q.userId === 'all' ? null : q.userId;
    }
    if (q.fromIso && q.toExclusiveIso && q.fromIso >= q.toExclusiveIso) {
      throw new ValidationError('"from" must be before "to".');
    }
    return {
      userId,
      fromIso: q.fromIso,
      toExclusiveIso: q.toExclusiveIso,
      trunkId: q.connectionId,
      phoneNumberId: q.phoneNumberId,
      direction: q.direction,
      outcome: q.outcome,
      numberContains: q.q,
    };
  }
}

function usedApproval(): ConflictError {
  return new ConflictError(USED_APPROVAL_MESSAGE);
}
