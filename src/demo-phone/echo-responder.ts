/**
 * The demo phone system's echo number: a SIPp UAS that answers every call (up to 20 at once) and plays
 * the caller's audio back to them (-rtp_echo), reached through Kamailio as a fixed peer (it does not
 * register). How much audio it played back is SIPp's own count, read from the statistics screen SIPp
 * writes when it gets SIGUSR2.
 */
import { openSync, closeSync, existsSync, fstatSync, ftruncateSync, readdirSync, readSync } from 'node:fs';
import path from 'node:path';
import { freePortBlock, sleep, udpPortBound } from './processes.js';
import { runSipp, uasScenario, type SippRun } from './sipp.js';

export interface EchoResponder {
  /** sip:echo@127.0.0.1:PORT — where Kamailio sends calls to the echo number. */
  uri: string;
  localPort: number;
  /** SIPp's RTP port (the m= port of its answers). */
  mediaPort: number;
  /** RTP packets SIPp has played back since it started. */
  echoedPackets(): Promise<number>;
  /** Resolves with SIPp's exit code when it exits (on stop(), or by itself). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** A caller who vanished without a BYE frees its slot after this long. */
const MAX_CALL_MS = 3_600_000;

/** The last "N Total echo RTP pckts 1st stream" of SIPp's screen dumps. */
export function parseEchoedPackets(screen: string): number | null {
  const all = [...screen.matchAll(/(\d+) Total echo RTP pckts 1st stream/g)];
  const last = all[all.length - 1];
  return last ? Number(last[1]) : null;
}

export async function startEchoResponder(opts: {
  proxyPort: number;
  localPort: number;
  parentDir: string;
  startTimeoutMs?: number;
}): Promise<EchoResponder> {
  const mediaPort = await freePortBlock(4);
  const run: SippRun = runSipp({
    name: 'echo',
    xml: uasScenario('echo', { byeTimeoutMs: MAX_CALL_MS }),
    proxyPort: opts.proxyPort,
    parentDir: opts.parentDir,
    localPort: opts.localPort,
    mediaPort,
    timeoutMs: 0,
    calls: 0,
    concurrentCalls: 20,
    rtpEcho: true,
    traceScreen: true,
    traceMessages: false,
  });
  const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000);
  while (!udpPortBound(opts.localPort)) {
    if (!run.process.isRunning() || Date.now() > deadline) {
      run.kill();
      const result = await run.done;
      throw new Error(`SIPp (the echo number) did not start:\n${result.output.slice(-3000)}`);
    }
    await sleep(15);
  }

  let last = 0;
  // The screen file grows by one dump per SIGUSR2: read what is new, then truncate it (SIPp keeps writing
  // at its own offset, so the file stays sparse and small on disk).
  let offset = 0;
  const screenFile = (): string | null => {
    const f = readdirSync(run.dir).find((n) => n.endsWith('_screen.log'));
    return f ? path.join(run.dir, f) : null;
  };
  const readNew = (file: string): string => {
    const fd = openSync(file, 'r+');
    try {
      const size = fstatSync(fd).size;
      if (size <= offset) return '';
      const buf = Buffer.alloc(size - offset);
      readSync(fd, buf, 0, buf.length, offset);
      offset = size;
      ftruncateSync(fd, 0);
      return buf.toString('latin1').replace(/\0/g, '');
    } finally {
      closeSync(fd);
    }
  };

  return {
    uri: `sip:echo@127.0.0.1:${opts.localPort}`,
    localPort: opts.localPort,
    mediaPort,
    exited: run.process.exited.then(({ code }) => code),
    async echoedPackets() {
      if (!run.process.isRunning() || run.process.child.pid === undefined) return last;
      process.kill(run.process.child.pid, 'SIGUSR2');
      for (let i = 0; i < 50; i++) {
        await sleep(20);
        const file = screenFile();
        if (!file || !existsSync(file)) continue;
        const n = parseEchoedPackets(readNew(file));
        if (n !== null) {
          last = n;
          break;
        }
      }
      return last;
    },
    async stop() {
      await run.process.stop(1000);
    },
  };
}
