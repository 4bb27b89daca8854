/**
 * The dialer's connections (ConnectionsService) and its per-user JSON cache (ConnectionsJsonCache) over
 * fake repositories: a user sees only their own active trunks with their numbers, the JSON path is byte
 * for byte the object path (whichever way the numbers are built), a cached answer is served only at the
 * revision it was built at and never replaced by an older one, the cache's bounds evict the least recently
 * used, and the Telnyx source is a clear error until it is wired.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionNumberRow } from '../../../src/server/repositories/assignment-repository.js';
import type { TrunkView } from '../../../src/server/repositories/trunk-repository.js';
import { groupNumbersByTrunk } from '../../../src/server/services/connection-mapper.js';
import {
  CONNECTIONS_CACHE_LIMITS,
  ConnectionsJsonCache,
  ConnectionsService,
  type TelnyxConnectionsSource,
} from '../../../src/server/services/connections-service.js';
import type { ConnectionListDto } from '../../../src/shared/api.js';
import { ErrorCode } from '../../../src/shared/errors.js';
import { extend } from './fake-admin-repositories.js';
import { aTrunk, emptyStore, failure, fakeRepositories } from './fake-repositories.js';

const NOW = '2026-12-02T06:00:00.000Z';

function aView(ownerId: string, o: Partial<TrunkView> = {}): TrunkView {
  const { sip_password_enc: _p, telnyx_active: _a, telnyx_seen_run_id: _s, ...row } = aTrunk(ownerId);
  return { ...row, has_password: 0, ...o };
}

function aNumberRow(trunkId: string, n: number, o: Partial<ConnectionNumberRow> = {}): ConnectionNumberRow {
  return {
    assignment_id: `as-${trunkId}-${n}`,
    trunk_id: trunkId,
    phone_number_id: `pn-${trunkId}-${n}`,
    assignment_type: n === 0 ? 'primary' : 'secondary',
    assigned_at: '2026-11-01T10:00:00.000Z',
    number: `+1312555010${n}`,
    country: 'US',
    city: 'Chicago',
    region: 'IL',
    number_type: 'local',
    capabilities: '["voice"]',
    ...o,
  };
}

/** Trunks and number rows behind the repositories' owner / status conditions, with a query count. */
function world(o: { buildsJson?: boolean } = {}) {
  const trunks = [
    aView('ana', { id: 'a1', name: 'Chicago' }),
    aView('ana', { id: 'a2', name: 'Empty' }),
    aView('ana', { id: 'a3', name: 'Off', status: 'inactive' }),
    aView('bob', { id: 'b1', name: 'Bob' }),
  ];
  const rows = [
    aNumberRow('a1', 0),
    aNumberRow('a1', 1, { capabilities: '["voice","sms"]' }),
    aNumberRow('b1', 0),
  ];
  const state = { revision: 1 as number | undefined, queries: 0, numberReads: [] as string[] };
  const active = (owner: string) => trunks.filter((t) => t.owner_id === owner && t.status === 'active');
  const rowsOf = (owner: string) => rows.filter((r) => active(owner).some((t) => t.id === r.trunk_id));
  const base = fakeRepositories(emptyStore());
  const repos = {
    trunks: extend(base.trunks, {
      listActiveForOwner: (owner) => {
        state.queries++;
        return Promise.resolve(active(owner));
      },
      findForOwner: (owner, id, status) =>
        Promise.resolve(trunks.find((t) => t.owner_id === owner && t.id === id && t.status === status)),
    }),
    assignments: extend(base.assignments, {
      buildsConnectionJson: o.buildsJson ?? false,
      listActiveForOwner: (owner) => {
        state.queries++;
        state.numberReads.push('rows');
        return Promise.resolve(rowsOf(owner));
      },
      // What SQLite builds: each trunk's AssignedNumberDto[] as JSON text (trunks without numbers: no row).
      listActiveJsonForOwner: (owner) => {
        state.queries++;
        state.numberReads.push('json');
        return Promise.resolve(
          [...groupNumbersByTrunk(rowsOf(owner))].map(([trunk_id, numbers]) => ({
            trunk_id,
            numbers: JSON.stringify(numbers),
          })),
        );
      },
      listActiveForTrunk: (id) => Promise.resolve(rows.filter((r) => r.trunk_id === id)),
    }),
    revisions: extend(base.revisions, {
      connections: () => Promise.resolve(state.revision),
    }),
  };
  return { repos, trunks, rows, state };
}

describe('ConnectionsService', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(NOW));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("lists the user's own active trunks, each with its numbers in order", async () => {
    const { repos } = world();
    const list = await new ConnectionsService(repos, undefined).listForUser({ id: 'ana' });
    expect(list).toMatchObject({ source: 'database', count: 2, fetchedAt: NOW });
    expect(list.connections.map((c) => [c.id, c.numbers.map((n) => n.number)])).toEqual([
      ['a1', ['+13125550100', '+13125550101']],
      ['a2', []],
    ]);
    expect(list.connections[0]!.numbers[1]!.capabilities).toEqual(['voice', 'sms']);
    expect(Object.keys(list)).toEqual(['source', 'count', 'fetchedAt', 'connections']);
  });

  it('answers an empty list for a user without trunks', async () => {
    const { repos } = world();
    expect(await new ConnectionsService(repos, undefined).listForUser({ id: 'eve' })).toStrictEqual({
      source: 'database',
      count: 0,
      fetchedAt: NOW,
      connections: [],
    });
  });

  it('lists from the database by default and from Telnyx when asked, passing who asks', async () => {
    const { repos } = world();
    const asked: unknown[] = [];
    const telnyxList: ConnectionListDto = { source: 'telnyx', count: 0, fetchedAt: NOW, connections: [] };
    const telnyx: TelnyxConnectionsSource = {
      list: (user) => {
        asked.push(user);
        return Promise.resolve(telnyxList);
      },
    };
    const service = new ConnectionsService(repos, telnyx);
    const user = { id: 'ana', role: 'agent' as const };
    expect((await service.list(user)).source).toBe('database');
    expect((await service.list(user, 'database')).count).toBe(2);
    expect(await service.list(user, 'telnyx')).toBe(telnyxList);
    expect(asked).toEqual([user]);
  });

  it('says Telnyx is not configured when no Telnyx source is wired', async () => {
    const { repos } = world();
    const service = new ConnectionsService(repos, undefined);
    const err = await failure(
      Promise.resolve().then(() => service.list({ id: 'ana', role: 'admin' }, 'telnyx')),
    );
    expect(err.code).toBe(ErrorCode.TelnyxNotConfigured);
  });

  describe('listForUserJson', () => {
    for (const buildsJson of [false, true]) {
      it(`is JSON.stringify of the list, byte for byte (numbers built ${buildsJson ? 'by the database' : 'here'})`, async () => {
        const { repos } = world({ buildsJson });
        const service = new ConnectionsService(repos, undefined, { enabled: false });
        for (const id of ['ana', 'bob', 'eve']) {
          expect(await service.listForUserJson({ id })).toBe(
            JSON.stringify(await service.listForUser({ id })),
          );
        }
      });
    }

    it('reads the numbers as JSON text only where the repository builds them (SQLite)', async () => {
      for (const buildsJson of [false, true]) {
        const { repos, state } = world({ buildsJson });
        await new ConnectionsService(repos, undefined, { enabled: false }).listForUserJson({ id: 'ana' });
        expect(state.numberReads).toEqual([buildsJson ? 'json' : 'rows']);
      }
    });

    it('serves a cached answer without the list queries while the revision stays the same', async () => {
      const { repos, state } = world({ buildsJson: true });
      const service = new ConnectionsService(repos, undefined);
      const first = await service.listForUserJson({ id: 'ana' });
      expect(state.queries).toBe(2);
      vi.setSystemTime(new Date('2026-12-02T06:05:00.000Z'));
      expect(await service.listForUserJson({ id: 'ana' })).toBe(first);
      expect(state.queries).toBe(2);
      expect(service.cache!.size).toBe(1);
    });

    it('rebuilds once the revision moves, and keeps users apart', async () => {
      const { repos, state, trunks } = world();
      const service = new ConnectionsService(repos, undefined);
      const before = await service.listForUserJson({ id: 'ana' });
      trunks[1]!.name = 'Renamed';
      state.revision = 2;
      const after = await service.listForUserJson({ id: 'ana' });
      expect(after).not.toBe(before);
      expect(after).toContain('Renamed');
      expect(await service.listForUserJson({ id: 'bob' })).toContain('"id":"b1"');
      expect(state.queries).toBe(6);
    });

    it('reads every time when the cache is off or the revision is unknown', async () => {
      const off = world();
      const service = new ConnectionsService(off.repos, undefined, { enabled: false });
      expect(service.cache).toBeUndefined();
      await service.listForUserJson({ id: 'ana' });
      await service.listForUserJson({ id: 'ana' });
      expect(off.state.queries).toBe(4);

      const unknown = world();
      unknown.state.revision = undefined;
      const cached = new ConnectionsService(unknown.repos, undefined, { enabled: true });
      await cached.listForUserJson({ id: 'ana' });
      await cached.listForUserJson({ id: 'ana' });
      expect(unknown.state.queries).toBe(4);
      expect(cached.cache!.size).toBe(0);
    });

    it('uses the limits it is given', async () => {
      const { repos } = world();
      const service = new ConnectionsService(repos, undefined, {
        limits: { maxEntries: 1, maxChars: 1_000_000 },
      });
      await service.listForUserJson({ id: 'ana' });
      await service.listForUserJson({ id: 'bob' });
      expect(service.cache!.size).toBe(1);
    });
  });

  describe('getForUser', () => {
    it("answers one of the user's active connections with its numbers", async () => {
      const { repos } = world();
      const c = await new ConnectionsService(repos, undefined).getForUser({ id: 'ana' }, 'a1');
      expect(c).toMatchObject({ id: 'a1', name: 'Chicago' });
      expect(c.numbers.map((n) => n.assignmentId)).toEqual(['as-a1-0', 'as-a1-1']);
      expect(
        (await new ConnectionsService(repos, undefined).getForUser({ id: 'ana' }, 'a2')).numbers,
      ).toEqual([]);
    });

    it("answers 404 for another user's, an inactive and an unknown connection", async () => {
      const { repos } = world();
      const service = new ConnectionsService(repos, undefined);
      for (const id of ['b1', 'a3', 'zz']) {
        const err = await failure(service.getForUser({ id: 'ana' }, id));
        expect(err.code).toBe(ErrorCode.NotFound);
        expect(err.message).toBe('Connection was not found');
      }
    });
  });
});

describe('ConnectionsJsonCache', () => {
  it('answers a user its JSON only at the revision it was built at', () => {
    const cache = new ConnectionsJsonCache();
    cache.set('ana', 3, '{"a":3}');
    expect(cache.get('ana', 3)).toBe('{"a":3}');
    expect(cache.get('ana', 4)).toBeUndefined();
    expect(cache.get('ana', 2)).toBeUndefined();
    expect(cache.get('bob', 3)).toBeUndefined();
  });

  it('keeps a newer answer over one from an older revision, and replaces it with a newer or equal one', () => {
    const cache = new ConnectionsJsonCache();
    cache.set('ana', 5, 'five');
    cache.set('ana', 4, 'four');
    expect(cache.get('ana', 5)).toBe('five');
    expect(cache.get('ana', 4)).toBeUndefined();
    cache.set('ana', 5, 'five again');
    expect(cache.get('ana', 5)).toBe('five again');
    cache.set('ana', 6, 'six');
    expect(cache.get('ana', 6)).toBe('six');
    expect(cache.size).toBe(1);
    expect(cache.totalChars).toBe(3);
  });

  it('evicts the least recently used user beyond the entry limit (a hit counts as a use)', () => {
    const cache = new ConnectionsJsonCache({ maxEntries: 2, maxChars: 1000 });
    cache.set('ana', 1, 'a');
    cache.set('bob', 1, 'b');
    expect(cache.get('ana', 1)).toBe('a');
    cache.set('eve', 1, 'e');
    expect(cache.get('bob', 1)).toBeUndefined();
    expect(cache.get('ana', 1)).toBe('a');
    expect(cache.get('eve', 1)).toBe('e');
  });

  it('does not count a miss at another revision as a use', () => {
    const cache = new ConnectionsJsonCache({ maxEntries: 2, maxChars: 1000 });
    cache.set('ana', 1, 'a');
    cache.set('bob', 1, 'b');
    expect(cache.get('ana', 2)).toBeUndefined();
    cache.set('eve', 1, 'e');
    expect(cache.get('ana', 1)).toBeUndefined();
    expect(cache.get('bob', 1)).toBe('b');
  });

  it('bounds the total characters, counting an empty answer as one', () => {
    const cache = new ConnectionsJsonCache({ maxEntries: 10, maxChars: 10 });
    cache.set('ana', 1, '123456');
    cache.set('bob', 1, '1234');
    expect(cache.totalChars).toBe(10);
    cache.set('eve', 1, '');
    expect(cache.totalChars).toBe(5);
    expect(cache.get('ana', 1)).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it("keeps no answer larger than the whole cache, and drops that user's older one", () => {
    const cache = new ConnectionsJsonCache({ maxEntries: 10, maxChars: 5 });
    cache.set('ana', 1, 'abc');
    cache.set('ana', 2, 'abcdef');
    expect(cache.get('ana', 2)).toBeUndefined();
    expect(cache.get('ana', 1)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('empties on clear, and has generous default bounds', () => {
    const cache = new ConnectionsJsonCache();
    cache.set('ana', 1, 'a');
    cache.clear();
    expect(cache.size).toBe(0);
    expect(CONNECTIONS_CACHE_LIMITS).toEqual({ maxEntries: 500, maxChars: 64 * 1024 * 1024 });
    for (let i = 0; i < 501; i++) cache.set(`user-${i}`, 1, 'x');
    expect(cache.size).toBe(500);
  });
});
