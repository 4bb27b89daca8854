/**
 * A SIP server on 127.0.0.1: Kamailio (UDP/TCP + SIP over WebSocket, digest auth, in-memory registrar)
 * and, optionally, rtpengine (WebRTC <-> plain RTP). The demo phone system (`dialer demo-phone`) runs one
 * on the port the demo trunks use; the tests' SIP lab (test/lab) runs one per test file on free ports.
 *
 * Every process runs in the foreground as a child of this Node process, in its own process group, and is
 * SIGKILLed when Node exits (processes.ts). Its configuration (with the users' passwords) lives in a
 * private temp dir (0700) that stop() removes.
 */
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKamailioConfig } from './kamailio-config.js';
import {
  freePort,
  freePortBlock,
  registerTempDir,
  sleep,
  spawnManaged,
  which,
  type Managed,
} from './processes.js';

export interface SipAccount {
  username: string;
  password: string;
}

export interface SipServerOptions {
  users: SipAccount[];
  /** SIP domain (realm) of the users. Default 'dialer.test'. */
  domain?: string;
  /** Start rtpengine and bridge WebRTC <-> plain RTP when exactly one side is a WebSocket client. */
  withRtpengine?: boolean;
  /** E.164 number (e.g. '+15551230001') -> username. INVITE sip:+15551230001@domain reaches that user. */
  aliases?: Record<string, string>;
  /** E.164 number -> SIP URI of a peer that answers it without registering (the demo's echo number). */
  peers?: Record<string, string>;
  /** Refuse every new call with this reply (a trunk that registers but cannot set up calls). */
  refuseNewCalls?: { code: number; reason: string };
  /**
   * The address WebSocket clients (browsers) reach: Kamailio's WebSocket port listens on it and rtpengine
   * relays their media from it. Default 127.0.0.1; a test that puts the browser in its own network
   * namespace gives an address routed to this one (SIP over UDP/TCP and rtpengine's control stay on
   * 127.0.0.1).
   */
  browserAddress?: string;
  /** WebSocket port. Default: a free one. */
  wsPort?: number;
  /** UDP and TCP SIP port. Default: a free one. */
  sipPort?: number;
  /** Prefix of the temp dir's name (`pgrep -f PREFIX` finds leftovers). Default 'sip-server-'. */
  dirPrefix?: string;
  /** Kamailio log level (debug=). Default 2; 3 = debug. */
  kamailioDebug?: number;
  /**
   * Kamailio's shared memory in MB (-m). Default 64, plenty for a few clients; each WebSocket connection
   * holds about 64 KB of it until a few seconds after it closes, so a server that sees a thousand new
   * WebSocket connections in a few seconds (the health bench) needs more, as a real deployment would.
   */
  kamailioSharedMemoryMb?: number;
  /** Max time to wait for the processes to answer. Default 10 s. */
  startTimeoutMs?: number;
}

export interface SipServer {
  domain: string;
  /** ws://127.0.0.1:PORT (or the browserAddress) — SIP over WebSocket (RFC 7118), for JsSIP in the browser. */
  wsUrl: string;
  wsPort: number;
  /** Kamailio UDP and TCP port on 127.0.0.1. */
  sipUdpPort: number;
  /** 'sip:127.0.0.1:PORT' — handy as an outbound proxy / SIPp remote. */
  sipUri: string;
  /** rtpengine's ng control port, when started. */
  rtpengineNgPort?: number;
  users: SipAccount[];
  /** Temp dir of this server (config, runtime files, SIPp scenarios). Removed by stop(). */
  dir: string;
  /** Stop Kamailio then start it again with the same config and ports (registrations are lost). */
  restartKamailio(): Promise<void>;
  /** Stop only Kamailio (e.g. to test client reconnection); startKamailio() brings it back. */
  stopKamailio(): Promise<void>;
  startKamailio(): Promise<void>;
  /** Kills everything it started, removes the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Collected kamailio/rtpengine/sipp output, for debugging failures. */
  logs(): string;
  /** Milliseconds the last start of each part took. */
  timings: { kamailioMs: number; rtpengineMs: number; totalMs: number };
}

/** The Debian package that brings each tool. */
export const SIP_TOOL_PACKAGES = {
  kamailio: 'kamailio',
  'kamailio-websocket-modules': 'kamailio-websocket-modules',
  rtpengine: 'rtpengine-daemon',
  sipp: 'sip-tester',
} as const;

export type SipTool = keyof typeof SIP_TOOL_PACKAGES;

function kamailioModuleDirs(): string[] {
  const out: string[] = [];
  for (const base of ['/usr/lib', '/usr/local/lib', '/usr/lib64']) {
    if (!existsSync(base)) continue;
    if (existsSync(path.join(base, 'kamailio/modules'))) out.push(path.join(base, 'kamailio/modules'));
    for (const e of readdirSync(base)) {
      const d = path.join(base, e, 'kamailio/modules');
      if (e.includes('-linux-') && existsSync(d)) out.push(d);
    }
  }
  return out;
}

/** Which of Kamailio (with its WebSocket module), rtpengine and SIPp are not installed. */
export function findMissingSipTools(): SipTool[] {
  const missing: SipTool[] = [];
  if (!which('kamailio')) missing.push('kamailio');
  else if (!kamailioModuleDirs().some((d) => existsSync(path.join(d, 'websocket.so')))) {
    missing.push('kamailio-websocket-modules');
  }
  if (!which('rtpengine')) missing.push('rtpengine');
  if (!which('sipp')) missing.push('sipp');
  return missing;
}

class LogBuffer {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly max = 4_000_000) {}
  add(prefix: string, chunk: string): void {
    const text = chunk
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => `[${prefix}] ${l}\n`)
      .join('');
    this.parts.push(text);
    this.size += text.length;
    while (this.size > this.max && this.parts.length > 1) this.size -= this.parts.shift()!.length;
  }
  toString(): string {
    return this.parts.join('');
  }
}

/** Send a SIP OPTIONS over UDP and wait for any reply. */
async function sipPing(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const done = (ok: boolean): void => {
      clearTimeout(t);
      s.close();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.on('message', () => done(true));
    s.on('error', () => done(false));
    s.bind(0, '127.0.0.1', () => {
      const lp = (s.address() as { port: number }).port;
      const branch = `z9hG4bK-lab-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      const msg =
        `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\n` +
        `Via: SIP/2.0/UDP 127.0.0.1:${lp};branch=${branch};rport\r\n` +
        `Max-Forwards: 70\r\nFrom: <sip:ping@127.0.0.1>;tag=${branch.slice(-8)}\r\nTo: <sip:127.0.0.1:${port}>\r\n` +
        `Call-ID: ${branch}@lab\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
      s.send(msg, port, '127.0.0.1');
    });
  });
}

/** rtpengine ng "ping" over UDP (bencode); true on "pong". */
async function ngPing(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const cookie = `lab${Math.random().toString(36).slice(2, 10)}`;
    const done = (ok: boolean): void => {
      clearTimeout(t);
      s.close();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.on('message', (m) => done(m.toString().startsWith(cookie) && m.toString().includes('pong')));
    s.on('error', () => done(false));
    s.send(`${cookie} d7:command4:pinge`, port, '127.0.0.1');
  });
}

async function waitUntil(
  what: string,
  deadline: number,
  probe: () => Promise<boolean>,
  alive: () => boolean,
  logs: () => string,
): Promise<void> {
  for (;;) {
    if (!alive()) throw new Error(`${what} exited during start-up.\n--- logs ---\n${logs().slice(-6000)}`);
    if (await probe()) return;
    if (Date.now() > deadline)
      throw new Error(`${what} did not come up in time.\n--- logs ---\n${logs().slice(-6000)}`);
    await sleep(15);
  }
}

/** Starts Kamailio (and rtpengine when asked); rejects with the logs when a part does not come up. */
export async function startSipServer(opts: SipServerOptions): Promise<SipServer> {
  const missing = findMissingSipTools().filter(
    (m) => m !== 'sipp' && (opts.withRtpengine || m !== 'rtpengine'),
  );
  if (missing.length > 0) {
    const pkgs = missing.map((m) => SIP_TOOL_PACKAGES[m]).join(' ');
    throw new Error(`Not installed: ${missing.join(', ')} (Debian packages: ${pkgs})`);
  }

  const t0 = Date.now();
  const domain = opts.domain ?? 'dialer.test';
  const startTimeout = opts.startTimeoutMs ?? 10_000;
  const dir = mkdtempSync(path.join(os.tmpdir(), opts.dirPrefix ?? 'sip-server-'));
  const unregisterDir = registerTempDir(dir);
  const log = new LogBuffer();
  const logs = (): string => log.toString();

  const browserAddress = opts.browserAddress ?? '127.0.0.1';
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(browserAddress))
    throw new Error(`browserAddress must be an IPv4 address: ${browserAddress}`);
  const sipPort = opts.sipPort ?? (await freePort());
  const wsPort = opts.wsPort ?? (await freePort());
  const timings = { kamailioMs: 0, rtpengineMs: 0, totalMs: 0 };

  let rtpengine: Managed | undefined;
  let rtpengineNgPort: number | undefined;
  let kamailio: Managed | undefined;
  let stopped = false;

  const stopAll = async (): Promise<void> => {
    await Promise.all([kamailio?.stop(), rtpengine?.stop()]);
  };

  try {
    if (opts.withRtpengine) {
      const tr = Date.now();
      rtpengineNgPort = await freePort();
      const portMin = await freePortBlock(200);
      rtpengine = spawnManaged(
        which('rtpengine')!,
        [
          '--config-file=none',
          '--foreground',
          '--log-stderr',
          '--table=-1',
          `--interface=${browserAddress}`,
          `--listen-ng=127.0.0.1:${rtpengineNgPort}`,
          `--port-min=${portMin}`,
          `--port-max=${portMin + 199}`,
          '--num-threads=2',
          '--delete-delay=0',
          '--timeout=60',
          '--log-level=6',
          `--pidfile=${path.join(dir, 'rtpengine.pid')}`,
        ],
        (c) => log.add('rtpengine', c),
        { cwd: dir },
      );
      const ng = rtpengineNgPort;
      const rp = rtpengine;
      await waitUntil(
        'rtpengine',
        Date.now() + startTimeout,
        () => ngPing(ng, 40),
        () => rp.isRunning(),
        logs,
      );
      timings.rtpengineMs = Date.now() - tr;
    }

    const cfgPath = path.join(dir, 'kamailio.cfg');
    writeFileSync(
      cfgPath,
      generateKamailioConfig({
        domain,
        sipPort,
        wsPort,
        wsAddress: browserAddress,
        users: opts.users,
        aliases: opts.aliases,
        peers: opts.peers,
        refuseNewCalls: opts.refuseNewCalls,
        rtpengineNgPort,
        debugLevel: opts.kamailioDebug,
      }),
      { mode: 0o600 }, // the users' passwords are in it
    );
    const modDir = kamailioModuleDirs().find((d) => existsSync(path.join(d, 'websocket.so')));

    const startKamailio = async (): Promise<void> => {
      if (kamailio?.isRunning()) return;
      const tk = Date.now();
      const args = [
        '-f',
        cfgPath,
        '-DD',
        '-E',
        '-Y',
        dir,
        '-P',
        path.join(dir, 'kamailio.pid'),
        '-w',
        dir,
        '-m',
        String(opts.kamailioSharedMemoryMb ?? 64),
        '-M',
        '8',
      ];
      if (modDir) args.push('-L', modDir);
      const k = spawnManaged(which('kamailio')!, args, (c) => log.add('kamailio', c), { cwd: dir });
      kamailio = k;
      await waitUntil(
        'kamailio',
        Date.now() + startTimeout,
        () => sipPing(sipPort, 40),
        () => k.isRunning(),
        logs,
      );
      timings.kamailioMs = Date.now() - tk;
    };
    const stopKamailio = async (): Promise<void> => {
      await kamailio?.stop();
    };

    await startKamailio();
    timings.totalMs = Date.now() - t0;

    const server: SipServer = {
      domain,
      wsUrl: `ws://${browserAddress}:${wsPort}`,
      wsPort,
      sipUdpPort: sipPort,
      sipUri: `sip:127.0.0.1:${sipPort}`,
      rtpengineNgPort,
      users: opts.users,
      dir,
      timings,
      logs,
      startKamailio,
      stopKamailio,
      async restartKamailio() {
        await stopKamailio();
        await startKamailio();
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopAll();
        rmSync(dir, { recursive: true, force: true });
        unregisterDir();
      },
    };
    return server;
  } catch (err) {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
    unregisterDir();
    throw err;
  }
}
