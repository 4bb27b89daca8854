/**
 * Child processes of the demo phone system and of the test SIP lab: each runs in the foreground in its own
 * process group, so it and everything it forks stop together; every group still alive is SIGKILLed when
 * Node exits. Also: free ports on 127.0.0.1, and finding a program on PATH.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** All process groups started in this Node process; killed on exit. */
const liveGroups = new Set<number>();
/** Temp dirs to remove on exit if their owner did not (see registerTempDir). */
const tempDirs = new Set<string>();
let exitHookInstalled = false;

/** Remove `dir` when the Node process exits (unless unregistered before). Returns an unregister function. */
export function registerTempDir(dir: string): () => void {
  installExitHook();
  tempDirs.add(dir);
  return () => tempDirs.delete(dir);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = (): void => {
    for (const pgid of liveGroups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    liveGroups.clear();
    for (const d of tempDirs) {
      try {
        rmSync(d, { recursive: true, force: true });
      } catch {
        /* best effort */
      }
    }
    tempDirs.clear();
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      // A command that handles the signal itself (`dialer demo-phone` stops its parts in order) is in
      // charge; the exit hook above still kills whatever it leaves behind.
      if (process.listenerCount(sig) > 0) return;
      killAll();
      process.kill(process.pid, sig);
    });
  }
}

export interface Managed {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM the whole process group, SIGKILL after graceMs. Resolves when the leader exited. */
  stop(graceMs?: number): Promise<void>;
  isRunning(): boolean;
}

/**
 * Spawn a child in its own process group (detached) so that it and everything it forks can be killed
 * together; registered for SIGKILL on process exit.
 */
export function spawnManaged(
  cmd: string,
  args: string[],
  onOutput: (chunk: string) => void,
  opts: SpawnOptions = {},
): Managed {
  installExitHook();
  const child = spawn(cmd, args, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid;
  if (pgid !== undefined) liveGroups.add(pgid);
  let running = pgid !== undefined;
  child.stdout?.setEncoding('utf8').on('data', onOutput);
  child.stderr?.setEncoding('utf8').on('data', onOutput);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (err) => {
      onOutput(`[spawn error] ${cmd}: ${err.message}\n`);
      running = false;
      if (pgid !== undefined) liveGroups.delete(pgid);
      resolve({ code: -1, signal: null });
    });
    child.once('exit', (code, signal) => {
      running = false;
      // the leader is gone; kill stragglers of the group (e.g. kamailio children) too
      if (pgid !== undefined) {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          /* none left */
        }
        liveGroups.delete(pgid);
      }
      resolve({ code, signal });
    });
  });
  const stop = async (graceMs = 2000): Promise<void> => {
    if (!running || pgid === undefined) {
      await exited;
      return;
    }
    try {
      process.kill(-pgid, 'SIGTERM');
    } catch {
      /* gone */
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { child, exited, stop, isRunning: () => running };
}

async function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const handedOut = new Set<number>();

/** A port on 127.0.0.1 free for both TCP and UDP right now (and not handed out before by this process). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const a = s.address();
        const p = typeof a === 'object' && a ? a.port : 0;
        s.close(() => resolve(p));
      });
    });
    if (handedOut.has(port)) continue;
    if (await udpFree(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('could not find a free port');
}

/** Two consecutive free ports (p, p+1) plus p+2/p+3 — for RTP/RTCP. */
export async function freePortBlock(size: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const base = 20000 + 2 * Math.floor(Math.random() * 15000);
    let ok = true;
    for (let p = base; p < base + size && ok; p++) {
      if (handedOut.has(p) || !(await udpFree(p)) || !(await tcpFree(p))) ok = false;
    }
    if (ok) {
      for (let p = base; p < base + size; p++) handedOut.add(p);
      return base;
    }
  }
  throw new Error(`could not find ${size} free consecutive ports`);
}

/** True when some UDP socket is bound to 127.0.0.1:port or 0.0.0.0:port (Linux /proc/net/udp). */
export function udpPortBound(port: number): boolean {
  try {
    const hex = port.toString(16).toUpperCase().padStart(4, '0');
    const text = readFileSync('/proc/net/udp', 'utf8');
    return text.split('\n').some((l) => {
      const local = l.trim().split(/\s+/)[1];
      return local === `0100007F:${hex}` || local === `00000000:${hex}`;
    });
  } catch {
    return false;
  }
}

export function which(bin: string): string | null {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin']);
  for (const d of dirs) {
    if (!d) continue;
    const f = path.join(d, bin);
    if (existsSync(f)) return f;
  }
  return null;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
