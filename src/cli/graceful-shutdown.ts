/**
 * What `dialer serve` does on SIGTERM (orchestrators, systemd, `docker stop`) and SIGINT (Ctrl-C):
 * RunningServer.close() stops job runs, stops accepting connections, lets requests in flight finish, then
 * closes the database. Requests still running after SHUTDOWN_GRACE_SECONDS have their connections closed.
 * A second signal exits at once. The process then ends by itself, which proves nothing was left open; if
 * something still holds it after a few seconds, that is logged as a bug and the process exits 1.
 * Start-up work that writes to the database (the demo seed of `serve --seed-demo`) is held: a signal
 * during it waits for it to finish before the database closes (Ctrl-C in the first seconds of
 * `npm start` used to end in "driver has already been destroyed" and exit code 1).
 */
import type { RunningServer } from '../server/main.js';

/** How long a cleanly closed server may take to end by itself before we call it a leak. */
const EXIT_WATCHDOG_MS = 5_000;

export interface ShutdownHandle {
  /** Database work the shutdown must wait for (it closes the database after it); resolves as `work`. */
  hold<T>(work: Promise<T>): Promise<T>;
  /** A signal has arrived: start-up should not begin more work or print what comes next. */
  readonly closing: boolean;
}

export function installGracefulShutdown(server: RunningServer, graceMs: number): ShutdownHandle {
  const log = server.app.log;
  let closing = false;
  const held = new Set<Promise<unknown>>();
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) {
      log.warn({ signal }, 'second signal while shutting down: exiting now');
      process.exit(1);
    }
    closing = true;
    log.info(
      { signal, graceSeconds: graceMs / 1000 },
      'shutting down: no new connections, finishing requests in flight',
    );
    const force = setTimeout(() => {
      log.warn(
        { graceSeconds: graceMs / 1000 },
        'requests still running after the grace period: closing their connections',
      );
      server.app.server.closeAllConnections();
    }, graceMs).unref();
    if (held.size > 0)
      log.info('finishing the start-up work in progress (demo data) before closing the database');
    Promise.allSettled([...held])
      .then(() => server.close())
      .then(
        () => {
          clearTimeout(force);
          log.info('shut down cleanly');
          setTimeout(() => {
            log.error('the server is closed but something still keeps the process alive: exiting');
            process.exit(1);
          }, EXIT_WATCHDOG_MS).unref();
        },
        (err: unknown) => {
          log.error({ err }, 'error while shutting down');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  return {
    hold<T>(work: Promise<T>): Promise<T> {
      held.add(work);
      const done = (): void => void held.delete(work);
      work.then(done, done);
      return work;
    },
    get closing() {
      return closing;
    },
  };
}
