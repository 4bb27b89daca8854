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
import { sql } from 'kysely';
import type { ConnectionDto, ConnectionListDto, ConnectionSource } from '../../shared/api.js';
import type { UserRole } from '../../shared/domain.js';
import { DomainError, ErrorCode, NotFoundError } from '../../shared/errors.js';
import type { Db } from '../db/database.js';
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

/**
 * A small LRU of each user's list JSON, with the revision it was built at. A Map keeps insertion order,
 * so re-inserting on a hit makes the first key the least recently used.
 */
export class ConnectionsJsonCache {
  private readonly entries = new Map<string, CachedList>();
  private chars = 0;

  constructor(private readonly limits: { maxEntries: number; maxChars: number } = CONNECTIONS_CACHE_LIMITS) {}

  get size(): number {
    return this.entries.size;
  }

  get totalChars(): number {
    return this.chars;
  }

  /** The user's cached JSON if it was built at exactly this revision. */
  get(userId: string, revision: number): string | undefined {
    const e = this.entries.get(userId);
    if (!e || e.revision !== revision) return undefined;
    this.entries.delete(userId);
    this.entries.set(userId, e);
    return e.json;
  }

  set(userId: string, revision: number, json: string): void {
    const old = this.entries.get(userId);
    // A slower request that read an older revision must not replace a newer answer.
    if (old && old.revision > revision) return;
    if (old) {
      this.entries.delete(userId);
      this.chars -= old.json.length;
    }
    if (json.length > this.limits.maxChars) return;
    this.entries.set(userId, { revision, json });
    this.chars += json.length;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.chars <= this.limits.maxChars) break;
      this.entries.delete(k);
      this.chars -= e.json.length;
    }
  }

  clear(): void {
    this.entries.clear();
    this.chars = 0;
  }
}

export interface ConnectionsCacheOptions {
  /** The database holding data_revisions; without it (or with enabled false) nothing is cached. */
  db?: Db;
  enabled?: boolean;
  limits?: { maxEntries: number; maxChars: number };
}

export class ConnectionsService {
  /** Undefined when the cache is off (CONNECTIONS_CACHE=off): every request reads the list. */
  readonly cache: ConnectionsJsonCache | undefined;
  private readonly db: Db | undefined;

  constructor(
    private readonly trunks: TrunkRepository,
    private readonly assignments: AssignmentRepository,
    /** Looked up per call so the Telnyx source can be wired after this service. */
    private readonly telnyxSource: () => TelnyxConnectionsSource | undefined = () => undefined,
    options: ConnectionsCacheOptions = {},
  ) {
    this.db = options.db;
    this.cache =
      options.db && options.enabled !== false ? new ConnectionsJsonCache(options.limits) : undefined;
  }

  /** The connections list's revision: bumped in the writing transaction by the triggers of migration 0004. */
  private async revision(db: Db): Promise<number | undefined> {
    const { rows } = await sql<{
      revision: number | string;
    }>`select revision from data_revisions where name = 'connections'`.execute(db);
    // bigint on PostgreSQL (a string from pg); a JS number is exact up to 2^53 bumps. No row (deleted by
    // hand): nothing can be validated, so nothing is cached.
    return rows[0] ? Number(rows[0].revision) : undefined;
  }

  /** The list from the chosen source: the database (default) or the live Telnyx API. */
  list(
    user: { id: string; role: UserRole },
    source: ConnectionSource = 'database',
  ): Promise<ConnectionListDto> {
    if (source === 'database') return this.listForUser(user);
    const telnyx = this.telnyxSource();
    if (!telnyx) {
      throw new DomainError(
        ErrorCode.TelnyxNotConfigured,
        'Telnyx API is not configured: set TELNYX_API_KEY',
      );
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
    if (!cache || !this.db) return this.buildListJson(user);
    const revision = await this.revision(this.db);
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
