/**
 * Pushing an assignment to Telnyx (TelnyxAssignmentService): which assignments may be pushed and why
 * not, what reaches Telnyx, and what is recorded locally (the number's connection at Telnyx and one
 * audit entry) only once Telnyx has accepted the change.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Repositories } from '../../../src/server/repositories/index.js';
import type { AssignmentForPush } from '../../../src/server/repositories/telnyx/telnyx-link-repository.js';
import { TelnyxAssignmentService } from '../../../src/server/services/telnyx-assignment-service.js';
import { DomainError, ErrorCode } from '../../../src/shared/errors.js';
import { aTelnyxNumber, fakeTelnyx, partial, type FakeTelnyx } from './fake-telnyx.js';
import {
  emptyStore,
  failure,
  fakeRepositories,
  fakeUnitOfWork,
  type FakeStore,
} from './fake-repositories.js';

function aPushRow(o: Partial<AssignmentForPush> = {}): AssignmentForPush {
  return {
    id: 'assignment-1',
    is_active: 1,
    trunk_name: 'Main trunk',
    connection_id: 'conn-1',
    phone_id: 'number-1',
    number: '+13125550101',
    telnyx_number_id: 'tn-1',
    current_connection_id: null,
    ...o,
  };
}

describe('TelnyxAssignmentService.push', () => {
  let store: FakeStore;
  let telnyx: FakeTelnyx;
  let rows: Map<string, AssignmentForPush>;
  /** phone number id -> [connection id, at], as recorded locally. */
  let recorded: Map<string, [string | null, string]>;
  let service: TelnyxAssignmentService;

  beforeEach(() => {
    store = emptyStore();
    telnyx = fakeTelnyx({ numbers: [aTelnyxNumber('tn-1', '+13125550101', null)] });
    rows = new Map([['assignment-1', aPushRow()]]);
    recorded = new Map();
    const telnyxLinks = partial<Repositories['telnyxLinks']>('telnyxLinks', {
      findAssignmentForPush: (id) => Promise.resolve(rows.get(id)),
      setNumberConnection: (phoneId, connectionId, at) => {
        recorded.set(phoneId, [connectionId, at]);
        return Promise.resolve();
      },
    });
    const repos = { ...fakeRepositories(store), telnyxLinks };
    service = new TelnyxAssignmentService(repos, fakeUnitOfWork(store, repos), telnyx.api);
  });

  it('routes the number to the trunk connection at Telnyx, records it with an audit entry', async () => {
    const before = new Date().toISOString();
    const result = await service.push('assignment-1', 'admin-1');
    expect(result).toStrictEqual({
      ok: true,
      assignmentId: 'assignment-1',
      number: '+13125550101',
      telnyxNumberId: 'tn-1',
      telnyxConnectionId: 'conn-1',
      alreadyThere: false,
    });
    expect(telnyx.calls).toEqual(['setNumberConnection(tn-1,conn-1)']);
    expect(telnyx.numbers[0]?.connectionId).toBe('conn-1');
    const [connection, at] = recorded.get('number-1')!;
    expect(connection).toBe('conn-1');
    expect(at >= before && at <= new Date().toISOString()).toBe(true);
    expect(store.audit).toStrictEqual([
      {
        actorId: 'admin-1',
        action: 'assignment.push_telnyx',
        entityType: 'trunk_phone_number',
        entityId: 'assignment-1',
        details: { number: '+13125550101', telnyxNumberId: 'tn-1', from: null, to: 'conn-1' },
      },
    ]);
  });

  it('says when Telnyx already routed the number there (and still confirms it)', async () => {
    rows.set('assignment-1', aPushRow({ current_connection_id: 'conn-1' }));
    const result = await service.push('assignment-1', null);
    expect(result.alreadyThere).toBe(true);
    expect(telnyx.calls).toEqual(['setNumberConnection(tn-1,conn-1)']);
    expect(store.audit[0]?.details).toMatchObject({ from: 'conn-1', to: 'conn-1' });
    expect(store.audit[0]?.actorId).toBeNull();
  });

  it('records the connection Telnyx answered with', async () => {
    const api = partial<typeof telnyx.api>('telnyx', {
      configured: true,
      setNumberConnection: (id) => Promise.resolve(aTelnyxNumber(id, '+13125550101', 'conn-telnyx-says')),
    });
    const repos = {
      ...fakeRepositories(store),
      telnyxLinks: partial<Repositories['telnyxLinks']>('telnyxLinks', {
        findAssignmentForPush: (id) => Promise.resolve(rows.get(id)),
        setNumberConnection: (phoneId, connectionId, at) => {
          recorded.set(phoneId, [connectionId, at]);
          return Promise.resolve();
        },
      }),
    };
    await new TelnyxAssignmentService(repos, fakeUnitOfWork(store, repos), api).push('assignment-1', 'a');
    expect(recorded.get('number-1')?.[0]).toBe('conn-telnyx-says');
  });

  it('refuses with TELNYX_NOT_CONFIGURED without an API key, before reading anything', async () => {
    telnyx.configured = false;
    rows.clear(); // a lookup would answer 404 instead
    const err = await failure(service.push('assignment-1', 'admin-1'));
    expect(err.code).toBe(ErrorCode.TelnyxNotConfigured);
  });

  it('answers 404 for an unknown assignment', async () => {
    const err = await failure(service.push('nope', 'admin-1'));
    expect(err.code).toBe(ErrorCode.NotFound);
    expect(err.message).toBe('Assignment was not found');
  });

  it.each([
    [{ is_active: 0 }, 'Only an active assignment can be pushed to Telnyx'],
    [{ connection_id: null }, '"Main trunk" is not linked to a Telnyx connection'],
    [{ connection_id: '' }, '"Main trunk" is not linked to a Telnyx connection'],
    [{ telnyx_number_id: null }, '+13125550101 is not a Telnyx number (run a Telnyx sync to link it)'],
  ])('refuses %o with a 409 and touches nothing', async (patch, message) => {
    rows.set('assignment-1', aPushRow(patch));
    const err = await failure(service.push('assignment-1', 'admin-1'));
    expect(err.code).toBe(ErrorCode.Conflict);
    expect(err.message).toBe(message);
    expect(telnyx.calls).toEqual([]);
    expect(recorded.size).toBe(0);
    expect(store.audit).toEqual([]);
  });

  it('passes Telnyx its own error on and records nothing', async () => {
    const refused = new DomainError(ErrorCode.TelnyxError, 'Telnyx: number is being ported');
    telnyx.failOn.setNumberConnection = refused;
    await expect(service.push('assignment-1', 'admin-1')).rejects.toBe(refused);
    expect(recorded.size).toBe(0);
    expect(store.audit).toEqual([]);
  });
});
