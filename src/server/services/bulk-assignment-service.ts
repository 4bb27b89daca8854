/**
 * Bulk assignment: one request, one transaction. The numbers (explicit ids, or every number a filter
 * matches) and the plan are read inside the transaction that writes them; a dry run writes nothing; an
 * applied request writes every change and one audit entry with the counts, or nothing at all (409 with
 * the per-number report) when any number is refused.
 */
import type { BulkAssignmentResultDto } from '../../shared/admin-api.js';
import { BULK_MAX_NUMBERS } from '../../shared/domain.js';
import { ConflictError, ValidationError } from '../../shared/errors.js';
import type { BulkAssignmentRequest } from '../../shared/schemas/admin.js';
import { nowIso } from '../db/json.js';
import type { Repositories, UnitOfWork } from '../repositories/index.js';
import type { ActorId } from './admin-rules.js';
import { loadPlanState, planBulk, type BulkIntent } from './bulk-assignment-plan.js';

export class BulkAssignmentService {
  constructor(private readonly transaction: UnitOfWork) {}

  run(request: BulkAssignmentRequest, actorId: ActorId): Promise<BulkAssignmentResultDto> {
    const dryRun = request.dryRun ?? false;
    return this.transaction.run(async (repos) => {
      if ('trunkId' in request && request.trunkId) await requireTrunk(repos, request.trunkId);
      const numbers = await this.targetNumbers(repos, request.target);
      const intent = intentOf(request);
      const plan = planBulk(
        await loadPlanState(repos, [...numbers.keys()]),
        [...numbers].map(([phoneNumberId, number]) => ({ phoneNumberId, number, intent })),
      );
      const result: BulkAssignmentResultDto = {
        operation: request.operation,
        dryRun,
        applied: false,
        counts: plan.counts,
        outcomes: plan.outcomes,
      };
      if (dryRun) return result;
      if (plan.counts.refused > 0) {
        throw new ConflictError(
          `${plan.counts.refused} of ${plan.counts.requested} numbers cannot be changed (${plan.outcomes.find((o) => o.outcome === 'refused')?.reason ?? ''}); nothing was written.`,
          result,
        );
      }
      await plan.apply(repos, nowIso());
      await repos.audit.record({
        actorId,
        action: 'assignment.bulk',
        entityType: 'assignment',
        entityId: null,
        details: {
          operation: request.operation,
          trunkId: 'trunkId' in request ? (request.trunkId ?? null) : null,
          assignmentType: 'assignmentType' in request ? (request.assignmentType ?? null) : null,
          target: 'filter' in request.target ? { filter: request.target.filter } : 'ids',
          counts: plan.counts,
        },
      });
      return { ...result, applied: true };
    });
  }

  /** id -> E.164 of the target numbers, in request order (by number for a filter); unknown ids are a 400. */
  private async targetNumbers(
    repos: Repositories,
    target: BulkAssignmentRequest['target'],
  ): Promise<Map<string, string>> {
    if ('filter' in target) {
      const ids = await repos.phoneNumbers.idsMatching(target.filter, BULK_MAX_NUMBERS + 1);
      if (ids.length > BULK_MAX_NUMBERS) {
        throw new ValidationError(
          `target.filter: matches more than ${BULK_MAX_NUMBERS.toLocaleString('en')} numbers; narrow the filter.`,
        );
      }
      const known = await repos.phoneNumbers.numbersByIds(ids);
      return new Map(ids.map((id) => [id, known.get(id) ?? id]));
    }
    const known = await repos.phoneNumbers.numbersByIds(target.phoneNumberIds);
    const unknown = target.phoneNumberIds.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new ValidationError(
        `target.phoneNumberIds: ${unknown.length} of the ids are not phone numbers (first: ${unknown[0]!.slice(0, 40)}).`,
        { unknownIds: unknown.slice(0, 20) },
      );
    }
    return new Map(target.phoneNumberIds.map((id) => [id, known.get(id)!]));
  }
}

async function requireTrunk(repos: Repositories, trunkId: string): Promise<void> {
  if (!(await repos.trunks.findById(trunkId))) {
    throw new ValidationError('trunkId: no trunk with this id exists.', { field: 'trunkId' });
  }
}

function intentOf(request: BulkAssignmentRequest): BulkIntent {
  switch (request.operation) {
    case 'assign':
      return { kind: 'assign', trunkId: request.trunkId, type: request.assignmentType };
    case 'unassign':
      return { kind: 'unassign', trunkId: request.trunkId };
    case 'reassign':
      return { kind: 'reassign', trunkId: request.trunkId, type: request.assignmentType };
    case 'change_type':
      return { kind: 'change_type', type: request.assignmentType };
  }
}
