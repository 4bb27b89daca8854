/**
 * The caller-ID policy of call records (CallService.start), on in-memory repositories: an outbound call
 * may only use a number actively assigned to the chosen connection; an inbound call is recorded whatever
 * number it reached, linked when it is one of the connection's.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { CallService } from '../../../src/server/services/call-service.js';
import {
  aNumber,
  anAssignment,
  aTrunk,
  aUser,
  emptyStore,
  failure,
  fakeRepositories,
  fakeUnitOfWork,
  type FakeStore,
} from './fake-repositories.js';

const NOW = new Date('2026-11-24T17:30:00.000Z');

describe('CallService caller-ID policy', () => {
  let store: FakeStore;
  let service: CallService;
  const agent = aUser();
  const other = aUser();
  let trunk: ReturnType<typeof aTrunk>;
  let primary: ReturnType<typeof aNumber>;
  let retired: ReturnType<typeof aNumber>;
  let elsewhere: ReturnType<typeof aNumber>;

  beforeEach(() => {
    store = emptyStore();
    trunk = aTrunk(agent.id, { name: 'Main' });
    const second = aTrunk(agent.id, { name: 'Second' });
    primary = aNumber('+13125550100');
    retired = aNumber('+13125550101');
    elsewhere = aNumber('+13125550102');
    store.users.push(agent, other);
    store.trunks.push(
      trunk,
      second,
      aTrunk(agent.id, { id: 'pending-trunk', name: 'Later', status: 'pending' }),
    );
    store.numbers.push(primary, retired, elsewhere);
    store.assignments.push(
      anAssignment(trunk.id, primary.id, 'primary'),
      anAssignment(trunk.id, retired.id, 'secondary', { is_active: 0 }),
      anAssignment(second.id, elsewhere.id, 'primary'),
    );
    const repos = fakeRepositories(store);
    service = new CallService(
      repos,
      fakeUnitOfWork(store, repos),
      { now: () => NOW },
      {
        abandonTimeoutMs: 60_000,
      },
    );
  });

  const outbound = (o: { callerNumber?: string; phoneNumberId?: string; connectionId?: string }) =>
    service.start(
      { id: agent.id, role: 'agent' },
      { connectionId: trunk.id, remoteNumber: '+14155550123', direction: 'outbound', ...o },
    );

  it('records an outbound call with an actively assigned caller ID and stamps its last use', async () => {
    const call = await outbound({ callerNumber: primary.number });
    expect(call).toMatchObject({
      connectionId: trunk.id,
      connectionName: 'Main',
      phoneNumberId: primary.id,
      callerNumber: '+13125550100',
      outcome: 'in_progress',
      startedAt: NOW.toISOString(),
    });
    expect(store.calls).toHaveLength(1);
    const used = store.assignments.find((a) => a.phone_number_id === primary.id)!;
    expect(used.last_used_at).toBe(NOW.toISOString());
  });

  it('takes the caller ID by id as well, and answers with the stored E.164 form', async () => {
    const call = await outbound({ phoneNumberId: primary.id });
    expect(call.callerNumber).toBe('+13125550100');
  });

  it('refuses a number whose assignment to this connection is inactive, saying it is no longer assigned', async () => {
    const err = await failure(outbound({ callerNumber: retired.number }));
    expect(err.code).toBe('CALLER_ID_NOT_ASSIGNED');
    expect(err.message).toBe(
      '+13125550101 is no longer assigned to connection "Main". Choose one of its assigned numbers as caller ID.',
    );
    expect(store.calls).toHaveLength(0);
  });

  it('refuses a number assigned to another connection, and an unknown number', async () => {
    for (const callerNumber of [elsewhere.number, '+19995550000']) {
      const err = await failure(outbound({ callerNumber }));
      expect(err.code).toBe('CALLER_ID_NOT_ASSIGNED');
      expect(err.message).toMatch(/is not assigned to connection "Main"/);
    }
    expect(store.calls).toHaveLength(0);
    expect(store.assignments.every((a) => a.last_used_at === null)).toBe(true);
  });

  it('refuses a caller ID whose id and number disagree', async () => {
    const err = await failure(outbound({ phoneNumberId: primary.id, callerNumber: elsewhere.number }));
    expect(err.code).toBe('CALLER_ID_NOT_ASSIGNED');
  });

  it('asks for a caller ID when an outbound call has none', async () => {
    const err = await failure(outbound({}));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message).toMatch(/Choose a caller ID/);
  });

  it("hides another user's connection and refuses outbound calls on a connection that is not active", async () => {
    const theirs = await failure(
      service.start(
        { id: other.id, role: 'agent' },
        { connectionId: trunk.id, remoteNumber: '1000', direction: 'outbound', callerNumber: primary.number },
      ),
    );
    expect(theirs.code).toBe('NOT_FOUND');
    const pending = await failure(outbound({ connectionId: 'pending-trunk', callerNumber: primary.number }));
    expect(pending.code).toBe('NOT_FOUND');
    expect(pending.message).toMatch(/is pending; only active connections can place calls/);
  });

  it('records an inbound call to an unknown number as text, without touching any last use', async () => {
    const call = await service.start(
      { id: agent.id, role: 'agent' },
      {
        connectionId: trunk.id,
        remoteNumber: '+14155550123',
        direction: 'inbound',
        callerNumber: '+19995550000',
      },
    );
    expect(call).toMatchObject({ phoneNumberId: null, callerNumber: '+19995550000', direction: 'inbound' });
    const linked = await service.start(
      { id: agent.id, role: 'agent' },
      {
        connectionId: trunk.id,
        remoteNumber: '+14155550123',
        direction: 'inbound',
        callerNumber: retired.number,
      },
    );
    expect(linked.phoneNumberId).toBe(retired.id);
    expect(store.assignments.every((a) => a.last_used_at === null)).toBe(true);
  });

  it('refuses an inbound call naming a number id that is not on the connection', async () => {
    const err = await failure(
      service.start(
        { id: agent.id, role: 'agent' },
        {
          connectionId: trunk.id,
          remoteNumber: '+14155550123',
          direction: 'inbound',
          phoneNumberId: elsewhere.id,
        },
      ),
    );
    expect(err.code).toBe('CALLER_ID_NOT_ASSIGNED');
  });
});
