/**
 * The fallback connection list, live from Telnyx (`source: 'telnyx'`), in the same shape as the
 * database list. An admin sees every credential connection of the account; an agent only those linked
 * to their own trunks (sip_trunks.telnyx_connection_id of trunks they own). Like the database list, only
 * active connections are listed. See telnyx-connection-mapper.ts for how fields and numbers map.
 */
import pMap from 'p-map';
import type { ConnectionDto, ConnectionListDto } from '../../shared/api.js';
import type { UserRole } from '../../shared/domain.js';
import type { Repositories } from '../repositories/index.js';
import type {
  TelnyxConnection,
  TelnyxPhoneNumber,
  TelnyxRepository,
} from '../repositories/telnyx/telnyx-repository.js';
import { telnyxNotConfigured } from '../repositories/telnyx/telnyx-repository.js';
import { toTelnyxConnectionDto } from './telnyx-connection-mapper.js';

/** Who is asking. Without `role` (callers that only carry the id) the role is read from the database. */
export interface TelnyxListUser {
  id: string;
  role?: UserRole;
}

/** Requests in flight at once for one agent's list: quick, yet far from Telnyx's rate limits. */
const CONCURRENCY = 6;

export class TelnyxConnectionsService {
  constructor(
    private readonly repos: Pick<Repositories, 'users' | 'telnyxLinks'>,
    private readonly telnyx: TelnyxRepository,
  ) {}

  async list(user: TelnyxListUser): Promise<ConnectionListDto> {
    if (!this.telnyx.configured) throw telnyxNotConfigured();
    const role = user.role ?? (await this.repos.users.activeRole(user.id));
    const isAdmin = role === 'admin';
    const trunkIdByConnection = await this.repos.telnyxLinks.trunksByConnection(isAdmin ? null : user.id);

    let connections: TelnyxConnection[];
    const numbersByConnection = new Map<string, TelnyxPhoneNumber[]>();
    if (isAdmin) {
      // The whole account: one paged scan of each list, grouped here.
      const [all, numbers] = await Promise.all([
        this.telnyx.listAllConnections(),
        this.telnyx.listAllNumbers(),
      ]);
      connections = all;
      for (const n of numbers) {
        if (!n.connectionId) continue;
        const list = numbersByConnection.get(n.connectionId) ?? [];
        list.push(n);
        numbersByConnection.set(n.connectionId, list);
      }
    } else {
      // Only the agent's linked connections: fetch each, and its numbers by filter, concurrently.
      const ids = [...trunkIdByConnection.keys()];
      const found = await pMap(ids, (id) => this.telnyx.getConnection(id), { concurrency: CONCURRENCY });
      connections = found.filter((c): c is TelnyxConnection => c !== null);
      const lists = await pMap(connections, (c) => this.telnyx.listAllNumbers(c.id), {
        concurrency: CONCURRENCY,
      });
      connections.forEach((c, i) => numbersByConnection.set(c.id, lists[i] ?? []));
    }

    const active = connections.filter((c) => c.active);
    const allNumberIds = active.flatMap((c) => (numbersByConnection.get(c.id) ?? []).map((n) => n.id));
    const numberIdByTelnyxId = await this.repos.telnyxLinks.numberIdsByTelnyxId(allNumberIds);
    const dtos: ConnectionDto[] = active
      .map((c) =>
        toTelnyxConnectionDto(c, numbersByConnection.get(c.id) ?? [], {
          trunkIdByConnection,
          numberIdByTelnyxId,
        }),
      )
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    return { source: 'telnyx', count: dtos.length, fetchedAt: new Date().toISOString(), connections: dtos };
  }
}
