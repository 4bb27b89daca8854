/**
 * GET /api/events: server-sent events for the signed-in user (their connections' health; an admin's
 * everything). The browser's EventSource reconnects by itself and sends Last-Event-ID; the hub replays
 * what it missed or asks it to reload (`resync`).
 */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../container.js';
import { requireAuth } from '../plugins/session-guard.js';

export function eventRoutes(app: FastifyInstance, services: Services): void {
  const hub = services.liveStream;
  // Open streams never finish by themselves: end them before the server waits for requests in flight.
  app.addHook('preClose', (done) => {
    hub.close();
    for (const end of open) end();
    done();
  });
  const open = new Set<() => void>();
  app.addHook('onClose', async () => services.events.close());

  app.get('/events', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { user } = requireAuth(request);
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    raw.socket?.setNoDelay(true);
    const lastEventId = request.headers['last-event-id'];
    const remove = await hub.open(
      { user, write: (chunk) => !raw.destroyed && (raw.write(chunk), true) },
      typeof lastEventId === 'string' && lastEventId.length <= 100 ? lastEventId : undefined,
    );
    const end = (): void => {
      remove();
      open.delete(end);
      if (!raw.writableEnded) raw.end();
    };
    open.add(end);
    request.raw.on('close', end);
  });
}
