/**
 * A browser with two network paths to the lab, for tests of a call that survives a change of network
 * path (shared/LAB.md "Networks and load balancers"). Needs root inside the test's own `unshare -n`
 * namespace (the browser tier runs in one).
 *
 * ```text
 *   test namespace (Kamailio, rtpengine, SIPp, the Dialer server)      browser namespace (Chromium)
 *   lo: 127.0.0.1, SERVER_ADDRESS 10.9.0.1/32
 *   hostA 10.1.0.1/24  ◀──────────── veth pair A ────────────▶  pathA 10.1.0.2/24   route to 10.9.0.1, metric 10
 *   hostB 10.2.0.1/24  ◀──────────── veth pair B ────────────▶  pathB 10.2.0.2/24   route to 10.9.0.1, metric 20
 * ```
 *
 * The servers listen on 10.9.0.1 (the lab's `browserAddress`, the Dialer server's host), which the
 * browser reaches over A while A is up and over B once A is down: the same address, so the page, the
 * WebSocket URL and rtpengine's media address do not change; what changes is the path (and the browser's
 * own address, hence its ICE candidates). Chromium runs in the browser namespace through a wrapper
 * script that `nsenter`s it (playwright drives it over a pipe, which crosses namespaces).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnManaged, type Managed } from '../../src/demo-phone/processes.js';
import { CHROMIUM_PATH } from './browser.js';

export const SERVER_ADDRESS = '10.9.0.1';

export interface TwoPathNetwork {
  /** Where the servers listen: reached over path A, or B once A is down. */
  serverAddress: string;
  /** An executable that runs Debian's chromium inside the browser namespace (for executablePath). */
  chromiumPath: string;
  /** Take a path's interface down on the browser's side (as a cable pulled or Wi-Fi lost). */
  down(p: 'A' | 'B'): void;
  /** The browser's route to the servers right now, e.g. "10.9.0.1 via 10.2.0.1 dev pathB src 10.2.0.2". */
  route(): string;
  close(): Promise<void>;
}

const run = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
};
const ip = (...args: string[]): string => run('ip', args);

/** Build both paths. Throws with the command that failed (not root, no `ip`, no veth in the kernel). */
export async function startTwoPathNetwork(): Promise<TwoPathNetwork> {
  // Never on the machine's own network: interfaces and addresses are added and taken down here. The
  // test's own `unshare -n` namespace has nothing but lo.
  const links = ip('-o', 'link', 'show')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(':')[1]!.trim().split('@')[0]!);
  if (links.some((name) => name !== 'lo')) {
    throw new Error(
      `The two-path network needs the test run in its own network namespace, as root (found ${links.join(', ')}): ` +
        "unshare -n bash -c 'ip link set lo up && npx vitest run --project browser ...' (scripts/test.sh does).",
    );
  }
  const holder: Managed = spawnManaged('unshare', ['-n', 'sleep', '3600'], () => undefined);
  const pid = holder.child.pid;
  if (pid === undefined) throw new Error('could not start the browser network namespace (unshare -n)');
  const ns = `/proc/${pid}/ns/net`;
  const own = readlinkSync('/proc/self/ns/net');
  for (let i = 0; i < 200; i++) {
    try {
      if (readlinkSync(ns) !== own) break;
    } catch {
      /* not there yet */
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const inBrowser = (...args: string[]): string => run('nsenter', [`--net=${ns}`, 'ip', ...args]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'two-paths-'));
  const made: string[] = [];
  try {
    ip('link', 'set', 'lo', 'up');
    ip('addr', 'replace', `${SERVER_ADDRESS}/32`, 'dev', 'lo');
    for (const [name, net] of [
      ['A', '10.1.0'],
      ['B', '10.2.0'],
    ] as const) {
      ip('link', 'add', `host${name}`, 'type', 'veth', 'peer', 'name', `path${name}`, 'netns', String(pid));
      made.push(`host${name}`);
      ip('addr', 'add', `${net}.1/24`, 'dev', `host${name}`);
      ip('link', 'set', `host${name}`, 'up');
      inBrowser('addr', 'add', `${net}.2/24`, 'dev', `path${name}`);
      inBrowser('link', 'set', `path${name}`, 'up');
    }
    inBrowser('link', 'set', 'lo', 'up');
    inBrowser('route', 'add', SERVER_ADDRESS, 'via', '10.1.0.1', 'metric', '10');
    inBrowser('route', 'add', SERVER_ADDRESS, 'via', '10.2.0.1', 'metric', '20');
  } catch (err) {
    for (const link of made) ip('link', 'del', link);
    await holder.stop(0);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const chromiumPath = path.join(dir, 'chromium-in-browser-namespace');
  writeFileSync(chromiumPath, `#!/bin/sh\nexec nsenter --net=${ns} ${CHROMIUM_PATH} "$@"\n`);
  chmodSync(chromiumPath, 0o755);
  return {
    serverAddress: SERVER_ADDRESS,
    chromiumPath,
    down: (p) => void inBrowser('link', 'set', `path${p}`, 'down'),
    route: () => inBrowser('route', 'get', SERVER_ADDRESS).trim(),
    async close() {
      for (const link of made) {
        try {
          ip('link', 'del', link); // deletes its peer in the browser namespace too
        } catch {
          /* already gone with the namespace */
        }
      }
      try {
        ip('addr', 'del', `${SERVER_ADDRESS}/32`, 'dev', 'lo');
      } catch {
        /* not there */
      }
      await holder.stop(0);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
