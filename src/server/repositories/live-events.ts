/**
 * Live events between app instances: on PostgreSQL through LISTEN/NOTIFY (one dedicated pg client per
 * process listens; any process, the CLI included, publishes with pg_notify in the database), on SQLite
 * an in-process emitter (one process owns the file). Every process keeps the last events it saw in a
 * ring, so a browser that reconnects with Last-Event-ID gets what it missed from any instance.
 *
 * Ids are made by the publisher (time, process, sequence), unique across instances. Order across
 * instances is the order NOTIFY delivers them: PostgreSQL delivers notifications in commit order.
 */
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import { sql } from 'kysely';
import type { LiveEvent } from '../../shared/health.js';
import type { Db, DatabaseKind } from '../db/database.js';

export interface StampedEvent {
  id: string;
  event: LiveEvent;
}

export interface LiveEventBus {
  /** Sends events to every subscriber of every instance (this one included). */
  publish(events: LiveEvent[]): Promise<void>;
  /** Hears every event; starts listening on first use. Returns the unsubscribe function. */
  subscribe(listener: (e: StampedEvent) => void): Promise<() => void>;
  /** The events after `id`, or null when `id` is no longer (or never was) in the ring. */
  since(id: string): StampedEvent[] | null;
  /** Stops listening (the dedicated client is closed). */
  close(): Promise<void>;
}

export const LIVE_EVENTS_CHANNEL = 'dialer_live_events';
/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_PAYLOAD = 7000;
const RING_SIZE = 2000;

const PROCESS_TAG = crypto.randomBytes(3).toString('hex');
let sequence = 0;

function stamp(event: LiveEvent): StampedEvent {
  sequence = (sequence + 1) % 1_000_000;
  return { id: `${Date.now().toString(36)}-${PROCESS_TAG}-${sequence.toString(36)}`, event };
}

class Ring {
  private readonly items: StampedEvent[] = [];
  private readonly index = new Map<string, number>();
  private offset = 0;

  push(e: StampedEvent): void {
    this.items.push(e);
    this.index.set(e.id, this.offset + this.items.length - 1);
    if (this.items.length > RING_SIZE) {
      const dropped = this.items.shift()!;
      this.index.delete(dropped.id);
      this.offset++;
    }
  }

  since(id: string): StampedEvent[] | null {
    const at = this.index.get(id);
    if (at === undefined) return null;
    return this.items.slice(at - this.offset + 1);
  }
}

abstract class BaseBus implements LiveEventBus {
  protected readonly emitter = new EventEmitter();
  protected readonly ring = new Ring();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  protected deliver(events: StampedEvent[]): void {
    for (const e of events) {
      this.ring.push(e);
      this.emitter.emit('event', e);
    }
  }

  abstract publish(events: LiveEvent[]): Promise<void>;
  protected abstract listen(): Promise<void>;

  async subscribe(listener: (e: StampedEvent) => void): Promise<() => void> {
    await this.listen();
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  since(id: string): StampedEvent[] | null {
    return this.ring.since(id);
  }

  abstract close(): Promise<void>;
}

/** SQLite: one process owns the database, so an emitter is the whole bus. */
export class InProcessEventBus extends BaseBus {
  publish(events: LiveEvent[]): Promise<void> {
    this.deliver(events.map(stamp));
    return Promise.resolve();
  }
  protected listen(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.emitter.removeAllListeners();
    return Promise.resolve();
  }
}

/** PostgreSQL: publish with pg_notify through the pool, hear through one dedicated LISTEN client. */
export class PostgresEventBus extends BaseBus {
  private client: pg.Client | null = null;
  private listening: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly connectionString: string,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    super();
  }

  async publish(events: LiveEvent[]): Promise<void> {
    const chunks: string[] = [];
    let current: StampedEvent[] = [];
    let size = 2;
    for (const e of events.map(stamp)) {
      const length = Buffer.byteLength(JSON.stringify(e)) + 1;
      if (current.length > 0 && size + length > MAX_PAYLOAD) {
        chunks.push(JSON.stringify(current));
        current = [];
        size = 2;
      }
      current.push(e);
      size += length;
    }
    if (current.length) chunks.push(JSON.stringify(current));
    for (const payload of chunks) {
      await sql`select pg_notify(${LIVE_EVENTS_CHANNEL}, ${payload})`.execute(this.db);
    }
  }

  protected listen(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the event bus is closed'));
    this.listening ??= this.connect().catch((err: unknown) => {
      this.listening = null; // the next subscriber tries again
      throw err;
    });
    return this.listening;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('notification', (msg) => {
      if (msg.channel !== LIVE_EVENTS_CHANNEL || !msg.payload) return;
      try {
        this.deliver(JSON.parse(msg.payload) as StampedEvent[]);
      } catch (err) {
        this.onError(err);
      }
    });
    client.on('error', (err) => {
      // The connection is gone: forget it; the next subscriber (or the reconnect below) listens again.
      this.onError(err);
      if (this.client === client) {
        this.client = null;
        this.listening = null;
        if (!this.closed && this.emitter.listenerCount('event') > 0) {
          setTimeout(() => void this.listen().catch(this.onError), 1000).unref();
        }
      }
    });
    await client.connect();
    await client.query(`LISTEN ${LIVE_EVENTS_CHANNEL}`);
    this.client = client;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.emitter.removeAllListeners();
    const client = this.client;
    this.client = null;
    await this.listening?.catch(() => undefined);
    await (client ?? this.client)?.end().catch(() => undefined);
  }
}

export function createEventBus(
  db: Db,
  kind: DatabaseKind,
  connectionString: string | undefined,
  onError?: (err: unknown) => void,
): LiveEventBus {
  if (kind === 'postgres' && connectionString) return new PostgresEventBus(db, connectionString, onError);
  return new InProcessEventBus();
}
