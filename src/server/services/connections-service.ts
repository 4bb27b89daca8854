/**
 * The dialer's connections: a user's active trunks with their actively assigned numbers, read from the
 * app's own database. Two SQL statements however many trunks (trunks; assignments joined to numbers on
 * the owner), run concurrently.
 *
 * Visibility: a user sees only trunks they own, and only active ones. Another user's trunk, an unknown
 * id and an inactive/pending/failed trunk all read as 404 on `getForUser`, so ids cannot be probed; admins
 * see every trunk through the admin API instead.
 */
import type { ConnectionDto, ConnectionListDto, ConnectionSource } from '../../shared/api.js';
import type { UserRole } from '../../shared/domain.js';
import { DomainError, ErrorCode, NotFoundError } from '../../shared/errors.js';
import type { AssignmentRepository } from '../repositories/assignment-repository.js';
import type { TrunkRepository } from '../repositories/trunk-repository.js';
import { groupNumbersByTrunk, toConnectionDto, toConnectionJson } from './connection-mapper.js';

/** Who is asking: any object with the user's id (a UserDto, a session's user, the CLI's user row). */
export interface ConnectionsUser {
  id: string;
}

/** The live Telnyx source of connections (GET /api/connections?source=telnyx); admins see the account. */
export interface TelnyxConnectionsSource {
  list(user: { id: string; role: UserRole }): Promise<ConnectionListDto>;
}

export class ConnectionsService {
  constructor(
    private readonly trunks: TrunkRepository,
    private readonly assignments: AssignmentRepository,
    /** Looked up per call so the Telnyx source can be wired after this service. */
    private readonly telnyxSource: () => TelnyxConnectionsSource | undefined = () => undefined,
  ) {}

  /** The list from the chosen source: the database (default) or the live Telnyx API. */
  list(user: { id: string; role: UserRole }, source: ConnectionSource = 'database'): Promise<ConnectionListDto> {
    if (source === 'database') return this.listForUser(user);
    const telnyx = this.telnyxSource();
    if (!telnyx) {
      throw new DomainError(ErrorCode.TelnyxNotConfigured, 'Telnyx API is not configured: set TELNYX_API_KEY');
    }
    return telnyx.list(user);
  }

  async listForUser(user: ConnectionsUser): Promise<ConnectionListDto> {
    const [trunks, numbers] = await Promise.all([
      this.trunks.listActiveForOwner(user.id),
      this.assignments.listActiveForOwner(user.id),
    ]);
    const byTrunk = groupNumbersByTrunk(numbers);
    const connections = new Array<ConnectionDto>(trunks.length);
    for (let i = 0; i < trunks.length; i++) {
      const t = trunks[i]!;
      connections[i] = toConnectionDto(t, byTrunk.get(t.id) ?? []);
    }
    return { source: 'database', count: connections.length, fetchedAt: new Date().toISOString(), connections };
  }

  /**
   * `JSON.stringify(await listForUser(user))`, byte for byte, built for GET /api/connections (its
   * hottest route, 1,000 numbers ~ 350 KB for a large team). On SQLite the database builds each trunk's
   * numbers as JSON text and only the trunks are mapped here; on PostgreSQL building the JSON in the
   * database cost more server time than it saved here (measured), so the rows are mapped as usual. The
   * same two statements either way.
   */
  async listForUserJson(user: ConnectionsUser): Promise<string> {
    if (!this.assignments.buildsConnectionJson) return JSON.stringify(await this.listForUser(user));
    const [trunks, numbers] = await Promise.all([
      this.trunks.listActiveForOwner(user.id),
      this.assignments.listActiveJsonForOwner(user.id),
    ]);
    const byTrunk = new Map<string, string>();
    for (const r of numbers) byTrunk.set(r.trunk_id, r.numbers);
    const connections = new Array<string>(trunks.length);
    for (let i = 0; i < trunks.length; i++) {
      const t = trunks[i]!;
      connections[i] = toConnectionJson(t, byTrunk.get(t.id) ?? '[]');
    }
    const head = `{"source":"database","count":${trunks.length},"fetchedAt":${JSON.stringify(new Date().toISOString())}`;
    return `${head},"connections":[${connections.join(',')}]}`;
  }

  /** One of the user's active connections; 404 for anyone else's, unknown or inactive ids. */
  async getForUser(user: ConnectionsUser, id: string): Promise<ConnectionDto> {
    const [trunk, numbers] = await Promise.all([
      this.trunks.findForOwner(user.id, id, 'active'),
      this.assignments.listActiveForTrunk(id),
    ]);
    if (!trunk) throw new NotFoundError('Connection');
    return toConnectionDto(trunk, groupNumbersByTrunk(numbers).get(id) ?? []);
  }
}
