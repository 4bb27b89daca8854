/**
 * The admin console's reads (AdminConsoleService) over fake repositories: the audit log's filters, page
 * and order reach the repository as asked, each filter dropdown is cut at FACET_LIMIT values and says so,
 * a trunk's impact is a 404 for an unknown trunk, and the Telnyx status tells configured, running and the
 * last finished run apart.
 */
import { describe, expect, it } from 'vitest';
import type { AuditFilters } from '../../../src/server/repositories/audit-repository.js';
import { AdminConsoleService, FACET_LIMIT } from '../../../src/server/services/admin-console-service.js';
import type { SyncRunDto } from '../../../src/shared/telnyx.js';
import { ErrorCode } from '../../../src/shared/errors.js';
import { extend } from './fake-admin-repositories.js';
import { aTrunk, emptyStore, failure, fakeRepositories } from './fake-repositories.js';

const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

function console_(
  o: {
    facets?: { trunks: number; numbers: number; audit: number };
    runs?: Partial<SyncRunDto>[];
    apiKey?: string;
  } = {},
) {
  const store = emptyStore();
  store.trunks.push(aTrunk('owner-1', { id: 'trunk-1', name: 'Chicago' }));
  const base = fakeRepositories(store);
  const asked: {
    audit: [AuditFilters, Record<string, unknown>][];
    facetLimits: number[];
    impact: unknown[][];
    runs: number[];
  } = {
    audit: [],
    facetLimits: [],
    impact: [],
    runs: [],
  };
  const n = o.facets ?? { trunks: 2, numbers: 2, audit: 2 };
  const auditRow = {
    id: 'a-1',
    actorId: null,
    actorEmail: null,
    action: 'x',
    entityType: 't',
    entityId: 'e',
    details: {},
    createdAt: 'c',
  };
  const repos = {
    audit: extend(base.audit, {
      listPage: (filters, page) => {
        asked.audit.push([filters, { ...page }]);
        return Promise.resolve({ rows: [auditRow], total: 41 });
      },
      facets: (limit) => {
        asked.facetLimits.push(limit);
        return Promise.resolve({ actions: values('action', n.audit), entityTypes: values('type', n.audit) });
      },
    }),
    trunks: extend(base.trunks, {
      facets: (limit) => {
        asked.facetLimits.push(limit);
        return Promise.resolve({
          providers: values('provider', n.trunks),
          connectionTypes: values('ct', n.trunks),
          regions: values('region', n.trunks),
          locations: values('location', n.trunks),
          owners: values('owner', n.trunks).map((id) => ({ id, email: `${id}@x`, name: id })),
          capacity: { min: 1, max: 30 },
        });
      },
      impact: (id, sample) => {
        asked.impact.push([id, sample]);
        return Promise.resolve({ active: 3, inactive: 1, sampleNumbers: ['+13125550100'], calls: 17 });
      },
    }),
    phoneNumbers: extend(base.phoneNumbers, {
      facets: (limit) => {
        asked.facetLimits.push(limit);
        return Promise.resolve({
          countries: values('c', n.numbers),
          areaCodes: values('ac', n.numbers),
          numberTypes: values('nt', n.numbers),
        });
      },
    }),
  };
  const sync = {
    listRuns: (limit?: number) => {
      asked.runs.push(limit ?? -1);
      return Promise.resolve((o.runs ?? []) as SyncRunDto[]);
    },
  };
  const service = new AdminConsoleService(repos, sync, {
    telnyx: { apiKey: o.apiKey, timeoutMs: 1000, syncIntervalMinutes: 15 },
  });
  return { service, asked, auditRow };
}

describe('AdminConsoleService', () => {
  describe('audit', () => {
    it('passes every filter and the page, newest first by default', async () => {
      const { service, asked, auditRow } = console_();
      const page = await service.audit({
        actorId: 'u-1',
        entityType: 'trunk',
        entityId: 't-1',
        action: 'trunk.update',
        from: '2026-11-01T00:00:00.000Z',
        to: '2026-11-02T00:00:00.000Z',
        page: 3,
        pageSize: 20,
      });
      expect(asked.audit).toStrictEqual([
        [
          {
            actorId: 'u-1',
            entityType: 'trunk',
            entityId: 't-1',
            action: 'trunk.update',
            fromIso: '2026-11-01T00:00:00.000Z',
            toExclusiveIso: '2026-11-02T00:00:00.000Z',
            direction: 'desc',
          },
          { page: 3, pageSize: 20, limit: 20, offset: 40 },
        ],
      ]);
      expect(page).toStrictEqual({ items: [auditRow], total: 41, page: 3, pageSize: 20 });
    });

    it('takes `limit` as the page size when no page size is given, and the sort direction asked', async () => {
      const { service, asked } = console_();
      await service.audit({ limit: 7, sort: { field: 'createdAt', direction: 'asc' } });
      expect(asked.audit[0]![0].direction).toBe('asc');
      expect(asked.audit[0]![1]).toStrictEqual({ page: 1, pageSize: 7, limit: 7, offset: 0 });
      await service.audit({ limit: 7, pageSize: 9 });
      expect(asked.audit[1]![1].pageSize).toBe(9);
      await service.audit({});
      expect(asked.audit[2]![1].pageSize).toBe(50);
    });
  });

  describe('facets', () => {
    it('asks each repository for one value more than it shows, and passes small lists through', async () => {
      const { service, asked } = console_();
      const facets = await service.facets();
      expect(asked.facetLimits).toEqual([FACET_LIMIT + 1, FACET_LIMIT + 1, FACET_LIMIT + 1]);
      expect(facets).toStrictEqual({
        trunks: {
          providers: ['provider0', 'provider1'],
          connectionTypes: ['ct0', 'ct1'],
          regions: ['region0', 'region1'],
          locations: ['location0', 'location1'],
          owners: [
            { id: 'owner0', email: 'owner0@x', name: 'owner0' },
            { id: 'owner1', email: 'owner1@x', name: 'owner1' },
          ],
          capacity: { min: 1, max: 30 },
        },
        numbers: { countries: ['c0', 'c1'], areaCodes: ['ac0', 'ac1'], numberTypes: ['nt0', 'nt1'] },
        audit: { actions: ['action0', 'action1'], entityTypes: ['type0', 'type1'] },
        truncated: [],
      });
    });

    it('keeps exactly FACET_LIMIT values whole', async () => {
      const { service } = console_({
        facets: { trunks: FACET_LIMIT, numbers: FACET_LIMIT, audit: FACET_LIMIT },
      });
      const facets = await service.facets();
      expect(facets.truncated).toEqual([]);
      expect(facets.trunks.regions).toHaveLength(FACET_LIMIT);
    });

    it('cuts each longer list to FACET_LIMIT and names it as truncated', async () => {
      const { service } = console_({
        facets: { trunks: FACET_LIMIT + 1, numbers: FACET_LIMIT + 1, audit: FACET_LIMIT + 1 },
      });
      const facets = await service.facets();
      expect(facets.truncated).toEqual([
        'trunks.regions',
        'trunks.locations',
        'trunks.owners',
        'numbers.countries',
        'numbers.areaCodes',
        'audit.actions',
        'audit.entityTypes',
      ]);
      for (const list of [
        facets.trunks.regions,
        facets.trunks.locations,
        facets.trunks.owners,
        facets.numbers.countries,
        facets.numbers.areaCodes,
        facets.audit.actions,
        facets.audit.entityTypes,
      ]) {
        expect(list).toHaveLength(FACET_LIMIT);
      }
      expect(facets.trunks.regions.at(-1)).toBe(`region${FACET_LIMIT - 1}`);
      // Providers, connection types and number types are short fixed lists: never cut.
      expect(facets.trunks.providers).toHaveLength(FACET_LIMIT + 1);
      expect(facets.numbers.numberTypes).toHaveLength(FACET_LIMIT + 1);
    });
  });

  describe('trunkImpact', () => {
    it('says what deleting a trunk takes with it, with ten sample numbers at most', async () => {
      const { service, asked } = console_();
      expect(await service.trunkImpact('trunk-1')).toStrictEqual({
        trunkId: 'trunk-1',
        trunkName: 'Chicago',
        assignments: { active: 3, inactive: 1 },
        sampleNumbers: ['+13125550100'],
        calls: { count: 17, kept: true },
        numbersKept: true,
      });
      expect(asked.impact).toEqual([['trunk-1', 10]]);
    });

    it('answers 404 for an unknown trunk', async () => {
      const { service, asked } = console_();
      const err = await failure(service.trunkImpact('nope'));
      expect(err.code).toBe(ErrorCode.NotFound);
      expect(err.message).toBe('Trunk was not found');
      expect(asked.impact).toEqual([]);
    });
  });

  describe('telnyxStatus', () => {
    const running = { id: 'r-3', status: 'running' } as const;
    const failed = { id: 'r-2', status: 'failed' } as const;
    const done = { id: 'r-1', status: 'succeeded' } as const;

    it('tells the run in progress from the last finished one, among the last ten', async () => {
      const { service, asked } = console_({ runs: [running, failed, done], apiKey: 'KEY' });
      expect(await service.telnyxStatus()).toStrictEqual({
        configured: true,
        syncIntervalMinutes: 15,
        running,
        lastRun: failed,
      });
      expect(asked.runs).toEqual([10]);
    });

    it('is not configured without an API key, and has no runs to show', async () => {
      const { service } = console_({ runs: [] });
      expect(await service.telnyxStatus()).toStrictEqual({
        configured: false,
        syncIntervalMinutes: 15,
        running: null,
        lastRun: null,
      });
      expect((await console_({ apiKey: '' }).service.telnyxStatus()).configured).toBe(false);
    });

    it('has no run in progress when every run has finished', async () => {
      const { service } = console_({ runs: [done, failed] });
      expect(await service.telnyxStatus()).toMatchObject({ running: null, lastRun: done });
    });
  });
});
