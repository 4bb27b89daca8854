/**
 * A TCP proxy a test controls, put between app instances and their PostgreSQL to play an outage
 * without touching the machine's shared server: `cut('refuse')` drops every connection and refuses new
 * ones (a database that is down or restarting), `cut('hang')` accepts connections and lets nothing
 * through (a network that went silent), `restore()` forwards again.
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Where clients connect: `postgres://…@127.0.0.1:<port>/db` for a database URL. */
  urlFor(target: string): string;
  cut(mode?: 'refuse' | 'hang'): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let mode: 'open' | 'refuse' | 'hang' = 'open';
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    if (mode === 'refuse') return void client.destroy();
    if (mode === 'hang') return; // held open, nothing answers
    const upstream = net.connect(targetPort, targetHost);
    track(upstream);
    client.pipe(upstream).pipe(client);
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    urlFor(target) {
      const url = new URL(target);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    cut(how = 'refuse') {
      mode = how;
      for (const s of sockets) s.destroy();
    },
    restore() {
      mode = 'open';
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
