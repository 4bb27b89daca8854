/**
 * The admin console's reads that are not one entity's list: the audit log page, the filter dropdowns'
 * values, what deleting a trunk takes with it, and whether Telnyx is configured and syncing.
 */
import type { Page } from '../../shared/api.js';
import type {
  AdminFacetsDto,
  AuditEntryDto,
  TelnyxStatusDto,
  TrunkImpactDto,
} from '../../shared/admin-api.js';
import { NotFoundError } from '../../shared/errors.js';
import type { ListAuditQuery } from '../../shared/schemas/admin.js';
import type { Config } from '../config.js';
import type { Repositories } from '../repositories/index.js';
import { pageRequest, toPage } from './admin-mappers.js';
import type { TelnyxSyncService } from './telnyx-sync-service.js';

/** At most this many values per dropdown (more are rare: the dropdown then says so). */
export const FACET_LIMIT = 500;

export class AdminConsoleService {
  constructor(
    private readonly repos: Pick<Repositories, 'audit' | 'trunks' | 'phoneNumbers'>,
    private readonly sync: Pick<TelnyxSyncService, 'listRuns'>,
    private readonly config: Pick<Config, 'telnyx'>,
  ) {}

  async audit(query: ListAuditQuery): Promise<Page<AuditEntryDto>> {
    const p = pageRequest({ page: query.page, pageSize: query.pageSize ?? query.limit });
    const result = await this.repos.audit.listPage(
      {
        actorId: query.actorId,
        entityType: query.entityType,
        entityId: query.entityId,
        action: query.action,
        fromIso: query.from,
        toExclusiveIso: query.to,
        direction: query.sort?.direction ?? 'desc',
      },
      p,
    );
    return toPage(result, p, (r) => r);
  }

  async facets(): Promise<AdminFacetsDto> {
    const [trunks, numbers, audit] = await Promise.all([
      this.repos.trunks.facets(FACET_LIMIT + 1),
      this.repos.phoneNumbers.facets(FACET_LIMIT + 1),
      this.repos.audit.facets(FACET_LIMIT + 1),
    ]);
    const truncated: string[] = [];
    const cut = <T>(name: string, values: T[]): T[] => {
      if (values.length <= FACET_LIMIT) return values;
      truncated.push(name);
      return values.slice(0, FACET_LIMIT);
    };
    return {
      trunks: {
        providers: trunks.providers,
        connectionTypes: trunks.connectionTypes,
        regions: cut('trunks.regions', trunks.regions),
        locations: cut('trunks.locations', trunks.locations),
        owners: cut('trunks.owners', trunks.owners),
        capacity: trunks.capacity,
      },
      numbers: {
        countries: cut('numbers.countries', numbers.countries),
        areaCodes: cut('numbers.areaCodes', numbers.areaCodes),
        numberTypes: numbers.numberTypes,
      },
      audit: {
        actions: cut('audit.actions', audit.actions),
        entityTypes: cut('audit.entityTypes', audit.entityTypes),
      },
      truncated,
    };
  }

  async trunkImpact(id: string): Promise<TrunkImpactDto> {
    const trunk = await this.repos.trunks.findById(id);
    if (!trunk) throw new NotFoundError('Trunk');
    const impact = await this.repos.trunks.impact(id, 10);
    return {
      trunkId: trunk.id,
      trunkName: trunk.name,
      assignments: { active: impact.active, inactive: impact.inactive },
      sampleNumbers: impact.sampleNumbers,
      calls: { count: impact.calls, kept: true },
      numbersKept: true,
    };
  }

  async telnyxStatus(): Promise<TelnyxStatusDto> {
    const runs = await this.sync.listRuns(10);
    return {
      configured: !!this.config.telnyx.apiKey,
      syncIntervalMinutes: this.config.telnyx.syncIntervalMinutes,
      running: runs.find((r) => r.status === 'running') ?? null,
      lastRun: runs.find((r) => r.status !== 'running') ?? null,
    };
  }
}
