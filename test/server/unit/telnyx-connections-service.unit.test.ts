/**
 * The fallback connection list live from Telnyx (TelnyxConnectionsService): an admin sees every active
 * credential connection of the account, an agent only the active ones linked to their own trunks; each
 * with its numbers, local ids where the database knows them, sorted by name.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Repositories } from '../../../src/server/repositories/index.js';
import type { TelnyxRepository } from '../../../src/server/repositories/telnyx/telnyx-repository.js';
import { TelnyxConnectionsService } from '../../../src/server/services/telnyx-connections-service.js';
import { ErrorCode } from '../../../src/shared/errors.js';
import { aTelnyxConnection, aTelnyxNumber, fakeTelnyx, partial, type FakeTelnyx } from './fake-telnyx.js';
import { aTrunk, aUser, emptyStore, failure, type FakeStore } from './fake-repositories.js';

describe('TelnyxConnectionsService.list', () => {
  let store: FakeStore;
  let telnyx: FakeTelnyx;
  let asked: string[];
  let repos: ConstructorParameters<typeof TelnyxConnectionsService>[0];
  let service: TelnyxConnectionsService;
  const admin = aUser({ role: 'admin' });
  const agent = aUser({ role: 'agent' });
  const other = aUser({ role: 'agent' });

  beforeEach(() => {
    store = emptyStore();
    store.users.push(admin, agent, other);
    store.trunks.push(
      aTrunk(agent.id, { id: 'trunk-a', telnyx_connection_id: 'c-a' }),
      aTrunk(agent.id, { id: 'trunk-off', telnyx_connection_id: 'c-off' }),
      aTrunk(agent.id, { id: 'trunk-gone', telnyx_connection_id: 'c-gone' }),
      aTrunk(other.id, { id: 'trunk-b', telnyx_connection_id: 'c-b' }),
      aTrunk(agent.id, { id: 'trunk-sip' }),
    );
    telnyx = fakeTelnyx({
      connections: [
        aTelnyxConnection('c-b', { name: 'Bravo' }),
        aTelnyxConnection('c-a', { name: 'Alpha' }),
        aTelnyxConnection('c-off', { name: 'Off', active: false }),
        aTelnyxConnection('c-x', { name: 'Charlie' }),
      ],
      numbers: [
        aTelnyxNumber('n-a2', '+15550002', 'c-a'),
        aTelnyxNumber('n-a1', '+15550001', 'c-a'),
        aTelnyxNumber('n-b1', '+15550003', 'c-b'),
        aTelnyxNumber('n-off', '+15550004', 'c-off'),
        aTelnyxNumber('n-free', '+15550005', null),
      ],
    });
    asked = [];
    repos = {
      users: partial<Repositories['users']>('users', {
        activeRole: (id) => {
          asked.push(`activeRole(${id})`);
          const u = store.users.find((x) => x.id === id && x.status === 'active');
          return Promise.resolve(u?.role ?? null);
        },
      }),
      telnyxLinks: partial<Repositories['telnyxLinks']>('telnyxLinks', {
        trunksByConnection: (ownerId) => {
          asked.push(`trunksByConnection(${ownerId})`);
          const trunks = store.trunks.filter(
            (t) => t.telnyx_connection_id && (ownerId === null || t.owner_id === ownerId),
          );
          return Promise.resolve(new Map(trunks.map((t) => [t.telnyx_connection_id!, t.id])));
        },
        numberIdsByTelnyxId: (ids) => {
          asked.push(`numberIdsByTelnyxId(${[...ids].sort().join(',')})`);
          return Promise.resolve(new Map(ids.filter((i) => i === 'n-a1').map((i) => [i, 'number-local-a1'])));
        },
      }),
    };
    service = new TelnyxConnectionsService(repos, telnyx.api);
  });

  const summary = (dto: Awaited<ReturnType<TelnyxConnectionsService['list']>>) =>
    dto.connections.map((c) => `${c.id} ${c.name}: ${c.numbers.map((n) => n.phoneNumberId).join(' ')}`);

  it('lists every active connection of the account to an admin, by name, from two paged scans', async () => {
    const before = new Date().toISOString();
    const dto = await service.list({ id: admin.id, role: 'admin' });
    expect(dto.source).toBe('telnyx');
    expect(dto.count).toBe(3);
    expect(dto.fetchedAt >= before && dto.fetchedAt <= new Date().toISOString()).toBe(true);
    expect(summary(dto)).toEqual([
      'trunk-a Alpha: number-local-a1 telnyx:n-a2',
      'trunk-b Bravo: telnyx:n-b1',
      'telnyx:c-x Charlie: ',
    ]);
    expect(telnyx.calls).toEqual(['listAllConnections()', 'listAllNumbers()']);
    // Local ids are looked up only for numbers of listed connections.
    expect(asked).toEqual(['trunksByConnection(null)', 'numberIdsByTelnyxId(n-a1,n-a2,n-b1)']);
  });

  it('lists to an agent only the active connections linked to their trunks, fetched one by one', async () => {
    const dto = await service.list({ id: agent.id, role: 'agent' });
    expect(summary(dto)).toEqual(['trunk-a Alpha: number-local-a1 telnyx:n-a2']);
    expect(dto.count).toBe(1);
    expect(telnyx.calls).toEqual([
      'getConnection(c-a)',
      'getConnection(c-off)',
      'getConnection(c-gone)',
      'listAllNumbers(c-a)',
      'listAllNumbers(c-off)',
    ]);
    expect(asked).toEqual([`trunksByConnection(${agent.id})`, 'numberIdsByTelnyxId(n-a1,n-a2)']);
  });

  it('asks Telnyx at most six requests at a time for an agent with many connections', async () => {
    const ids = Array.from({ length: 14 }, (_, i) => `c-many-${i}`);
    for (const id of ids) store.trunks.push(aTrunk(agent.id, { telnyx_connection_id: id }));
    telnyx.connections.push(...ids.map((id) => aTelnyxConnection(id)));
    let inFlight = 0;
    let most = 0;
    const slow = <T>(value: T) => {
      most = Math.max(most, ++inFlight);
      return new Promise<T>((r) => setTimeout(() => (inFlight--, r(value)), 5));
    };
    const throttled = partial<TelnyxRepository>('telnyx', {
      configured: true,
      getConnection: (id) => slow(telnyx.connections.find((c) => c.id === id) ?? null),
      listAllNumbers: (id) => slow(telnyx.numbers.filter((n) => n.connectionId === id)),
    });
    const dto = await new TelnyxConnectionsService(repos, throttled).list({ id: agent.id, role: 'agent' });
    expect(dto.count).toBe(15);
    expect(most).toBe(6);
  });

  it('reads the role from the database when the caller does not carry it', async () => {
    expect(summary(await service.list({ id: admin.id }))).toHaveLength(3);
    expect(asked[0]).toBe(`activeRole(${admin.id})`);
    asked = [];
    expect(summary(await service.list({ id: agent.id }))).toHaveLength(1);
    expect(asked[0]).toBe(`activeRole(${agent.id})`);
  });

  it('treats an inactive admin as no admin', async () => {
    admin.status = 'disabled';
    try {
      const dto = await service.list({ id: admin.id });
      expect(dto.count).toBe(0);
      expect(asked).toContain(`trunksByConnection(${admin.id})`);
    } finally {
      admin.status = 'active';
    }
  });

  it('sorts connections of the same name by id', async () => {
    telnyx.connections = [
      aTelnyxConnection('c-2', { name: 'Same' }),
      aTelnyxConnection('c-1', { name: 'Same' }),
    ];
    const dto = await service.list({ id: admin.id, role: 'admin' });
    expect(dto.connections.map((c) => c.id)).toEqual(['telnyx:c-1', 'telnyx:c-2']);
  });

  it('refuses with TELNYX_NOT_CONFIGURED without an API key, asking nobody', async () => {
    telnyx.configured = false;
    const err = await failure(service.list({ id: admin.id, role: 'admin' }));
    expect(err.code).toBe(ErrorCode.TelnyxNotConfigured);
    expect(telnyx.calls).toEqual([]);
    expect(asked).toEqual([]);
  });
});
