/**
 * The dialer's connections: a user's active trunks with their actively assigned numbers, read from the
 * app's own database. Two SQL statements however many trunks (trunks; assignments joined to numbers on
 * the owner), run concurrently.
 *
 * The JSON list (GET /api/connections) is cached per user in this process, validated against the
 * database on every request: the list's revision (data_revisions 'connections', bumped by triggers on
 * every write to sip_trunks, phone_numbers and trunk_phone_numbers by any writer, migration 0004) is read
 * first, by primary key, and a cached answer is served only when it was built at that same revision.
 * So a hit is one tiny query instead of two large ones plus the JSON building, a write anywhere (this
 * instance, another instance, the Telnyx sync, psql) is seen by the very next request, and nothing in the
 * app has to remember to invalidate. `fetchedAt` of a cached answer is the time its data was read from
 * the database (unchanged since: the revision proves it). CONNECTIONS_CACHE=off turns the cache off.
 *
 * Visibility: a user sees only trunks they own, and only active ones. Another user's trunk, an unknown
 * id and an inactive/pending/failed trunk all read as 404 on `getForUser`, so ids cannot be probed; admins
 * see every trunk through the admin API instead.
 */
import { LRUCache } from 'lru-cache';
import type { ConnectionDto, ConnectionListDto, ConnectionSource } from '../../shared/api.js';
import type { UserRole } from '../../shared/domain.js';
import { NotFoundError } from '../../shared/errors.js';
import type { Repositories } from '../repositories/index.js';
import { telnyxNotConfigured } from '../repositories/telnyx/telnyx-repository.js';
import { groupNumbersByTrunk, toConnectionDto, toConnectionJson } from './connection-mapper.js';

/** Who is asking: any object with the user's id (a UserDto, a session's user, the CLI's user row). */
export interface ConnectionsUser {
  id: string;
}

/** The live Telnyx source of connections (GET /api/connections?source=telnyx); admins see the account. */
export interface TelnyxConnectionsSource {
  list(user: { id: string; role: UserRole }): Promise<ConnectionListDto>;
}

/** Bounds of the per-user JSON cache: whichever is reached first evicts the least recently used. */
export const CONNECTIONS_CACHE_LIMITS = {
  /** Users kept (one entry each: the answer at the latest revision seen). */
  maxEntries: 500,
  /** Total length of the cached JSON strings, in characters (~bytes: the JSON is mostly ASCII). 350 KB a large team. */
  maxChars: 64 * 1024 * 1024,
} as const;

interface CachedList {
  revision: number;
  json: string;
}

/** Each user's list JSON with the revision it was built at, in an LRU bounded by entries and characters. */
export class ConnectionsJsonCache {
  private readonly entries: LRUCache<string, CachedList>;

  constructor(limits: { maxEntries: number; maxChars: number } = CONNECTIONS_CACHE_LIMITS) {
    this.entries = new LRUCache<string, CachedList>({
      max: limits.maxEntries,
      maxSize: limits.maxChars,
      sizeCalculation: (e) => Math.max(1, e.json.length),
    });
  }

  get size(): number {
    return this.entries.size;
  }

  get totalChars(): number {
    return this.entries.calculatedSize;
  }

  /** The user's cached JSON if it was built at exactly this revision. */
  get(userId: string, revision: number): string | undefined {
    if (this.entries.peek(userId)?.revision !== revision) return undefined;
    return this.entries.get(userId)?.json;
  }

  set(userId: string, revision: number, json: string): void {
    const old = this.entries.peek(userId);
    // A slower request that read an older revision must not replace a newer answer.
    if (old && old.revision > revision) return;
    // An entry larger than the whole cache is not kept (and the user's older answer is stale anyway).
    this.entries.delete(userId);
    this.entries.set(userId, { revision, json });
  }

  clear(): void {
    this.entries.clear();
  }
}

export interface ConnectionsCacheOptions {
  /** false (CONNECTIONS_CACHE=off): every request reads the list. */
  enabled?: boolean;
  limits?: { maxEntries: number; maxChars: number };
}

export class ConnectionsService {
  /** Undefined when the cache is off (CONNECTIONS_CACHE=off): every request reads the list. */
  readonly cache: ConnectionsJsonCache | undefined;
  private readonly trunks: Repositories['trunks'];
  private readonly assignments: Repositories['assignments'];
  private readonly revisions: Repositories['revisions'];

  constructor(
    repos: Pick<Repositories, 'trunks' | 'assignments' | 'revisions'>,
    /** The live Telnyx list; undefined = not wired (source=telnyx answers TELNYX_NOT_CONFIGURED). */
    private readonly telnyxSource: TelnyxConnectionsSource | undefined,
    options: ConnectionsCacheOptions = {},
  ) {
    this.trunks = repos.trunks;
    this.assignments = repos.assignments;
    this.revisions = repos.revisions;
    this.cache = options.enabled !== false ? new ConnectionsJsonCache(options.limits) : undefined;
  }

  /** The list from the chosen source: the database (default) or the live Telnyx API. */
  list(
    user: { id: string; role: UserRole },
    source: ConnectionSource = 'database',
  ): Promise<ConnectionListDto> {
    if (source === 'database') return this.listForUser(user);
    const telnyx = this.telnyxSource;
    if (!telnyx) {
      throw telnyxNotConfigured();
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
    return {
      source: 'database',
      count: connections.length,
      fetchedAt: new Date().toISOString(),
      connections,
    };
  }

  /**
   * `JSON.stringify(await listForUser(user))`, byte for byte, built for GET /api/connections (its
   * hottest route, 1,000 numbers ~ 350 KB for a large team). On SQLite the database builds each trunk's
   * numbers as JSON text and only the trunks are mapped here; on PostgreSQL building the JSON in the
   * database cost more server time than it saved here (measured), so the rows are mapped as usual. The
   * same two statements either way.
   *
   * Cached per user (see the top of this file): one query (the revision) on a hit, three on a miss.
   * The revision is read before the list, never beside it: the list's statements then see that
   * revision's data or newer, so an answer is never filed under a revision newer than its data.
   */
  async listForUserJson(user: ConnectionsUser): Promise<string> {
    const cache = this.cache;
    if (!cache) return this.buildListJson(user);
    // The connections list's revision: bumped in the writing transaction by the triggers of migration 0004.
    const revision = await this.revisions.connections();
    if (revision === undefined) return this.buildListJson(user);
    const hit = cache.get(user.id, revision);
    if (hit !== undefined) return hit;
    const json = await this.buildListJson(user);
    cache.set(user.id, revision, json);
    return json;
  }

  private async buildListJson(user: ConnectionsUser): Promise<string> {
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
