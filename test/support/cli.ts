/**
 * The `dialer` command as users run it: the compiled bin (bin/dialer.js -> dist/node, rebuilt when stale by
 * the server tier's global setup, test/support/build-node.ts) in a child process, with an environment
 * that holds only what a user's shell would pass plus the test database.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
