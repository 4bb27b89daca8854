/**
 * Bulk assignment (BulkAssignmentService and its plan, bulk-assignment-plan.ts) on in-memory repositories:
 * each operation's outcomes per number with the rule that refused it, the changes checked in order
 * against the state the earlier ones leave, a dry run that writes nothing, an applied request that
 * writes everything with one audit entry or nothing (409 with the report), and writes ordered so the
 * database's unique rules hold after every statement (the fake checks them).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AssignmentRow } from '../../../src/server/db/schema.js';
import { BulkAssignmentService } from '../../../src/server/services/bulk-assignment-service.js';
import {
  loadPlanState,
  planBulk,
  type PlanInput,
} from '../../../src/server/services/bulk-assignment-plan.js';
import { BULK_MAX_NUMBERS } from '../../../src/shared/domain.js';
import { ErrorCode } from '../../../src/shared/errors.js';
import type { BulkAssignmentRequest } from '../../../src/shared/schemas/admin.js';
import { bulkRepositories, type BulkFakes } from './fake-bulk-repositories.js';
import {
  aNumber,
  anAssignment,
  aTrunk,
  aUser,
  emptyStore,
  failure,
  fakeUnitOfWork,
  type FakeStore,
} from './fake-repositories.js';

const admin = aUser({ role: 'admin' });
const AT = '2026-12-02T06:00:00.000Z';

describe('bulk assignment', () => {
  let store: FakeStore;
  let fakes: BulkFakes;
  let service: BulkAssignmentService;
  const A = aTrunk(admin.id, { id: 'trunk-a', name: 'Alpha' });
  const B = aTrunk(admin.id, { id: 'trunk-b', name: 'Bravo' });
  const n = [1, 2, 3, 4, 5, 6].map((i) => aNumber(`+1312555010${i}`, { id: `n${i}` }));
  const num = (i: number) => `+1312555010${i}`;

  beforeEach(() => {
    store = emptyStore();
    store.users.push(admin);
    store.trunks.push(structuredClone(A), structuredClone(B));
    store.numbers.push(...structuredClone(n));
    store.assignments.push(
      anAssignment('trunk-a', 'n1', 'primary', { id: 'a-n1' }),
      anAssignment('trunk-a', 'n2', 'secondary', { id: 'a-n2' }),
      anAssignment('trunk-b', 'n3', 'primary', { id: 'b-n3' }),
      anAssignment('trunk-b', 'n4', 'secondary', { id: 'b-n4-old', is_active: 0 }),
    );
    fakes = bulkRepositories(store);
    service = new BulkAssignmentService(fakeUnitOfWork(store, fakes.repos));
  });

  const active = () =>
    store.assignments
      .filter((a) => a.is_active === 1)
      .map((a) => `${a.phone_number_id}@${a.trunk_id}:${a.assignment_type}`)
      .sort();
  const ids = (...xs: number[]) => ({ phoneNumberIds: xs.map((i) => `n${i}`) });
  const ref = (trunk: 'a' | 'b', assignmentType: string) => ({
    trunkId: `trunk-${trunk}`,
    trunkName: trunk === 'a' ? 'Alpha' : 'Bravo',
    assignmentType,
  });
  const dry = (r: Record<string, unknown>) =>
    service.run({ ...r, dryRun: true } as BulkAssignmentRequest, admin.id);

  describe('assign', () => {
    it('reports every number in a dry run and writes nothing', async () => {
      const before = structuredClone(store);
      const result = await dry({
        operation: 'assign',
        trunkId: 'trunk-b',
        assignmentType: 'secondary',
        target: ids(5, 3, 1),
      });
      expect(result).toStrictEqual({
        operation: 'assign',
        dryRun: true,
        applied: false,
        counts: { requested: 3, changed: 2, unchanged: 0, refused: 1 },
        outcomes: [
          {
            phoneNumberId: 'n5',
            number: num(5),
            outcome: 'assigned',
            before: null,
            after: ref('b', 'secondary'),
          },
          {
            phoneNumberId: 'n3',
            number: num(3),
            outcome: 'type_changed',
            before: ref('b', 'primary'),
            after: ref('b', 'secondary'),
          },
          {
            phoneNumberId: 'n1',
            number: num(1),
            outcome: 'refused',
            before: ref('a', 'primary'),
            after: ref('a', 'primary'),
            code: 'assigned_elsewhere',
            reason: `${num(1)} is actively assigned to trunk Alpha; reassign it, or unassign it there first.`,
          },
        ],
      });
      expect(store).toEqual(before);
      expect(fakes.writes).toEqual([]);
    });

    it('applies: new rows, a type change, one audit entry with the counts', async () => {
      const result = await service.run(
        { operation: 'assign', trunkId: 'trunk-b', assignmentType: 'backup', target: ids(5, 6, 3) },
        admin.id,
      );
      expect(result.applied).toBe(true);
      expect(result.dryRun).toBe(false);
      expect(result.counts).toEqual({ requested: 3, changed: 3, unchanged: 0, refused: 0 });
      expect(active()).toEqual([
        'n1@trunk-a:primary',
        'n2@trunk-a:secondary',
        'n3@trunk-b:backup',
        'n5@trunk-b:backup',
        'n6@trunk-b:backup',
      ]);
      const inserted = store.assignments.find((a) => a.phone_number_id === 'n5')!;
      expect(inserted).toStrictEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
        trunk_id: 'trunk-b',
        phone_number_id: 'n5',
        assignment_type: 'backup',
        is_active: 1,
        assigned_at: expect.any(String) as string,
        last_used_at: null,
        settings: '{}',
        created_at: inserted.assigned_at,
        updated_at: inserted.assigned_at,
      } satisfies AssignmentRow);
      expect(store.audit).toStrictEqual([
        {
          actorId: admin.id,
          action: 'assignment.bulk',
          entityType: 'assignment',
          entityId: null,
          details: {
            operation: 'assign',
            trunkId: 'trunk-b',
            assignmentType: 'backup',
            target: 'ids',
            counts: { requested: 3, changed: 3, unchanged: 0, refused: 0 },
          },
        },
      ]);
    });

    it('is unchanged for a number already there with that type', async () => {
      const result = await dry({
        operation: 'assign',
        trunkId: 'trunk-a',
        assignmentType: 'secondary',
        target: ids(2),
      });
      expect(result.outcomes[0]).toStrictEqual({
        phoneNumberId: 'n2',
        number: num(2),
        outcome: 'unchanged',
        before: ref('a', 'secondary'),
        after: ref('a', 'secondary'),
      });
      expect(result.counts).toEqual({ requested: 1, changed: 0, unchanged: 1, refused: 0 });
    });

    it('refuses a second primary on a trunk, but lets the current primary stay primary', async () => {
      const result = await dry({
        operation: 'assign',
        trunkId: 'trunk-a',
        assignmentType: 'primary',
        target: ids(1, 2, 5),
      });
      expect(result.outcomes.map((o) => [o.phoneNumberId, o.outcome, o.code])).toEqual([
        ['n1', 'unchanged', undefined],
        ['n2', 'refused', 'primary_taken'],
        ['n5', 'refused', 'primary_taken'],
      ]);
      expect(result.outcomes[1]?.reason).toBe(
        'Trunk Alpha already has an active primary number; make that one secondary or backup first (or in an earlier row).',
      );
      expect(result.outcomes[2]?.after).toBeNull();
    });

    it('makes only the first of several numbers primary on a trunk without one', async () => {
      store.assignments = store.assignments.filter((a) => a.trunk_id !== 'trunk-a');
      const result = await dry({
        operation: 'assign',
        trunkId: 'trunk-a',
        assignmentType: 'primary',
        target: ids(5, 6),
      });
      expect(result.outcomes.map((o) => o.outcome)).toEqual(['assigned', 'refused']);
    });

    it('re-activates an earlier row of the number on that trunk instead of inserting one', async () => {
      await service.run(
        { operation: 'assign', trunkId: 'trunk-b', assignmentType: 'backup', target: ids(4) },
        admin.id,
      );
      expect(store.assignments.find((a) => a.id === 'b-n4-old')).toMatchObject({
        is_active: 1,
        assignment_type: 'backup',
      });
      expect(store.assignments).toHaveLength(4);
    });
  });

  describe('refusals when applying', () => {
    it('writes nothing and answers 409 with the report when any number is refused', async () => {
      const before = structuredClone(store);
      const err = await failure(
        service.run(
          { operation: 'assign', trunkId: 'trunk-b', assignmentType: 'secondary', target: ids(5, 1, 2) },
          admin.id,
        ),
      );
      expect(err.code).toBe(ErrorCode.Conflict);
      expect(err.message).toBe(
        `2 of 3 numbers cannot be changed (${num(1)} is actively assigned to trunk Alpha; reassign it, or unassign it there first.); nothing was written.`,
      );
      expect(err.details).toMatchObject({
        operation: 'assign',
        dryRun: false,
        applied: false,
        counts: { requested: 3, changed: 1, unchanged: 0, refused: 2 },
      });
      expect(store).toEqual(before);
      expect(fakes.writes).toEqual([]);
    });

    it('refuses an unknown trunk with a 400 naming the field', async () => {
      for (const operation of ['assign', 'reassign', 'unassign']) {
        const err = await failure(
          service.run(
            {
              operation,
              trunkId: 'trunk-x',
              assignmentType: 'primary',
              target: ids(5),
            } as BulkAssignmentRequest,
            admin.id,
          ),
        );
        expect(err.code).toBe(ErrorCode.ValidationFailed);
        expect(err.message).toBe('trunkId: no trunk with this id exists.');
        expect(err.details).toEqual({ field: 'trunkId' });
      }
    });

    it('refuses ids that are not numbers, naming the first (shortened) and at most twenty', async () => {
      const long = `x${'y'.repeat(60)}`;
      const unknown = [long, ...Array.from({ length: 21 }, (_, i) => `missing-${i}`)];
      const err = await failure(
        service.run({ operation: 'unassign', target: { phoneNumberIds: ['n1', ...unknown] } }, admin.id),
      );
      expect(err.code).toBe(ErrorCode.ValidationFailed);
      expect(err.message).toBe(
        `target.phoneNumberIds: 22 of the ids are not phone numbers (first: ${long.slice(0, 40)}).`,
      );
      expect(err.details).toEqual({ unknownIds: unknown.slice(0, 20) });
    });
  });

  describe('unassign', () => {
    it('ends active assignments (keeping the rows), leaves the others unchanged', async () => {
      const result = await service.run({ operation: 'unassign', target: ids(1, 5) }, admin.id);
      expect(result.outcomes).toStrictEqual([
        {
          phoneNumberId: 'n1',
          number: num(1),
          outcome: 'unassigned',
          before: ref('a', 'primary'),
          after: null,
        },
        { phoneNumberId: 'n5', number: num(5), outcome: 'unchanged', before: null, after: null },
      ]);
      expect(store.assignments.find((a) => a.id === 'a-n1')?.is_active).toBe(0);
      expect(store.audit[0]?.details).toEqual({
        operation: 'unassign',
        trunkId: null,
        assignmentType: null,
        target: 'ids',
        counts: { requested: 2, changed: 1, unchanged: 1, refused: 0 },
      });
    });

    it('from any trunk when the trunk is left undefined', async () => {
      const result = await service.run(
        { operation: 'unassign', trunkId: undefined, target: ids(1, 3) },
        admin.id,
      );
      expect(result.outcomes.map((o) => o.outcome)).toEqual(['unassigned', 'unassigned']);
    });

    it('only from the trunk named, when one is', async () => {
      const result = await service.run(
        { operation: 'unassign', trunkId: 'trunk-b', target: ids(1, 3) },
        admin.id,
      );
      expect(result.outcomes.map((o) => o.outcome)).toEqual(['unchanged', 'unassigned']);
      expect(result.outcomes[0]?.after).toEqual(ref('a', 'primary'));
      expect(active()).toEqual(['n1@trunk-a:primary', 'n2@trunk-a:secondary']);
      expect(store.audit[0]?.details).toMatchObject({ trunkId: 'trunk-b' });
    });
  });

  describe('reassign', () => {
    it('moves a number keeping its type, or changes its type on the same trunk', async () => {
      const result = await dry({ operation: 'reassign', trunkId: 'trunk-b', target: ids(2, 3, 5) });
      expect(result.outcomes).toStrictEqual([
        {
          phoneNumberId: 'n2',
          number: num(2),
          outcome: 'reassigned',
          before: ref('a', 'secondary'),
          after: ref('b', 'secondary'),
        },
        {
          phoneNumberId: 'n3',
          number: num(3),
          outcome: 'unchanged',
          before: ref('b', 'primary'),
          after: ref('b', 'primary'),
        },
        {
          phoneNumberId: 'n5',
          number: num(5),
          outcome: 'refused',
          before: null,
          after: null,
          code: 'not_assigned',
          reason: `${num(5)} is not assigned to any trunk; assign it instead.`,
        },
      ]);
    });

    it('refuses to reassign a number that is not assigned, also with a type', async () => {
      const result = await dry({
        operation: 'reassign',
        trunkId: 'trunk-b',
        assignmentType: 'backup',
        target: ids(5),
      });
      expect(result.outcomes[0]).toMatchObject({ outcome: 'refused', code: 'not_assigned' });
    });

    it('applies a move with a new type and records the type in the audit entry', async () => {
      const result = await service.run(
        { operation: 'reassign', trunkId: 'trunk-b', assignmentType: 'backup', target: ids(1, 3) },
        admin.id,
      );
      expect(result.outcomes.map((o) => o.outcome)).toEqual(['reassigned', 'type_changed']);
      expect(active()).toEqual(['n1@trunk-b:backup', 'n2@trunk-a:secondary', 'n3@trunk-b:backup']);
      expect(store.assignments.find((a) => a.id === 'a-n1')?.is_active).toBe(0);
      expect(store.audit[0]?.details).toMatchObject({ operation: 'reassign', assignmentType: 'backup' });
    });

    it('records no type in the audit entry when the types were kept', async () => {
      await service.run({ operation: 'reassign', trunkId: 'trunk-b', target: ids(2) }, admin.id);
      expect(store.audit[0]?.details).toMatchObject({ assignmentType: null });
    });

    it('refuses to move a primary onto a trunk that has one', async () => {
      const result = await dry({ operation: 'reassign', trunkId: 'trunk-b', target: ids(1) });
      expect(result.outcomes[0]).toMatchObject({ outcome: 'refused', code: 'primary_taken' });
      expect(result.outcomes[0]?.reason).toContain('Trunk Bravo already has an active primary number');
    });

    it('is unchanged when reassigned to where it already is, as it is', async () => {
      const result = await dry({
        operation: 'reassign',
        trunkId: 'trunk-a',
        assignmentType: 'primary',
        target: ids(1),
      });
      expect(result.outcomes[0]?.outcome).toBe('unchanged');
    });
  });

  describe('change_type', () => {
    it('changes, keeps or refuses each number', async () => {
      const result = await dry({
        operation: 'change_type',
        assignmentType: 'secondary',
        target: ids(1, 2, 5),
      });
      expect(result.outcomes.map((o) => [o.outcome, o.code ?? null])).toEqual([
        ['type_changed', null],
        ['unchanged', null],
        ['refused', 'not_assigned'],
      ]);
      expect(result.outcomes[2]?.reason).toBe(
        `${num(5)} is not assigned to any trunk, so it has no type to change.`,
      );
      expect(result.outcomes[0]?.after).toEqual(ref('a', 'secondary'));
    });

    it('refuses a second primary on the number own trunk', async () => {
      const result = await dry({ operation: 'change_type', assignmentType: 'primary', target: ids(2) });
      expect(result.outcomes[0]).toMatchObject({ outcome: 'refused', code: 'primary_taken' });
      expect(result.outcomes[0]?.reason).toContain('Trunk Alpha');
    });

    it('records no trunk in its audit entry', async () => {
      await service.run({ operation: 'change_type', assignmentType: 'backup', target: ids(2) }, admin.id);
      expect(store.audit[0]?.details).toMatchObject({ trunkId: null, assignmentType: 'backup' });
    });
  });

  describe('a filter as the target', () => {
    it('works on every number it matches, by number, and records the filter', async () => {
      const result = await service.run(
        { operation: 'unassign', target: { filter: { trunkId: 'trunk-a' } } },
        admin.id,
      );
      expect(result.outcomes.map((o) => `${o.phoneNumberId} ${o.number}`)).toEqual([
        `n1 ${num(1)}`,
        `n2 ${num(2)}`,
      ]);
      expect(fakes.matchLimits).toEqual([BULK_MAX_NUMBERS + 1]);
      expect(store.audit[0]?.details).toMatchObject({ target: { filter: { trunkId: 'trunk-a' } } });
    });

    it(`refuses a filter that matches more than ${BULK_MAX_NUMBERS} numbers`, async () => {
      const repos = {
        ...fakes.repos,
        phoneNumbers: new Proxy(fakes.repos.phoneNumbers, {
          get: (t, p, r) =>
            p === 'idsMatching'
              ? () => Promise.resolve(Array.from({ length: BULK_MAX_NUMBERS + 1 }, (_, i) => `n${i}`))
              : (Reflect.get(t, p, r) as unknown),
        }),
      };
      const err = await failure(
        new BulkAssignmentService(fakeUnitOfWork(store, repos)).run(
          { operation: 'unassign', target: { filter: {} }, dryRun: true },
          admin.id,
        ),
      );
      expect(err.code).toBe(ErrorCode.ValidationFailed);
      expect(err.message).toBe('target.filter: matches more than 100,000 numbers; narrow the filter.');
    });
  });
});

describe('planBulk: changes in order, writes in a safe order', () => {
  let store: FakeStore;
  let fakes: BulkFakes;

  beforeEach(() => {
    store = emptyStore();
    store.trunks.push(aTrunk(admin.id, { id: 'A', name: 'A' }), aTrunk(admin.id, { id: 'B', name: 'B' }));
    for (const i of [1, 2, 3, 4, 5]) store.numbers.push(aNumber(`+1555000000${i}`, { id: `n${i}` }));
    fakes = bulkRepositories(store);
  });

  const plan = async (inputs: [string, PlanInput['intent']][]) =>
    planBulk(
      await loadPlanState(
        fakes.repos,
        inputs.map(([id]) => id),
      ),
      inputs.map(([id, intent]) => ({ phoneNumberId: id, number: id, intent })),
    );
  const state = () =>
    store.assignments
      .map((a) => `${a.phone_number_id}@${a.trunk_id}:${a.assignment_type}:${a.is_active}`)
      .sort();

  it('swaps the primary of a trunk: the demotion is written before the promotion', async () => {
    store.assignments.push(
      anAssignment('A', 'n1', 'primary', { id: 'r1' }),
      anAssignment('A', 'n2', 'secondary', { id: 'r2' }),
    );
    const p = await plan([
      ['n1', { kind: 'change_type', type: 'secondary' }],
      ['n2', { kind: 'change_type', type: 'primary' }],
    ]);
    expect(p.outcomes.map((o) => o.outcome)).toEqual(['type_changed', 'type_changed']);
    await p.apply(fakes.repos, AT);
    expect(state()).toEqual(['n1@A:secondary:1', 'n2@A:primary:1']);
    expect(fakes.writes).toEqual([
      'deactivate ',
      'setType secondary r1',
      'setType primary r2',
      'setType primary  reactivate',
      'insert ',
    ]);
  });

  it('writes nothing for an unchanged number, and promotes only after demoting whatever came first', async () => {
    store.assignments.push(
      anAssignment('A', 'n1', 'primary', { id: 'r1' }),
      anAssignment('A', 'n2', 'secondary', { id: 'r2' }),
      anAssignment('A', 'n3', 'backup', { id: 'r3' }),
    );
    const p = await plan([
      ['n2', { kind: 'unassign', trunkId: 'B' }],
      ['n3', { kind: 'assign', trunkId: 'A', type: 'backup' }],
      ['n1', { kind: 'change_type', type: 'secondary' }],
      ['n2', { kind: 'change_type', type: 'primary' }],
    ]);
    expect(p.outcomes.map((o) => o.outcome)).toEqual([
      'unchanged',
      'unchanged',
      'type_changed',
      'type_changed',
    ]);
    await p.apply(fakes.repos, AT);
    expect(fakes.writes).toEqual([
      'deactivate ',
      'setType secondary r1',
      'setType primary r2',
      'setType primary  reactivate',
      'insert ',
    ]);
  });

  it('refuses the promotion when the order is the other way round', async () => {
    store.assignments.push(
      anAssignment('A', 'n1', 'primary', { id: 'r1' }),
      anAssignment('A', 'n2', 'secondary', { id: 'r2' }),
    );
    const p = await plan([
      ['n2', { kind: 'change_type', type: 'primary' }],
      ['n1', { kind: 'change_type', type: 'secondary' }],
    ]);
    expect(p.outcomes.map((o) => o.outcome)).toEqual(['refused', 'type_changed']);
    expect(p.counts).toEqual({ requested: 2, changed: 1, unchanged: 0, refused: 1 });
  });

  it('frees a trunk primary by moving it away, then gives it to another number', async () => {
    store.assignments.push(anAssignment('A', 'n1', 'primary', { id: 'r1' }));
    const p = await plan([
      ['n1', { kind: 'reassign', trunkId: 'B' }],
      ['n2', { kind: 'assign', trunkId: 'A', type: 'primary' }],
      ['n3', { kind: 'assign', trunkId: 'B', type: 'primary' }],
    ]);
    expect(p.outcomes.map((o) => o.outcome)).toEqual(['reassigned', 'assigned', 'refused']);
  });

  it('frees a primary by unassigning it', async () => {
    store.assignments.push(anAssignment('A', 'n1', 'primary', { id: 'r1' }));
    const p = await plan([
      ['n1', { kind: 'unassign' }],
      ['n2', { kind: 'assign', trunkId: 'A', type: 'primary' }],
    ]);
    expect(p.outcomes.map((o) => o.outcome)).toEqual(['unassigned', 'assigned']);
    await p.apply(fakes.repos, AT);
    expect(state()).toEqual(['n1@A:primary:0', 'n2@A:primary:1']);
  });

  it('moves a primary to a trunk whose primary was demoted earlier, and gives its old trunk a new one', async () => {
    store.assignments.push(
      anAssignment('A', 'n1', 'primary', { id: 'r1' }),
      anAssignment('B', 'n2', 'primary', { id: 'r2' }),
    );
    const p = await plan([
      ['n2', { kind: 'change_type', type: 'secondary' }],
      ['n1', { kind: 'reassign', trunkId: 'B' }],
      ['n3', { kind: 'assign', trunkId: 'A', type: 'primary' }],
    ]);
    expect(p.outcomes.map((o) => o.outcome)).toEqual(['type_changed', 'reassigned', 'assigned']);
    await p.apply(fakes.repos, AT);
    expect(state().filter((s) => s.endsWith(':1'))).toEqual([
      'n1@B:primary:1',
      'n2@B:secondary:1',
      'n3@A:primary:1',
    ]);
  });

  it('re-activates an old row as primary only after the current primary was demoted', async () => {
    store.assignments.push(
      anAssignment('B', 'n3', 'primary', { id: 'r3' }),
      anAssignment('B', 'n4', 'secondary', { id: 'r4', is_active: 0 }),
      anAssignment('A', 'n5', 'backup', { id: 'r5', is_active: 0 }),
    );
    const p = await plan([
      ['n3', { kind: 'change_type', type: 'backup' }],
      ['n4', { kind: 'assign', trunkId: 'B', type: 'primary' }],
      ['n5', { kind: 'assign', trunkId: 'A', type: 'secondary' }],
    ]);
    await p.apply(fakes.repos, AT);
    expect(state()).toEqual(['n3@B:backup:1', 'n4@B:primary:1', 'n5@A:secondary:1']);
    expect(fakes.writes).toEqual([
      'deactivate ',
      'setType backup r3',
      'setType secondary r5 reactivate',
      'setType primary r4 reactivate',
      'insert ',
    ]);
    expect(store.assignments.find((a) => a.id === 'r4')?.assigned_at).toBe(AT);
  });

  it('moves a number off a trunk and back onto its old row on another', async () => {
    store.assignments.push(
      anAssignment('A', 'n1', 'secondary', { id: 'r1' }),
      anAssignment('B', 'n1', 'backup', { id: 'r1-old', is_active: 0 }),
    );
    const p = await plan([['n1', { kind: 'reassign', trunkId: 'B', type: 'primary' }]]);
    await p.apply(fakes.repos, AT);
    expect(fakes.writes).toEqual(['deactivate r1', 'setType primary r1-old reactivate', 'insert ']);
    expect(state()).toEqual(['n1@A:secondary:0', 'n1@B:primary:1']);
  });

  it('groups writes by type, one statement per type', async () => {
    store.assignments.push(
      anAssignment('A', 'n1', 'primary', { id: 'r1' }),
      anAssignment('A', 'n2', 'primary', { id: 'r2', is_active: 0 }),
      anAssignment('A', 'n3', 'primary', { id: 'r3', is_active: 0 }),
      anAssignment('B', 'n4', 'secondary', { id: 'r4' }),
      anAssignment('B', 'n5', 'secondary', { id: 'r5' }),
    );
    const p = await plan([
      ['n1', { kind: 'change_type', type: 'backup' }],
      ['n4', { kind: 'change_type', type: 'backup' }],
      ['n5', { kind: 'change_type', type: 'backup' }],
      ['n2', { kind: 'assign', trunkId: 'A', type: 'secondary' }],
      ['n3', { kind: 'assign', trunkId: 'A', type: 'secondary' }],
    ]);
    await p.apply(fakes.repos, AT);
    expect(fakes.writes).toEqual([
      'deactivate ',
      'setType backup r1,r4,r5',
      'setType secondary r2,r3 reactivate',
      'setType primary  reactivate',
      'insert ',
    ]);
  });

  it('uses the state before the plan when a number appears twice', async () => {
    const p = await plan([
      ['n5', { kind: 'assign', trunkId: 'A', type: 'secondary' }],
      ['n5', { kind: 'change_type', type: 'backup' }],
    ]);
    expect(p.outcomes.map((o) => o.outcome)).toEqual(['assigned', 'type_changed']);
    await p.apply(fakes.repos, AT);
    expect(fakes.writes).toEqual(['deactivate ', 'setType primary  reactivate', 'insert A:n5:backup']);
  });

  it('names a trunk it does not know by its id', async () => {
    store.assignments.push(anAssignment('Z', 'n1', 'secondary', { id: 'r1' }));
    const p = planBulk(
      {
        trunkNames: new Map(),
        rows: await fakes.repos.assignments.listForNumbers(['n1']),
        primaries: new Map(),
      },
      [{ phoneNumberId: 'n1', number: 'n1', intent: { kind: 'assign', trunkId: 'A', type: 'backup' } }],
    );
    expect(p.outcomes[0]?.before).toEqual({ trunkId: 'Z', trunkName: 'Z', assignmentType: 'secondary' });
    expect(p.outcomes[0]?.reason).toBe(
      'n1 is actively assigned to trunk Z; reassign it, or unassign it there first.',
    );
  });
});
