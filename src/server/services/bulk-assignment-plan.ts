/**
 * The plan of a bulk assignment change, shared by POST /api/admin/assignments/bulk and the CSV import:
 * each requested change is checked, in request order, against the assignments as they would be after
 * the changes before it (so "make A secondary, then B primary" on one trunk works), with the two rules
 * (a number is actively on at most one trunk; a trunk has at most one active primary) explained per
 * number when refused. The plan then turns into a few set-based writes, ordered so that no intermediate
 * state breaks the database's partial unique indexes: first everything that ends or demotes an
 * assignment, then everything that starts or promotes one.
 */
import crypto from 'node:crypto';
import type {
  BulkAssignmentRef,
  BulkOutcomeDto,
  BulkCounts,
  BulkRefusalCode,
} from '../../shared/admin-api.js';
import type { AssignmentType } from '../../shared/domain.js';
import type { TrunkPhoneNumbersTable } from '../db/schema.js';
import type { Insertable } from 'kysely';
import type { BulkAssignmentRow } from '../repositories/assignment-repository.js';
import type { Repositories } from '../repositories/index.js';

/** One requested change to one number (already resolved to ids). */
export type BulkIntent =
  | { kind: 'assign'; trunkId: string; type: AssignmentType }
  | { kind: 'unassign'; trunkId?: string }
  | { kind: 'reassign'; trunkId: string; type?: AssignmentType }
  | { kind: 'change_type'; type: AssignmentType };

export interface PlanInput {
  phoneNumberId: string;
  number: string;
  intent: BulkIntent;
}

interface Active {
  /** null: a row this plan inserts. */
  rowId: string | null;
  trunkId: string;
  type: AssignmentType;
}

/** What the plan reads: trunk names, the numbers' assignments, every trunk's active primary. */
export interface PlanState {
  trunkNames: Map<string, string>;
  rows: BulkAssignmentRow[];
  primaries: Map<string, string>;
}

export async function loadPlanState(
  repos: Pick<Repositories, 'trunks' | 'assignments'>,
  phoneNumberIds: string[],
): Promise<PlanState> {
  const [trunks, rows, primaries] = await Promise.all([
    repos.trunks.listNames(),
    repos.assignments.listForNumbers(phoneNumberIds),
    repos.assignments.activePrimaries(),
  ]);
  return { trunkNames: new Map(trunks.map((t) => [t.id, t.name])), rows, primaries };
}

export interface Plan {
  outcomes: BulkOutcomeDto[];
  counts: BulkCounts;
  /** Applies every change of the plan (call only when nothing was refused). */
  apply(repos: Pick<Repositories, 'assignments'>, at: string): Promise<void>;
}

const key = (trunkId: string, numberId: string) => `${trunkId} ${numberId}`;

export function planBulk(state: PlanState, inputs: PlanInput[]): Plan {
  const active = new Map<string, Active>();
  const initial = new Map<string, Active | null>();
  const rowByPair = new Map<string, string>();
  for (const r of state.rows) {
    rowByPair.set(key(r.trunk_id, r.phone_number_id), r.id);
    if (Number(r.is_active) === 1) {
      active.set(r.phone_number_id, {
        rowId: r.id,
        trunkId: r.trunk_id,
        type: r.assignment_type as AssignmentType,
      });
    }
  }
  const primaries = new Map(state.primaries);
  const name = (trunkId: string) => state.trunkNames.get(trunkId) ?? trunkId;
  const ref = (a: Active | undefined | null): BulkAssignmentRef | null =>
    a ? { trunkId: a.trunkId, trunkName: name(a.trunkId), assignmentType: a.type } : null;

  const outcomes: BulkOutcomeDto[] = [];
  for (const { phoneNumberId: id, number, intent } of inputs) {
    if (!initial.has(id)) initial.set(id, active.get(id) ?? null);
    const before = active.get(id);
    const refuse = (code: BulkRefusalCode, reason: string) =>
      outcomes.push({
        phoneNumberId: id,
        number,
        outcome: 'refused',
        before: ref(before),
        after: ref(before),
        code,
        reason,
      });
    const done = (outcome: BulkOutcomeDto['outcome'], after: Active | undefined) =>
      outcomes.push({ phoneNumberId: id, number, outcome, before: ref(before), after: ref(after) });
    /** Whether `trunkId` has an active primary other than this number (after the changes so far). */
    const primaryTaken = (trunkId: string) => {
      const holder = primaries.get(trunkId);
      return holder !== undefined && holder !== id;
    };
    const primaryReason = (trunkId: string) =>
      `Trunk ${name(trunkId)} already has an active primary number; make that one secondary or backup first (or in an earlier row).`;
    const move = (next: Active | undefined) => {
      if (before?.type === 'primary' && primaries.get(before.trunkId) === id)
        primaries.delete(before.trunkId);
      if (next) {
        active.set(id, next);
        if (next.type === 'primary') primaries.set(next.trunkId, id);
      } else {
        active.delete(id);
      }
    };
    const onTrunk = (trunkId: string, type: AssignmentType): Active => ({
      rowId: rowByPair.get(key(trunkId, id)) ?? null,
      trunkId,
      type,
    });

    switch (intent.kind) {
      case 'assign': {
        if (before && before.trunkId !== intent.trunkId) {
          refuse(
            'assigned_elsewhere',
            `${number} is actively assigned to trunk ${name(before.trunkId)}; reassign it, or unassign it there first.`,
          );
        } else if (before && before.type === intent.type) {
          done('unchanged', before);
        } else if (intent.type === 'primary' && primaryTaken(intent.trunkId)) {
          refuse('primary_taken', primaryReason(intent.trunkId));
        } else {
          const next = before ? { ...before, type: intent.type } : onTrunk(intent.trunkId, intent.type);
          move(next);
          done(before ? 'type_changed' : 'assigned', next);
        }
        break;
      }
      case 'unassign': {
        if (!before || (intent.trunkId && before.trunkId !== intent.trunkId)) {
          done('unchanged', before);
        } else {
          move(undefined);
          done('unassigned', undefined);
        }
        break;
      }
      case 'reassign': {
        const type = intent.type ?? before?.type;
        if (!before || !type) {
          refuse('not_assigned', `${number} is not assigned to any trunk; assign it instead.`);
        } else if (before.trunkId === intent.trunkId && before.type === type) {
          done('unchanged', before);
        } else if (type === 'primary' && primaryTaken(intent.trunkId)) {
          refuse('primary_taken', primaryReason(intent.trunkId));
        } else {
          const next =
            before.trunkId === intent.trunkId ? { ...before, type } : onTrunk(intent.trunkId, type);
          move(next);
          done(before.trunkId === intent.trunkId ? 'type_changed' : 'reassigned', next);
        }
        break;
      }
      case 'change_type': {
        if (!before) {
          refuse('not_assigned', `${number} is not assigned to any trunk, so it has no type to change.`);
        } else if (before.type === intent.type) {
          done('unchanged', before);
        } else if (intent.type === 'primary' && primaryTaken(before.trunkId)) {
          refuse('primary_taken', primaryReason(before.trunkId));
        } else {
          const next = { ...before, type: intent.type };
          move(next);
          done('type_changed', next);
        }
        break;
      }
    }
  }

  const counts: BulkCounts = { requested: outcomes.length, changed: 0, unchanged: 0, refused: 0 };
  for (const o of outcomes) {
    if (o.outcome === 'refused') counts.refused += 1;
    else if (o.outcome === 'unchanged') counts.unchanged += 1;
    else counts.changed += 1;
  }

  return {
    outcomes,
    counts,
    async apply(repos, at) {
      const deactivate: string[] = [];
      const demote = new Map<AssignmentType, string[]>();
      const promote = new Map<AssignmentType, string[]>();
      const reactivate = new Map<AssignmentType, string[]>();
      const inserts: Insertable<TrunkPhoneNumbersTable>[] = [];
      const push = (m: Map<AssignmentType, string[]>, type: AssignmentType, id: string) => {
        const ids = m.get(type);
        if (ids) ids.push(id);
        else m.set(type, [id]);
      };
      for (const [numberId, from] of initial) {
        const to = active.get(numberId);
        if (from && (!to || to.trunkId !== from.trunkId)) deactivate.push(from.rowId!);
        if (!to) continue;
        if (from && to.trunkId === from.trunkId) {
          if (to.type !== from.type) push(to.type === 'primary' ? promote : demote, to.type, from.rowId!);
        } else if (to.rowId) {
          push(reactivate, to.type, to.rowId);
        } else {
          inserts.push({
            id: crypto.randomUUID(),
            trunk_id: to.trunkId,
            phone_number_id: numberId,
            assignment_type: to.type,
            is_active: 1,
            assigned_at: at,
            last_used_at: null,
            settings: '{}',
            created_at: at,
            updated_at: at,
          });
        }
      }
      // What ends or demotes first, so no moment has two active rows of a number or two primaries.
      await repos.assignments.deactivateMany(deactivate, at);
      for (const [type, ids] of demote) await repos.assignments.setTypeMany(ids, type, at);
      for (const [type, ids] of reactivate) {
        if (type !== 'primary') await repos.assignments.setTypeMany(ids, type, at, true);
      }
      for (const [type, ids] of promote) await repos.assignments.setTypeMany(ids, type, at);
      await repos.assignments.setTypeMany(reactivate.get('primary') ?? [], 'primary', at, true);
      await repos.assignments.insertMany(inserts);
    },
  };
}
