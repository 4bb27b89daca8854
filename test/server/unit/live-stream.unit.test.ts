/**
 * The live stream hub (GET /api/events): the preamble, the replay of what a reconnecting browser missed
 * (or a resync), each user seeing only their own connections (an admin everything), the heartbeat, and
 * dead clients dropped. The event bus is faked at its interface.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LiveEventBus, StampedEvent } from '../../../src/server/repositories/live-events.js';
import {
  formatEvent,
  HEARTBEAT_MS,
  LiveStreamHub,
  RETRY_MS,
  type StreamClient,
} from '../../../src/server/services/live-stream.js';

function stamped(id: string, ownerId: string): StampedEvent {
  return {
    id,
    event: {
      type: 'connection.health',
      connectionId: `trunk-of-${ownerId}`,
      ownerId,
      health: { status: 'up', checkedAt: '2026-12-02T06:00:00.000Z', latencyMs: 12, message: 'ok' },
    },
  };
}

class FakeBus implements LiveEventBus {
  listeners: ((e: StampedEvent) => void)[] = [];
  subscribes = 0;
  unsubscribes = 0;
  ring: StampedEvent[] | null = [];
  sinceAsked: string[] = [];
  publish(): Promise<void> {
    return Promise.resolve();
  }
  subscribe(listener: (e: StampedEvent) => void): Promise<() => void> {
    this.subscribes++;
    this.listeners.push(listener);
    return Promise.resolve(() => {
      this.unsubscribes++;
      this.listeners = this.listeners.filter((l) => l !== listener);
    });
  }
  since(id: string): StampedEvent[] | null {
    this.sinceAsked.push(id);
    return this.ring;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  emit(e: StampedEvent) {
    for (const l of this.listeners) l(e);
  }
}

interface Client extends StreamClient {
  out: string[];
  alive: boolean;
}

function client(id: string, role: 'admin' | 'agent' = 'agent'): Client {
  const c: Client = {
    user: { id, role },
    out: [],
    alive: true,
    write(chunk) {
      if (!c.alive) return false;
      c.out.push(chunk);
      return true;
    },
  };
  return c;
}

const PREAMBLE = `retry: ${RETRY_MS}\n: connected\n\n`;

describe('LiveStreamHub', () => {
  let bus: FakeBus;
  let hub: LiveStreamHub;

  beforeEach(() => {
    vi.useFakeTimers();
    bus = new FakeBus();
    hub = new LiveStreamHub(bus, 1000);
  });
  afterEach(() => {
    hub.close();
    vi.useRealTimers();
  });

  it('formats an event as id, event type and JSON data', () => {
    const e = stamped('17-abc-3', 'u1');
    expect(formatEvent(e)).toBe(
      `id: 17-abc-3\nevent: connection.health\ndata: ${JSON.stringify(e.event)}\n\n`,
    );
    expect(RETRY_MS).toBe(3000);
    expect(HEARTBEAT_MS).toBe(15_000);
  });

  it('opens with the preamble and, without a last event id, replays nothing', async () => {
    const c = client('u1');
    await hub.open(c, undefined);
    expect(c.out).toEqual([PREAMBLE]);
    expect(bus.sinceAsked).toEqual([]);
    expect(hub.size).toBe(1);
  });

  it('replays what a reconnecting user missed, only their own connections', async () => {
    bus.ring = [stamped('2', 'u1'), stamped('3', 'u2'), stamped('4', 'u1')];
    const c = client('u1');
    await hub.open(c, '1');
    expect(bus.sinceAsked).toEqual(['1']);
    expect(c.out).toEqual([PREAMBLE, formatEvent(bus.ring[0]!), formatEvent(bus.ring[2]!)]);
  });

  it('an admin gets everything replayed', async () => {
    bus.ring = [stamped('2', 'u1'), stamped('3', 'u2')];
    const c = client('boss', 'admin');
    await hub.open(c, '1');
    expect(c.out).toEqual([PREAMBLE, ...bus.ring.map(formatEvent)]);
  });

  it('sends a resync when the last event id is too old to replay', async () => {
    bus.ring = null;
    const c = client('u1');
    await hub.open(c, 'ancient');
    expect(c.out).toEqual([PREAMBLE, 'event: resync\ndata: {}\n\n']);
  });

  it('fans live events out to the users who may see them', async () => {
    const mine = client('u1');
    const theirs = client('u2');
    const admin = client('boss', 'admin');
    await Promise.all([hub.open(mine, undefined), hub.open(theirs, undefined), hub.open(admin, undefined)]);
    expect(bus.subscribes).toBe(1);
    const e = stamped('5', 'u1');
    bus.emit(e);
    expect(mine.out).toEqual([PREAMBLE, formatEvent(e)]);
    expect(theirs.out).toEqual([PREAMBLE]);
    expect(admin.out).toEqual([PREAMBLE, formatEvent(e)]);
  });

  it('drops a client whose socket is gone when an event reaches it, and only that one', async () => {
    const dead = client('u1');
    const other = client('u2');
    await hub.open(dead, undefined);
    await hub.open(other, undefined);
    dead.alive = false;
    bus.emit(stamped('6', 'u2'));
    expect(hub.size).toBe(2); // the event was not for the dead client: not written, not noticed
    bus.emit(stamped('7', 'u1'));
    expect(hub.size).toBe(1);
    dead.alive = true;
    bus.emit(stamped('8', 'u1'));
    expect(dead.out).toEqual([PREAMBLE]);
  });

  it('the function open returns removes the client', async () => {
    const c = client('u1');
    const off = await hub.open(c, undefined);
    off();
    expect(hub.size).toBe(0);
    bus.emit(stamped('9', 'u1'));
    expect(c.out).toEqual([PREAMBLE]);
  });

  it('pings every client each heartbeat, one timer for all of them', async () => {
    const a = client('u1');
    const b = client('u2');
    await hub.open(a, undefined);
    await hub.open(b, undefined);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(999);
    expect(a.out).toEqual([PREAMBLE]);
    vi.advanceTimersByTime(1);
    expect(a.out).toEqual([PREAMBLE, ': ping\n\n']);
    expect(b.out).toEqual([PREAMBLE, ': ping\n\n']);
  });

  it('drops a client whose socket is gone at a heartbeat and stops beating with no one left', async () => {
    const a = client('u1');
    const b = client('u2');
    await hub.open(a, undefined);
    const offB = await hub.open(b, undefined);
    a.alive = false;
    vi.advanceTimersByTime(1000);
    expect(hub.size).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
    offB();
    expect(vi.getTimerCount()).toBe(0);
    // a new client starts the heartbeat again
    const c = client('u3');
    await hub.open(c, undefined);
    vi.advanceTimersByTime(1000);
    expect(c.out).toEqual([PREAMBLE, ': ping\n\n']);
  });

  it('uses the default heartbeat when none is given', async () => {
    const h = new LiveStreamHub(bus);
    const c = client('u1');
    await h.open(c, undefined);
    vi.advanceTimersByTime(HEARTBEAT_MS - 1);
    expect(c.out).toEqual([PREAMBLE]);
    vi.advanceTimersByTime(1);
    expect(c.out).toEqual([PREAMBLE, ': ping\n\n']);
    h.close();
  });

  it('close ends every stream, stops the heartbeat and unsubscribes; a later open subscribes again', async () => {
    const c = client('u1');
    await hub.open(c, undefined);
    hub.close();
    expect(hub.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(bus.unsubscribes).toBe(1);
    bus.emit(stamped('10', 'u1'));
    expect(c.out).toEqual([PREAMBLE]);
    hub.close(); // twice is harmless
    expect(bus.unsubscribes).toBe(1);
    const d = client('u1');
    await hub.open(d, undefined);
    expect(bus.subscribes).toBe(2);
    bus.emit(stamped('11', 'u1'));
    expect(d.out).toEqual([PREAMBLE, formatEvent(stamped('11', 'u1'))]);
  });

  it('subscribes once for clients opened one after another', async () => {
    await hub.open(client('u1'), undefined);
    await hub.open(client('u2'), undefined);
    expect(bus.subscribes).toBe(1);
  });

  it('a failed subscription can be retried by the next open', async () => {
    const failing = new FakeBus();
    let fail = true;
    const subscribe = failing.subscribe.bind(failing);
    failing.subscribe = (l) => (fail ? Promise.reject(new Error('LISTEN failed')) : subscribe(l));
    const h = new LiveStreamHub(failing, 1000);
    await expect(h.open(client('u1'), undefined)).rejects.toThrow('LISTEN failed');
    expect(h.size).toBe(0);
    fail = false;
    const c = client('u1');
    await h.open(c, undefined);
    failing.emit(stamped('12', 'u1'));
    expect(c.out).toEqual([PREAMBLE, formatEvent(stamped('12', 'u1'))]);
    h.close();
  });
});
