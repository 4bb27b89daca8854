/**
 * SIPp for the tests' SIP lab: REGISTER (with digest auth), a UAS that answers one call and echoes RTP,
 * and a UAC that places one call through the lab's Kamailio. The scenario pieces and the SIPp runner are
 * the demo phone system's (src/demo-phone/sipp.ts).
 */
import { freePort, freePortBlock, sleep, udpPortBound } from '../../src/demo-phone/processes.js';
import {
  checkToken,
  reinviteSteps,
  runSipp as runSippIn,
  scenario,
  sdp,
  send,
  uasScenario,
  type Reinvite,
  type SippResult,
  type SippRun,
} from '../../src/demo-phone/sipp.js';
import type { SipLab } from './sip-lab.js';

export type { SippResult } from '../../src/demo-phone/sipp.js';

export interface SippUasHandle {
  /** Resolves once the UAS is registered and listening for the INVITE. Rejects if registration failed. */
  ready: Promise<void>;
  /** Resolves when the UAS sipp exited (exitCode 0 = call answered, ACKed, BYE answered). */
  done: Promise<{ exitCode: number; output: string }>;
  /** The SIP port the UAS listens on (registered Contact). */
  localPort: number;
  /** RTP echo port (SDP m= port in the UAS's answer). */
  mediaPort: number;
  kill(): void;
}

function runSipp(
  lab: SipLab,
  opts: {
    name: string;
    xml: string;
    localPort: number;
    mediaPort: number;
    user?: string;
    password?: string;
    timeoutMs: number;
    rtpEcho?: boolean;
  },
): SippRun {
  return runSippIn({ ...opts, proxyPort: lab.sipUdpPort, parentDir: lab.dir });
}

function registerScenario(user: string, domain: string, expires: number): string {
  const base = (cseq: number, auth: boolean): string => `
REGISTER sip:${domain} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: <sip:${user}@${domain}>;tag=[pid]reg[call_number]
To: <sip:${user}@${domain}>
Call-ID: [call_id]
CSeq: ${cseq} REGISTER
Contact: <sip:${user}@[local_ip]:[local_port]>
Max-Forwards: 70
Expires: ${expires}
User-Agent: sip-lab-sipp${auth ? '\n[authentication]' : ''}
Content-Length: 0`;
  return scenario(`register ${user}`, [
    send(base(1, false)),
    '  <recv response="401" auth="true"/>',
    send(base(2, true)),
    '  <recv response="200" optional="true" next="end"/>',
    '  <recv response="401" optional="true" next="end"/>',
    '  <recv response="404" optional="true" next="end"/>',
    '  <recv response="403" next="end"/>',
    '  <label id="end"/>',
  ]);
}

function uacScenario(opts: {
  from: string;
  to: string;
  domain: string;
  holdMs: number;
  expectStatus: number;
  extraHeaders?: string[];
  /** Answered: the callee's re-INVITEs to expect, then wait for the callee's BYE instead of sending one. */
  reinvites?: readonly Reinvite[];
  byeFromCallee?: boolean;
}): string {
  const { from, to, domain } = opts;
  const extra = (opts.extraHeaders ?? []).map((h) => `\n${h}`).join('');
  const els: string[] = [];
  const invite = (cseq: number, auth: boolean): string => `
INVITE sip:${to}@${domain} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:${from}@${domain}>;tag=[pid]SIPpTag00[call_number]
To: <sip:${to}@${domain}>
Call-ID: [call_id]
CSeq: ${cseq} INVITE
Contact: <sip:${from}@[local_ip]:[local_port]>
Max-Forwards: 70
User-Agent: sip-lab-sipp${auth ? '\n[authentication]' : ''}${extra}
Content-Type: application/sdp
Content-Length: [len]
${sdp(from)}`;
  const ack = (cseq: number, branchOffset: number, inDialog: boolean): string => `
ACK ${inDialog ? '[next_url]' : `sip:${to}@${domain}`} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=${inDialog ? '[branch]' : `[branch-${branchOffset}]`}
From: <sip:${from}@${domain}>;tag=[pid]SIPpTag00[call_number]
To: <sip:${to}@${domain}>[peer_tag_param]
Call-ID: [call_id]
CSeq: ${cseq} ACK
${inDialog ? '[routes]\n' : ''}Contact: <sip:${from}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0`;
  els.push(send(invite(1, false)));
  els.push('  <recv response="100" optional="true"/>');
  els.push('  <recv response="407" auth="true"/>');
  els.push(send(ack(1, 3, false), false)); // index 3, INVITE at 0
  const inviteIdx = els.length;
  els.push(send(invite(2, true)));
  els.push('  <recv response="100" optional="true"/>');
  els.push('  <recv response="180" optional="true"/>');
  els.push('  <recv response="183" optional="true"/>');
  if (opts.expectStatus === 200) {
    els.push('  <recv response="200" rtd="true" rrs="true"/>');
    els.push(send(ack(2, 0, true), false));
  }
  const contact = `Contact: <sip:${from}@[local_ip]:[local_port]>`;
  if (opts.expectStatus === 200 && opts.byeFromCallee) {
    els.push(...reinviteSteps(from, contact, opts.reinvites ?? []));
    els.push('  <recv request="BYE" crlf="true"/>');
    els.push(
      send(
        `
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
${contact}
Content-Length: 0`,
        false,
      ),
    );
    els.push('  <pause milliseconds="300"/>');
  } else if (opts.expectStatus === 200) {
    els.push(...reinviteSteps(from, contact, opts.reinvites ?? []));
    els.push(`  <pause milliseconds="${opts.holdMs}"/>`);
    els.push(
      send(`
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:${from}@${domain}>;tag=[pid]SIPpTag00[call_number]
To: <sip:${to}@${domain}>[peer_tag_param]
Call-ID: [call_id]
CSeq: 3 BYE
[routes]
Contact: <sip:${from}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0`),
    );
    els.push('  <recv response="200" crlf="true"/>');
  } else {
    els.push(`  <recv response="${opts.expectStatus}"/>`);
    const ackIdx = els.length;
    els.push(send(ack(2, ackIdx - inviteIdx, false), false));
    els.push('  <pause milliseconds="200"/>');
  }
  return scenario(`uac ${from} -> ${to}`, els);
}

/**
 * REGISTER `username` (Contact sip:username@127.0.0.1:localPort) with digest auth.
 * Resolves with finalStatus 200 on success, 403 (or 401) on a wrong password. Never rejects on SIP
 * errors: check finalStatus / exitCode.
 */
export async function sippRegister(opts: {
  lab: SipLab;
  username: string;
  password: string;
  localPort?: number;
  expires?: number;
  timeoutMs?: number;
}): Promise<SippResult> {
  const user = checkToken(opts.username, 'username');
  const localPort = opts.localPort ?? (await freePort());
  const mediaPort = await freePortBlock(4);
  const run = runSipp(opts.lab, {
    name: `reg-${user}`,
    xml: registerScenario(user, opts.lab.domain, opts.expires ?? 300),
    localPort,
    mediaPort,
    user,
    password: opts.password,
    timeoutMs: opts.timeoutMs ?? 10_000,
  });
  return run.done;
}

/**
 * Place one call from `from` (digest-authenticated with its password) to `to` (a lab username or an
 * E.164 alias like '+15551230001'), hold it `holdMs`, then BYE. With expectStatus (e.g. 404, 480)
 * the scenario instead expects that final response to the INVITE and ACKs it.
 * Optionally registers `from` first on the same port (register: true).
 */
export async function sippCall(opts: {
  lab: SipLab;
  from: string;
  password: string;
  to: string;
  holdMs?: number;
  expectStatus?: number;
  register?: boolean;
  localPort?: number;
  timeoutMs?: number;
  /** Echo received RTP back to its sender (-rtp_echo), e.g. when calling a browser through rtpengine. */
  rtpEcho?: boolean;
  /** Headers added to the INVITE, e.g. a carrier's `P-Asserted-Identity: <sip:+1...@host;verstat=...>`. */
  extraHeaders?: string[];
  /** Answered: the callee's re-INVITEs to expect (hold, resume), in order. */
  reinvites?: readonly Reinvite[];
  /** Answered: wait for the callee's BYE (after any re-INVITEs) instead of hanging up after holdMs. */
  byeFromCallee?: boolean;
}): Promise<SippResult> {
  const from = checkToken(opts.from, 'from');
  const to = checkToken(opts.to, 'to');
  const localPort = opts.localPort ?? (await freePort());
  if (opts.register) {
    const r = await sippRegister({ lab: opts.lab, username: from, password: opts.password, localPort });
    if (r.finalStatus !== 200) return r;
  }
  const mediaPort = await freePortBlock(4);
  const run = runSipp(opts.lab, {
    name: `uac-${from}`,
    xml: uacScenario({
      from,
      to,
      domain: opts.lab.domain,
      holdMs: opts.holdMs ?? 1000,
      expectStatus: opts.expectStatus ?? 200,
      extraHeaders: opts.extraHeaders,
      reinvites: opts.reinvites,
      byeFromCallee: opts.byeFromCallee,
    }),
    localPort,
    mediaPort,
    user: from,
    password: opts.password,
    timeoutMs: opts.timeoutMs ?? 30_000,
    rtpEcho: opts.rtpEcho,
  });
  return run.done;
}

/**
 * A SIPp UAS registered as `username`: answers one INVITE (100, 180, 200 with a PCMU SDP, copying
 * Record-Route), echoes RTP back to its sender (-rtp_echo), waits for the BYE and answers it, then exits.
 * Registration uses a short SIPp run on the same local port just before the UAS starts on it.
 */
export async function runSippUas(opts: {
  lab: SipLab;
  username: string;
  password: string;
  timeoutMs?: number;
  localPort?: number;
  /**
   * Expect a transfer (REFER) during the call: accept it or refuse it (blind), or accept one that must
   * carry Replaces (`attended`; uasScenario).
   */
  transfer?: 'accept' | 'refuse' | 'attended';
  /** Re-INVITEs the caller sends before that (hold, resume), in order. */
  reinvites?: readonly Reinvite[];
  /** Then answer any number of re-INVITEs (ICE restarts after a network change; uasScenario). */
  iceRestarts?: boolean;
  /** Answer one re-INVITE, then hang up (BYE) towards the contact it gave (uasScenario). */
  byeAfterReinvite?: boolean;
}): Promise<SippUasHandle> {
  const user = checkToken(opts.username, 'username');
  const localPort = opts.localPort ?? (await freePort());
  const mediaPort = await freePortBlock(4);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let run: SippRun | undefined;
  let killed = false;
  let resolveDone!: (v: { exitCode: number; output: string }) => void;
  const done = new Promise<{ exitCode: number; output: string }>((r) => (resolveDone = r));

  const ready = (async (): Promise<void> => {
    const reg = await sippRegister({ lab: opts.lab, username: user, password: opts.password, localPort });
    if (reg.finalStatus !== 200 || reg.exitCode !== 0) {
      resolveDone({ exitCode: reg.exitCode || 1, output: reg.output });
      throw new Error(
        `SIPp UAS ${user}: REGISTER failed (final ${reg.finalStatus}, exit ${reg.exitCode})\n${reg.output.slice(-4000)}`,
      );
    }
    if (killed) {
      resolveDone({ exitCode: 137, output: 'killed before start' });
      throw new Error('SIPp UAS killed before start');
    }
    // wait for the REGISTER sipp's socket to go away, then start the UAS on the same port
    for (let i = 0; i < 100 && udpPortBound(localPort); i++) await sleep(10);
    run = runSipp(opts.lab, {
      name: `uas-${user}`,
      xml: uasScenario(user, {
        ...(opts.transfer ? { transfer: opts.transfer } : {}),
        ...(opts.reinvites ? { reinvites: opts.reinvites } : {}),
        ...(opts.iceRestarts ? { iceRestarts: true } : {}),
        ...(opts.byeAfterReinvite ? { byeAfterReinvite: true } : {}),
      }),
      localPort,
      mediaPort,
      user,
      password: opts.password,
      timeoutMs,
      rtpEcho: true,
    });
    void run.done.then((r) => resolveDone({ exitCode: r.exitCode, output: r.output }));
    for (let i = 0; i < 500 && !udpPortBound(localPort); i++) await sleep(10);
    if (!udpPortBound(localPort)) throw new Error(`SIPp UAS ${user} did not bind 127.0.0.1:${localPort}`);
  })();
  ready.catch(() => undefined); // the caller awaits it; avoid unhandled rejection if it doesn't

  return {
    ready,
    done,
    localPort,
    mediaPort,
    kill: () => {
      killed = true;
      run?.kill();
    },
  };
}

export interface SippOptionsResponder {
  /** The UDP port SIPp answers on (127.0.0.1). */
  port: number;
  /** SIPp's run directory (scenario, errors). */
  dir: string;
  stop(): Promise<void>;
}

/**
 * A SIPp UAS that answers every OPTIONS on 127.0.0.1:`port` (UDP) with 200 OK after `delayMs`: a peer
 * that is alive but slow (`tc netem` is not available here, so the delay is the peer's own pause).
 * Runs until stopped; SIPp's own directory goes under `parentDir` (the caller removes it).
 */
export async function runSippOptionsResponder(opts: {
  delayMs: number;
  parentDir: string;
  port?: number;
}): Promise<SippOptionsResponder> {
  const port = opts.port ?? (await freePort());
  const elements = ['  <recv request="OPTIONS" crlf="true"/>'];
  if (opts.delayMs > 0) elements.push(`  <pause milliseconds="${Math.round(opts.delayMs)}"/>`);
  elements.push(
    send(
      `
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Allow: INVITE, ACK, CANCEL, BYE, OPTIONS
Content-Length: 0`,
      false,
    ),
  );
  const run = runSippIn({
    name: `options-${opts.delayMs}ms`,
    xml: scenario(`options answered after ${opts.delayMs} ms`, elements),
    proxyPort: 9, // a UAS never sends first: SIPp only needs a remote address to start
    parentDir: opts.parentDir,
    localPort: port,
    mediaPort: await freePortBlock(4),
    timeoutMs: 0,
    calls: 0,
    concurrentCalls: 100,
    traceMessages: false,
  });
  for (let i = 0; i < 500 && !udpPortBound(port); i++) await sleep(10);
  if (!udpPortBound(port)) {
    run.kill();
    throw new Error(`SIPp OPTIONS responder did not bind 127.0.0.1:${port}\n${(await run.done).output}`);
  }
  return {
    port,
    dir: run.dir,
    stop: async () => {
      run.kill();
      await run.done;
      for (let i = 0; i < 100 && udpPortBound(port); i++) await sleep(10);
    },
  };
}
