/**
 * The server-sent events of GET /api/events: one hub per process fans the live event bus out to the
 * connected browsers, each seeing only what its user may (their own connections; an admin everything),
 * with a comment heartbeat so proxies keep the stream open and a dead client is noticed.
 */
import type { UserDto } from '../../shared/api.js';
import type { LiveEventBus, StampedEvent } from '../repositories/live-events.js';

export interface StreamClient {
  user: Pick<UserDto, 'id' | 'role'>;
  /** Writes one chunk; false when the socket is gone. */
  write(chunk: string): boolean;
}

export const HEARTBEAT_MS = 15_000;
/** The browser's EventSource waits this long before reconnecting. */
export const RETRY_MS = 3_000;

export function formatEvent(e: StampedEvent): string {
  return `id: ${e.id}\nevent: ${e.event.type}\ndata: ${JSON.stringify(e.event)}\n\n`;
}

/** Only what the user may see: their own connections; an admin everything. */
function visibleTo(client: StreamClient, e: StampedEvent): boolean {
  return client.user.role === 'admin' || e.event.ownerId === client.user.id;
}

export class LiveStreamHub {
  private readonly clients = new Set<StreamClient>();
  private unsubscribe: (() => void) | null = null;
  private subscribing: Promise<void> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly bus: LiveEventBus,
    private readonly heartbeatMs = HEARTBEAT_MS,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  /**
   * Adds a client: the stream's preamble, then what it missed since `lastEventId` (or a `resync`
   * event when that is too old to replay: the page reloads its state), then live events.
   */
  async open(client: StreamClient, lastEventId: string | undefined): Promise<() => void> {
    await this.ensureSubscribed();
    client.write(`retry: ${RETRY_MS}\n: connected\n\n`);
    if (lastEventId) {
      const missed = this.bus.since(lastEventId);
      if (missed === null) client.write(`event: resync\ndata: {}\n\n`);
      else for (const e of missed) if (visibleTo(client, e)) client.write(formatEvent(e));
    }
    this.clients.add(client);
    this.heartbeat ??= setInterval(() => this.beat(), this.heartbeatMs).unref();
    return () => this.remove(client);
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    this.clients.clear();
    this.stopBeating();
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private remove(client: StreamClient): void {
    this.clients.delete(client);
    if (this.clients.size === 0) this.stopBeating();
  }

  private stopBeating(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private beat(): void {
    for (const c of this.clients) if (!c.write(': ping\n\n')) this.remove(c);
  }

  private ensureSubscribed(): Promise<void> {
    if (this.unsubscribe) return Promise.resolve();
    this.subscribing ??= this.bus
      .subscribe((e) => {
        const text = formatEvent(e);
        for (const c of this.clients) if (visibleTo(c, e) && !c.write(text)) this.remove(c);
      })
      .then((off) => {
        this.unsubscribe = off;
      })
      .finally(() => {
        this.subscribing = null;
      });
    return this.subscribing;
  }
}
