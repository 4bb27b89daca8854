/**
 * SIPp helpers for the lab: REGISTER (with digest auth), a UAS that answers one call and echoes RTP,
 * and a UAC that places one call through the lab's Kamailio.
 *
 * Scenarios are generated per run into the lab's temp dir. SIPp runs in the foreground with
 * -nostdin so its exit code is meaningful (0 = every call of the scenario succeeded).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, freePortBlock, sleep, spawnManaged, udpPortBound, which } from './proc.js';
import type { SipLab } from './sip-lab.js';

export interface SippResult {
  exitCode: number;
  /** SIPp stdout/stderr plus the traced SIP messages (-trace_msg). */
  output: string;
  /** Status codes of all SIP responses SIPp received, in order. */
  statusCodes: number[];
  /** The last status code received (e.g. 200 for a successful REGISTER, 403 for a wrong password). */
  finalStatus: number | null;
  /** Local SIP port SIPp used (its Contact). */
  localPort: number;
}

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

const xmlText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const checkToken = (s: string, what: string): string => {
  if (!/^[A-Za-z0-9._+-]+$/.test(s)) throw new Error(`invalid ${what} for sipp scenario: ${s}`);
  return s;
};

function scenario(name: string, elements: string[]): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="${xmlText(name)}">
${elements.join('\n')}
</scenario>
`;
}

const send = (msg: string, retrans = true): string =>
  `  <send${retrans ? ' retrans="500"' : ''}>\n    <![CDATA[\n\n${msg
    .trim()
    .split('\n')
    .map((l) => `      ${l.trim()}`)
    .join('\n')}\n\n    ]]>\n  </send>`;

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

const sdp = (user: string): string => `
v=0
o=${user} 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=sip-lab
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=ptime:20
a=sendrecv`;

function uasScenario(user: string): string {
  const contact = `Contact: <sip:${user}@[local_ip]:[local_port];transport=[transport]>`;
  const resp = (status: string, withSdp: boolean): string => `
SIP/2.0 ${status}
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
${contact}
${withSdp ? 'Content-Type: application/sdp\nContent-Length: [len]\n' + sdp(user) : 'Content-Length: 0'}`;
  return scenario(`uas ${user}`, [
    '  <recv request="INVITE" crlf="true"/>',
    send(resp('100 Trying', false).replace(';tag=[pid]SIPpTag01[call_number]', ''), false),
    send(resp('180 Ringing', false), false),
    '  <pause milliseconds="100"/>',
    send(resp('200 OK', true), true),
    '  <recv request="ACK" optional="true" rtd="true" crlf="true"/>',
    '  <recv request="BYE"/>',
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
    '  <pause milliseconds="500"/>',
  ]);
}

function uacScenario(opts: {
  from: string;
  to: string;
  domain: string;
  holdMs: number;
  expectStatus: number;
  extraHeaders?: string[];
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

function parseStatusCodes(messages: string): number[] {
  // received responses only: SIPp logs "... message received [n] bytes :\n\nSIP/2.0 200 OK"
  const out: number[] = [];
  const re = /received[^\n]*\n+SIP\/2\.0 (\d{3})/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(messages)) !== null) out.push(Number(m[1]));
  return out;
}

interface SippRun {
  localPort: number;
  done: Promise<SippResult>;
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
  const sipp = which('sipp');
  if (!sipp)
    throw new Error('sipp is not installed (Debian package sip-tester): bash test/lab/install-lab-deps.sh');
  const dir = existsSync(lab.dir)
    ? mkdtempSync(path.join(lab.dir, `sipp-${opts.name}-`))
    : mkdtempSync('/tmp/sipp-');
  const sf = path.join(dir, 'scenario.xml');
  const msgFile = path.join(dir, 'messages.log');
  const errFile = path.join(dir, 'errors.log');
  writeFileSync(sf, opts.xml);
  const args = [
    `127.0.0.1:${lab.sipUdpPort}`,
    '-sf',
    sf,
    '-i',
    '127.0.0.1',
    '-p',
    String(opts.localPort),
    '-mi',
    '127.0.0.1',
    '-mp',
    String(opts.mediaPort),
    '-m',
    '1',
    '-l',
    '1',
    '-nostdin',
    '-trace_msg',
    '-message_file',
    msgFile,
    '-trace_err',
    '-error_file',
    errFile,
    '-timeout',
    `${Math.max(1, Math.ceil(opts.timeoutMs / 1000))}s`,
    '-timeout_error',
  ];
  if (opts.user) args.push('-au', opts.user, '-s', opts.user);
  if (opts.password !== undefined) args.push('-ap', opts.password);
  if (opts.rtpEcho) args.push('-rtp_echo');
  let out = '';
  const p = spawnManaged(
    sipp,
    args,
    (c) => {
      if (out.length < 200_000) out += c;
    },
    { cwd: dir },
  );
  const done = p.exited.then(({ code, signal }) => {
    const read = (f: string): string => (existsSync(f) ? readFileSync(f, 'latin1') : '');
    const messages = read(msgFile);
    const errors = read(errFile);
    const statusCodes = parseStatusCodes(messages);
    const output = `$ sipp ${args.join(' ')}\n${out}\n--- messages ---\n${messages}\n--- errors ---\n${errors}`;
    return {
      exitCode: code ?? (signal ? 128 : -1),
      output,
      statusCodes,
      finalStatus: statusCodes.length ? statusCodes[statusCodes.length - 1]! : null,
      localPort: opts.localPort,
    };
  });
  return { localPort: opts.localPort, done, kill: () => void p.stop(200) };
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
      xml: uasScenario(user),
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
