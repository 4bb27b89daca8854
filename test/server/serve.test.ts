/**
 * `dialer serve` as `npm start` and an operator run it: the compiled bin in a child process on SQLite.
 * It serves the web app and the API; on SIGTERM it stops accepting connections, finishes the request in
 * flight, closes the database and ends by itself with exit code 0; a request that never finishes does
 * not hold it past SHUTDOWN_GRACE_SECONDS; on a terminal its logs are readable lines, elsewhere JSON.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../src/server/seed/demo-seed.js';
import { exited, runDialer, startServe, type ServeProcess } from '../support/cli.js';

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-serve-'));
  tempDirs.push(dir);
  return dir;
}

/** A built web app of one page, so these tests do not depend on `vite build`. */
function webDist(): string {
  const dir = tempDir();
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><title>Dialer</title><p>compiled-serve-test</p>',
  );
  return dir;
}

function serveEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dataDir,
    WEB_DIST_DIR: webDist(),
    LOG_LEVEL: 'info',
    ...extra,
  };
}

const loginBody = JSON.stringify({ email: DEMO_USERS.admin.email, password: DEMO_USERS.admin.password });

/**
 * A login request whose body is only half sent: it is in flight (the server has its headers and waits
 * for the rest) until `finish()` sends the rest and reads the whole response.
 */
async function startHalfSentLogin(url: string): Promise<{
  localPort: number;
  closed: Promise<void>;
  finish(): Promise<string>;
}> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let response = '';
  socket.on('data', (b: Buffer) => (response += b.toString()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const half = Math.floor(loginBody.length / 2);
  socket.write(
    `POST /api/auth/login HTTP/1.1\r\nHost: ${url.slice('http://'.length)}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(loginBody)}\r\n\r\n` +
      loginBody.slice(0, half),
  );
  return {
    localPort: socket.localPort!,
    closed,
    async finish() {
      socket.write(loginBody.slice(half));
      await closed; // the server answers with Connection: close while it shuts down
      return response;
    },
  };
}

/** Resolves once a new TCP connection to `url` is refused (polls; the listener closes asynchronously). */
async function refusedSoon(url: string, timeoutMs = 5_000): Promise<string> {
  const { hostname, port } = new URL(url);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await new Promise<string>((resolve) => {
      const s = net.connect(Number(port), hostname);
      s.once('connect', () => {
        s.destroy();
        resolve('connected');
      });
      s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    if (outcome !== 'connected' || Date.now() > until) return outcome;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const waitForRequestLog = (serve: ServeProcess, localPort: number): Promise<string> =>
  serve.waitForLine(new RegExp(`"remotePort":${localPort}\\}.*"incoming request"`));

afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('dialer serve --seed-demo, compiled (the npm start path)', () => {
  let dataDir: string;
  let serve: ServeProcess;

  beforeAll(async () => {
    dataDir = tempDir();
    serve = await startServe(['--seed-demo'], serveEnv(dataDir));
    await serve.waitForLine(/log in with one of the demo accounts/);
  });
  afterAll(async () => {
    await serve?.kill();
  });

  it('serves the web app and the API, and prints the demo logins', async () => {
    expect(serve.lines.join('\n')).toContain(
      `${DEMO_USERS.admin.email}      password: ${DEMO_USERS.admin.password}`,
    );
    const page = await fetch(serve.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('compiled-serve-test');
    const health = await fetch(`${serve.url}/api/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', database: 'sqlite' });
    // Logs go out as JSON when stdout is not a terminal.
    expect(serve.logs().some((l) => l.msg === 'request completed')).toBe(true);
    // The logins are the CLI's own lines for the terminal, never in the server's log.
    const logText = JSON.stringify(serve.logs());
    for (const demo of Object.values(DEMO_USERS)) expect(logText).not.toContain(demo.password);
  });

  it('on SIGTERM stops accepting, finishes the request in flight, closes the database and exits 0', async () => {
    const inFlight = await startHalfSentLogin(serve.url);
    await waitForRequestLog(serve, inFlight.localPort);

    process.kill(serve.pid, 'SIGTERM');
    await serve.waitForLine(/"msg":"shutting down/);
    expect(await refusedSoon(serve.url)).toBe('ECONNREFUSED');

    const response = await inFlight.finish();
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(response.toLowerCase()).toContain('\r\nconnection: close\r\n');
    expect(response).toContain(`"email":"${DEMO_USERS.admin.email}"`);

    expect(await exited(serve.child)).toEqual({ code: 0, signal: null });
    const steps = serve
      .logs()
      .map((l) => l.msg)
      .filter((m) => m && /shutting down|clos|shut down|keeps the process alive|still/.test(m));
    expect(steps).toEqual([
      'shutting down: no new connections, finishing requests in flight',
      'HTTP server closed: no new connections, requests in flight finished',
      'background jobs stopped, database closed',
      'shut down cleanly',
    ]);
    // Closed cleanly: SQLite folded its write-ahead log back into the file (a killed process leaves it).
    expect(fs.readdirSync(dataDir).sort()).toEqual(['dialer.sqlite', 'secret.key']);
    const db = new SQLite(path.join(dataDir, 'dialer.sqlite'), { readonly: true });
    const admin = db
      .prepare('SELECT last_login_at FROM users WHERE email = ?')
      .get(DEMO_USERS.admin.email) as {
      last_login_at: string | null;
    };
    db.close();
    const loggedIn = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as {
      user: { lastLoginAt: string };
    };
    expect(admin.last_login_at).toBe(loggedIn.user.lastLoginAt);
  });
});

describe('dialer serve shutdown with a request that never finishes', () => {
  it('closes that connection after SHUTDOWN_GRACE_SECONDS and still exits 0', async () => {
    const serve = await startServe([], serveEnv(tempDir(), { SHUTDOWN_GRACE_SECONDS: '0.5' }));
    try {
      const stuck = await startHalfSentLogin(serve.url);
      await waitForRequestLog(serve, stuck.localPort);
      const signalled = Date.now();
      process.kill(serve.pid, 'SIGTERM');
      await stuck.closed;
      expect(Date.now() - signalled).toBeGreaterThanOrEqual(450);
      expect(await exited(serve.child)).toEqual({ code: 0, signal: null });
      const messages = serve.logs().map((l) => l.msg);
      expect(messages).toContain('requests still running after the grace period: closing their connections');
      expect(messages).toContain('shut down cleanly');
    } finally {
      await serve.kill();
    }
  });
});

describe('dialer serve logs on a terminal', () => {
  it('prints readable lines, not JSON, in development', async () => {
    const serve = await startServe([], serveEnv(tempDir()), { terminal: true });
    try {
      const listening = await serve.waitForLine(/Server listening at/);
      expect(listening).toMatch(
        /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Server listening at http:\/\/127\.0\.0\.1:\d+$/,
      );
      process.kill(serve.pid, 'SIGTERM');
      await serve.waitForLine(/INFO: shut down cleanly$/);
      expect((await exited(serve.child)).code).toBe(0);
      expect(serve.lines.some((l) => l.startsWith('{'))).toBe(false);
    } finally {
      await serve.kill();
    }
  });
});

describe('dialer serve --seed-demo stopped while it writes the demo data', () => {
  it('finishes writing, closes the database and exits 0; the next start finds the data in place', async () => {
    const dataDir = tempDir();
    const first = await startServe(['--seed-demo'], serveEnv(dataDir));
    try {
      await first.waitForLine(/Dialer is listening on/);
      process.kill(first.pid, 'SIGTERM'); // Ctrl-C in the first second of `npm start`
      expect(await exited(first.child)).toEqual({ code: 0, signal: null });
      const said = first.lines.join('\n');
      expect(said).toContain('finishing the start-up work in progress (demo data)');
      expect(said).toContain('shut down cleanly');
      expect(said).not.toMatch(/destroyed|Error/);
      expect(said).not.toContain('log in with one of the demo accounts');
    } finally {
      await first.kill();
    }
    const again = await startServe(['--seed-demo'], serveEnv(dataDir));
    try {
      await again.waitForLine(/log in with one of the demo accounts/);
      const login = await fetch(`${again.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: DEMO_USERS.agent1.email, password: DEMO_USERS.agent1.password }),
      });
      expect(login.status).toBe(200);
    } finally {
      await again.kill();
    }
  });
});

describe('dialer serve on a port that is taken', () => {
  it('says so in one line with what to do, exit code 1, no stack trace', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const r = await runDialer(['serve'], serveEnv(tempDir(), { PORT: String(port), HOST: '127.0.0.1' }));
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^The port is already in use \(.*:\d+\)\. Set PORT to a free port\.$/),
      ]);
      expect(r.stderr + r.stdout).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
