/**
 * The assignment rules (AssignmentService), on in-memory repositories: a trunk has at most one active
 * primary, a number is actively assigned to at most one trunk, and each write commits with its audit
 * entry or not at all. (The database's partial unique indexes enforce the same rules against races:
 * test/server/admin.test.ts.)
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { AssignmentService } from '../../../src/server/services/assignment-service.js';
import { DomainError } from '../../../src/shared/errors.js';
import {
  aNumber,
  anAssignment,
  aTrunk,
  aUser,
  emptyStore,
  fakeRepositories,
  fakeUnitOfWork,
  type FakeStore,
} from './fake-repositories.js';

async function domainError(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof DomainError)) throw new Error(`expected a domain error, got ${String(err)}`);
  return err;
}

async function conflict(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof DomainError) || err.code !== 'CONFLICT')
    throw new Error(`expected a 409, got ${String(err)}`);
  return err.message;
}

describe('AssignmentService rules', () => {
  let store: FakeStore;
  let service: AssignmentService;
  const admin = aUser({ role: 'admin' });
  let trunkA: ReturnType<typeof aTrunk>;
  let trunkB: ReturnType<typeof aTrunk>;
  let n1: ReturnType<typeof aNumber>;
  let n2: ReturnType<typeof aNumber>;
  let n3: ReturnType<typeof aNumber>;

  beforeEach(() => {
    store = emptyStore();
    trunkA = aTrunk(admin.id, { name: 'Trunk A' });
    trunkB = aTrunk(admin.id, { name: 'Trunk B' });
    n1 = aNumber('+13125550101');
    n2 = aNumber('+13125550102');
    n3 = aNumber('+13125550103');
    store.users.push(admin);
    store.trunks.push(trunkA, trunkB);
    store.numbers.push(n1, n2, n3);
    store.assignments.push(anAssignment(trunkA.id, n1.id, 'primary'));
    const repos = fakeRepositories(store);
    service = new AssignmentService(repos, fakeUnitOfWork(store, repos));
  });

  it('refuses a second active primary on a trunk, naming the current one', async () => {
    const message = await conflict(
      service.create({ trunkId: trunkA.id, phoneNumberId: n2.id, assignmentType: 'primary' }, admin.id),
    );
    expect(message).toBe(
      'Trunk Trunk A already has an active primary number (+13125550101). Make that one secondary or backup first.',
    );
    expect(store.assignments).toHaveLength(1);
    expect(store.audit).toHaveLength(0);
  });

  it('refuses to put a number actively on a second trunk', async () => {
    const message = await conflict(
      service.create({ trunkId: trunkB.id, phoneNumberId: n1.id, assignmentType: 'secondary' }, admin.id),
    );
    expect(message).toBe('+13125550101 is already assigned to trunk Trunk A. Unassign it there first.');
    expect(store.audit).toHaveLength(0);
  });

  it('allows an inactive assignment that would break neither rule once active… until it is activated', async () => {
    const parked = await service.create(
      { trunkId: trunkB.id, phoneNumberId: n1.id, assignmentType: 'primary', isActive: false },
      admin.id,
    );
    expect(parked.isActive).toBe(false);
    const message = await conflict(service.update(parked.id, { isActive: true }, admin.id));
    expect(message).toMatch(/already assigned to trunk Trunk A/);
    expect(store.assignments.find((a) => a.id === parked.id)!.is_active).toBe(0);
  });

  it('lets the primary stay primary, and a trunk take a new primary once the old one is demoted', async () => {
    const current = store.assignments[0]!;
    await service.update(current.id, { assignmentType: 'primary', settings: { label: 'desk' } }, admin.id);
    await service.update(current.id, { assignmentType: 'backup' }, admin.id);
    const created = await service.create(
      { trunkId: trunkA.id, phoneNumberId: n2.id, assignmentType: 'primary' },
      admin.id,
    );
    expect(created).toMatchObject({
      trunkName: 'Trunk A',
      number: '+13125550102',
      assignmentType: 'primary',
    });
  });

  it('audits each write with what changed', async () => {
    const created = await service.create(
      { trunkId: trunkB.id, phoneNumberId: n3.id, assignmentType: 'secondary' },
      admin.id,
    );
    await service.update(created.id, { assignmentType: 'backup' }, admin.id);
    await service.delete(created.id, admin.id);
    expect(store.audit.map((e) => [e.action, e.actorId])).toEqual([
      ['assignment.create', admin.id],
      ['assignment.update', admin.id],
      ['assignment.delete', admin.id],
    ]);
    expect(store.audit[1]!.details).toMatchObject({ changed: ['assignmentType'], assignmentType: 'backup' });
  });

  it('answers a duplicate of an existing pair with the assignment to update instead', async () => {
    const message = await conflict(
      service.create({ trunkId: trunkA.id, phoneNumberId: n1.id, assignmentType: 'backup' }, admin.id),
    );
    expect(message).toMatch(
      /already assigned to trunk Trunk A \(as primary\); update that assignment instead/,
    );
  });

  it('names the missing trunk or number as a 400 on its field, writing nothing', async () => {
    const noTrunk = await domainError(
      service.create({ trunkId: 'no-such', phoneNumberId: n2.id, assignmentType: 'backup' }, admin.id),
    );
    expect(noTrunk).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'trunkId: no trunk with this id exists.',
      details: { field: 'trunkId' },
    });
    const noNumber = await domainError(
      service.create({ trunkId: trunkB.id, phoneNumberId: 'no-such', assignmentType: 'backup' }, admin.id),
    );
    expect(noNumber).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'phoneNumberId: no phone number with this id exists.',
      details: { field: 'phoneNumberId' },
    });
    const missing = await domainError(service.update('no-such', { isActive: false }, admin.id));
    expect(missing).toMatchObject({ code: 'NOT_FOUND', message: 'Assignment was not found' });
    expect(store.assignments).toHaveLength(1);
    expect(store.audit).toHaveLength(0);
  });

  it('points a conflict at the assignment (and trunk) to change', async () => {
    const current = store.assignments[0]!;
    const duplicate = await domainError(
      service.create({ trunkId: trunkA.id, phoneNumberId: n1.id, assignmentType: 'backup' }, admin.id),
    );
    expect(duplicate.details).toEqual({ assignmentId: current.id });
    const elsewhere = await domainError(
      service.create({ trunkId: trunkB.id, phoneNumberId: n1.id, assignmentType: 'backup' }, admin.id),
    );
    expect(elsewhere.details).toEqual({ trunkId: trunkA.id, assignmentId: current.id });
    const primary = await domainError(
      service.create({ trunkId: trunkA.id, phoneNumberId: n2.id, assignmentType: 'primary' }, admin.id),
    );
    expect(primary.details).toEqual({ assignmentId: current.id });
    store.assignments[0]!.is_active = 0;
    expect(
      await conflict(
        service.create({ trunkId: trunkA.id, phoneNumberId: n1.id, assignmentType: 'backup' }, admin.id),
      ),
    ).toMatch(/\(as primary, inactive\)/);
  });

  it('creates with the given id, settings and state, and audits what it created', async () => {
    const created = await service.create(
      {
        trunkId: trunkB.id,
        phoneNumberId: n2.id,
        assignmentType: 'secondary',
        settings: { label: 'sales' },
      },
      admin.id,
      { id: 'chosen-id' },
    );
    expect(created).toMatchObject({
      id: 'chosen-id',
      trunkId: trunkB.id,
      phoneNumberId: n2.id,
      assignmentType: 'secondary',
      isActive: true,
      settings: { label: 'sales' },
      lastUsedAt: null,
    });
    const plain = await service.create(
      { trunkId: trunkB.id, phoneNumberId: n3.id, assignmentType: 'backup' },
      admin.id,
    );
    expect(plain.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(store.assignments.find((a) => a.id === plain.id)!.settings).toBe('{}');
    expect(store.audit[0]).toMatchObject({
      action: 'assignment.create',
      entityType: 'assignment',
      entityId: 'chosen-id',
      details: {
        trunkId: trunkB.id,
        trunkName: 'Trunk B',
        number: '+13125550102',
        assignmentType: 'secondary',
        isActive: true,
      },
    });
  });

  it('records only real changes: a no-op update writes nothing and audits nothing', async () => {
    const current = store.assignments[0]!;
    const before = { ...current };
    await service.update(current.id, { assignmentType: 'primary', isActive: true }, admin.id);
    await service.update(current.id, {}, admin.id);
    expect(store.assignments[0]).toEqual(before);
    expect(store.audit).toHaveLength(0);
  });

  it('deactivates and re-activates, restarting "assigned since" only on re-activation', async () => {
    const current = store.assignments[0]!;
    const assignedAt = current.assigned_at;
    const off = await service.update(current.id, { isActive: false }, admin.id);
    expect(off.isActive).toBe(false);
    expect(off.assignedAt).toBe(assignedAt);
    // Inactive, it breaks no rule: a new primary may take its place, and it may turn primary itself.
    await service.create({ trunkId: trunkA.id, phoneNumberId: n2.id, assignmentType: 'primary' }, admin.id);
    await service.update(current.id, { settings: { note: 'parked' } }, admin.id);
    expect(await conflict(service.update(current.id, { isActive: true }, admin.id))).toMatch(
      /already has an active primary number \(\+13125550102\)/,
    );
    const demoted = await service.update(current.id, { isActive: true, assignmentType: 'backup' }, admin.id);
    expect(demoted).toMatchObject({ isActive: true, assignmentType: 'backup', settings: { note: 'parked' } });
    expect(demoted.assignedAt).not.toBe(assignedAt);
    expect(store.audit.map((e) => e.details)).toEqual([
      {
        trunkId: trunkA.id,
        number: '+13125550101',
        changed: ['isActive'],
        assignmentType: 'primary',
        isActive: false,
      },
      expect.objectContaining({ assignmentType: 'primary' }),
      {
        trunkId: trunkA.id,
        number: '+13125550101',
        changed: ['settings'],
        assignmentType: 'primary',
        isActive: false,
      },
      {
        trunkId: trunkA.id,
        number: '+13125550101',
        changed: ['assignmentType', 'isActive'],
        assignmentType: 'backup',
        isActive: true,
      },
    ]);
  });

  it('audits a delete with the trunk and number it unassigned', async () => {
    const current = store.assignments[0]!;
    await service.delete(current.id, admin.id);
    expect(store.assignments).toHaveLength(0);
    expect(store.audit).toEqual([
      expect.objectContaining({
        action: 'assignment.delete',
        entityType: 'assignment',
        entityId: current.id,
        details: { trunkId: trunkA.id, trunkName: 'Trunk A', number: '+13125550101' },
      }),
    ]);
  });
});
