/**
 * The `dialer` command as users run it: the compiled bin (bin/dialer.js -> dist/node, rebuilt when stale by
 * the server tier's global setup, test/support/build-node.ts) in a child process, with an environment
 * that holds only what a user's shell would pass plus the test database.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import type { TestDatabase } from './databases.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DIALER_BIN = path.join(ROOT, 'bin/dialer.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function databaseUrlOf(database: Pick<TestDatabase, 'config'>): string {
  const d = database.config.database;
  return d.kind === 'sqlite' ? `sqlite:${d.file}` : d.url;
}

/** DATA_DIR and DATABASE_URL of the test database, quiet logs, and `extra` on top. */
export function cliEnv(
  database: Pick<TestDatabase, 'config' | 'dataDir'>,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: database.dataDir,
    DATABASE_URL: databaseUrlOf(database),
    ...extra,
  };
}

/** Runs `dialer ...args` to the end; the exit code is 1 for a process killed by a signal. */
export function runDialer(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [DIALER_BIN, ...args],
      { cwd: ROOT, env, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Starts `dialer ...args` and returns at once (for tests that signal or kill it). */
export function spawnDialer(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [DIALER_BIN, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** A `dialer serve` child process: its URL, everything it printed, and ways to wait on it. */
export interface ServeProcess {
  child: ChildProcess;
  /** The dialer process (signal this one). */
  pid: number;
  url: string;
  /** stdout and stderr, line by line, in arrival order. */
  lines: string[];
  /** Log lines (JSON, as the server writes them when stdout is not a terminal). */
  logs(): { msg?: string; level?: number; [key: string]: unknown }[];
  waitForLine(match: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGKILL if it is still running (cleanup after a failed test). */
  kill(): Promise<void>;
}

/** util-linux `script` gives the child a pseudo-terminal; the shell prints its pid, then becomes `dialer`. */
function spawnOnTerminal(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
  const command = ['exec', process.execPath, DIALER_BIN, ...args].map(quote).join(' ');
  return spawn('script', ['-qefc', `echo "dialer-pid $$"; ${command}`, '/dev/null'], {
    cwd: ROOT,
    env: { ...env, SHELL: '/bin/sh' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Starts the compiled `dialer serve ...args` and resolves once it listens (PORT=0 unless `env` says).
 * `terminal`: run it on a pseudo-terminal, as a developer does (lines then lose their \r and colours here;
 * `pid` is the dialer's own, not the `script` wrapper's).
 */
export async function startServe(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: {
    terminal?: boolean;
    /** How long to wait for "listening" (default 30 s). */ startTimeoutMs?: number;
  } = {},
): Promise<ServeProcess> {
  const serveEnv = { PORT: '0', ...env };
  const child = options.terminal
    ? spawnOnTerminal(['serve', ...args], serveEnv)
    : spawnDialer(['serve', ...args], serveEnv);
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const collect = (stream: NodeJS.ReadableStream): void => {
    let rest = '';
    stream.on('data', (b: Buffer) => {
      // On a terminal: \r\n line ends and colour codes.
      const parts = (rest + stripVTControlCharacters(b.toString()).replace(/\r/g, '')).split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts);
      for (const w of waiters) w();
    });
  };
  collect(child.stdout!);
  collect(child.stderr!);
  const ended = exited(child);
  const waitForLine = (match: RegExp, timeoutMs = 30_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const line = lines.find((l) => match.test(l));
        if (line === undefined) return false;
        cleanup();
        resolve(line);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no line matching ${String(match)} within ${timeoutMs} ms:\n${lines.join('\n')}`));
      }, timeoutMs);
      const onEnd = (): void => {
        if (!check()) {
          cleanup();
          reject(new Error(`dialer serve ended before printing ${String(match)}:\n${lines.join('\n')}`));
        }
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(waiter);
      };
      const waiter = (): void => void check();
      if (check()) return;
      waiters.add(waiter);
      void ended.then(onEnd);
    });
  let url: string;
  let pid: number;
  try {
    const listening = await waitForLine(/^Dialer is listening on (\S+)/, options.startTimeoutMs);
    url = /^Dialer is listening on (\S+)/.exec(listening)![1]!;
    pid = options.terminal
      ? Number(/^dialer-pid (\d+)/.exec(await waitForLine(/^dialer-pid \d+/))![1])
      : child.pid!;
  } catch (err) {
    // A server that did not start in time must not outlive the test that gave up on it.
    child.kill('SIGKILL');
    await ended;
    throw err;
  }
  return {
    child,
    pid,
    url,
    lines,
    logs: () =>
      lines.flatMap((l) => {
        if (!l.startsWith('{')) return [];
        try {
          return [JSON.parse(l) as { msg?: string; level?: number }];
        } catch {
          return [];
        }
      }),
    waitForLine,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      child.kill('SIGKILL');
      await ended;
    },
  };
}
