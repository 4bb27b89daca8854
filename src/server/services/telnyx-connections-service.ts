/**
 * The fallback connection list, live from Telnyx (`source: 'telnyx'`), in the same shape as the
 * database list. An admin sees every credential connection of the account; an agent only those linked
 * to their own trunks (sip_trunks.telnyx_connection_id of trunks they own). Like the database list, only
 * active connections are listed. See telnyx-connection-mapper.ts for how fields and numbers map.
 */
import type { ConnectionDto, ConnectionListDto } from '../../shared/api.js';
import type { UserRole } from '../../shared/domain.js';
import type { TelnyxLinkRepository } from '../repositories/telnyx/telnyx-link-repository.js';
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

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export class TelnyxConnectionsService {
  constructor(
    private readonly telnyx: TelnyxRepository,
    private readonly links: TelnyxLinkRepository,
  ) {}

  async list(user: TelnyxListUser): Promise<ConnectionListDto> {
    if (!this.telnyx.configured) throw telnyxNotConfigured();
    const role = user.role ?? (await this.links.activeUserRole(user.id));
    const isAdmin = role === 'admin';
    const trunkIdByConnection = await this.links.trunksByConnection(isAdmin ? null : user.id);

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
      const found = await mapLimit(ids, CONCURRENCY, (id) => this.telnyx.getConnection(id));
      connections = found.filter((c): c is TelnyxConnection => c !== null);
      const lists = await mapLimit(connections, CONCURRENCY, (c) => this.telnyx.listAllNumbers(c.id));
      connections.forEach((c, i) => numbersByConnection.set(c.id, lists[i] ?? []));
    }

    const active = connections.filter((c) => c.active);
    const allNumberIds = active.flatMap((c) => (numbersByConnection.get(c.id) ?? []).map((n) => n.id));
    const numberIdByTelnyxId = await this.links.numberIdsByTelnyxId(allNumberIds);
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
