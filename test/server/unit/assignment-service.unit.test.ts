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
});
