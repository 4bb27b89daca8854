/**
 * SIPp, the SIP test peer: scenarios generated per run, and one run of SIPp against a SIP server. The
 * demo phone system's echo number is a SIPp UAS that answers every call and plays back the caller's audio
 * (echo-responder.ts); the tests' SIP lab (test/lab/sipp.ts) builds REGISTER, UAC and one-call UAS runs
 * on the same pieces.
 *
 * SIPp runs in the foreground with -nostdin so its exit code is meaningful (0 = every call of the
 * scenario succeeded).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnManaged, which, type Managed } from './processes.js';

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

const xmlText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A user name or number safe to put in a scenario as is. */
export const checkToken = (s: string, what: string): string => {
  if (!/^[A-Za-z0-9._+-]+$/.test(s)) throw new Error(`invalid ${what} for sipp scenario: ${s}`);
  return s;
};

export function scenario(name: string, elements: string[]): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="${xmlText(name)}">
${elements.join('\n')}
</scenario>
`;
}

/** A <send> element; `retrans` for requests and the 200 to an INVITE over UDP. */
export const send = (msg: string, retrans = true): string =>
  `  <send${retrans ? ' retrans="500"' : ''}>\n    <![CDATA[\n\n${msg
    .trim()
    .split('\n')
    .map((l) => `      ${l.trim()}`)
    .join('\n')}\n\n    ]]>\n  </send>`;

/** PCMU (G.711 µ-law) audio and telephone-events on SIPp's media port. */
export const sdp = (user: string): string => `
v=0
o=${user} 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=sipp
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=ptime:20
a=sendrecv`;

/** A re-INVITE the other side sends in a call: to put us on hold, or to resume. */
export type Reinvite = 'hold' | 'resume';

/**
 * The re-INVITEs of a dialog, in order, each answered 200 with our SDP (recvonly to a hold, sendrecv to
 * a resume) and its ACK awaited. The messages log keeps each re-INVITE's SDP (a=sendonly / inactive).
 */
export function reinviteSteps(user: string, contact: string, reinvites: readonly Reinvite[]): string[] {
  return reinvites.flatMap((kind) => [
    '  <recv request="INVITE" crlf="true"/>',
    send(
      `
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
${contact}
Content-Type: application/sdp
Content-Length: [len]
${sdp(user).replace('a=sendrecv', kind === 'hold' ? 'a=recvonly' : 'a=sendrecv')}`,
      true,
    ),
    '  <recv request="ACK" crlf="true"/>',
  ]);
}

/**
 * Answers an INVITE (100, 180, 200 with a PCMU SDP that copies Record-Route, so ACK and BYE come through
 * the proxy), waits for the BYE and answers it. `byeTimeoutMs`: give up on a call whose caller vanished.
 * `reinvites` (the tests' lab): first expect these re-INVITEs (the caller holds and resumes us).
 * `transfer` (the tests' lab): before the BYE, expect a REFER and either accept it (202, then a NOTIFY
 * through the proxy reporting the target reached, `SIP/2.0 200 OK`) or refuse it (403). `attended`: the
 * REFER must carry a Replaces (Refer-To: <target?Replaces=...>, RFC 3891), else the call fails.
 * `iceRestarts`: before the BYE, answer any number of re-INVITEs (an ICE restart after a network change)
 * with the same SDP and take their ACKs.
 * `byeAfterReinvite`: instead of waiting for the BYE, answer one re-INVITE (the caller refreshing its
 * contact after its WebSocket reconnected) and then hang up ourselves: the BYE goes to that re-INVITE's
 * Contact (as the proxy rewrote it), along the route set of the INVITE.
 */
export function uasScenario(
  user: string,
  opts: {
    byeTimeoutMs?: number;
    transfer?: 'accept' | 'refuse' | 'attended';
    reinvites?: readonly Reinvite[];
    iceRestarts?: boolean;
    byeAfterReinvite?: boolean;
  } = {},
): string {
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
  const transfer = opts.transfer ? transferSteps(contact, opts.transfer) : [];
  const reinvites = reinviteSteps(user, contact, opts.reinvites ?? []);
  // In the dialog the To already has our tag; the 200 repeats the SDP (our media does not move).
  const restartAnswer = resp('200 OK', true).replace(';tag=[pid]SIPpTag01[call_number]', '');
  const iceRestarts = opts.iceRestarts
    ? ['  <label id="talk"/>', '  <recv request="INVITE" optional="true" next="restart" crlf="true"/>']
    : [];
  const bye = opts.byeTimeoutMs
    ? `  <recv request="BYE" timeout="${opts.byeTimeoutMs}" ontimeout="gone"/>`
    : '  <recv request="BYE"/>';
  if (opts.byeAfterReinvite)
    return scenario(`uas ${user}, hangs up after a re-INVITE`, [
      // The route set comes from the INVITE (a re-INVITE is not record-routed again)...
      '  <recv request="INVITE" rrs="true" crlf="true"/>',
      send(resp('100 Trying', false).replace(';tag=[pid]SIPpTag01[call_number]', ''), false),
      send(resp('200 OK', true), true),
      '  <recv request="ACK" optional="true" rtd="true" crlf="true"/>',
      // ...the target from the re-INVITE's Contact, whose From is the caller and To is us (with our tag).
      `  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="&lt;.*" search_in="hdr" header="From:" assign_to="peer"/>
      <ereg regexp="&lt;.*" search_in="hdr" header="To:" assign_to="me"/>
      <ereg regexp="sip:[^&gt;]*" search_in="hdr" header="Contact:" assign_to="target"/>
    </action>
  </recv>`,
      send(restartAnswer, true),
      '  <recv request="ACK" crlf="true"/>',
      // Long enough for the phone to notice (STALL_MS) if the re-INVITE had broken the media path.
      '  <pause milliseconds="2500"/>',
      send(`
BYE [$target] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$me]
To: [$peer]
Call-ID: [call_id]
CSeq: 1 BYE
[routes]
${contact}
Max-Forwards: 70
Content-Length: 0`),
      '  <recv response="200" crlf="true"/>',
    ]);
  return scenario(`uas ${user}`, [
    // A transfer's NOTIFY is our own request in the dialog: it needs the caller's Contact and route set.
    `  <recv request="INVITE" crlf="true"${opts.transfer ? ' rrs="true"' : ''}/>`,
    send(resp('100 Trying', false).replace(';tag=[pid]SIPpTag01[call_number]', ''), false),
    send(resp('180 Ringing', false), false),
    '  <pause milliseconds="100"/>',
    send(resp('200 OK', true), true),
    '  <recv request="ACK" optional="true" rtd="true" crlf="true"/>',
    ...reinvites,
    ...transfer,
    ...iceRestarts,
    bye,
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
    `  <pause milliseconds="500"${opts.iceRestarts ? ' next="end"' : ''}/>`,
    ...(opts.iceRestarts
      ? [
          '  <label id="restart"/>',
          send(restartAnswer, true),
          '  <recv request="ACK" crlf="true" next="talk"/>',
          '  <label id="end"/>',
        ]
      : []),
    ...(opts.byeTimeoutMs ? ['  <label id="gone"/>'] : []),
  ]);
}

/** The REFER of a blind transfer, answered, and (accepted) the NOTIFY that reports the target reached. */
function transferSteps(contact: string, how: 'accept' | 'refuse' | 'attended'): string[] {
  const answer = (status: string): string => `
SIP/2.0 ${status}
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
${contact}
Content-Length: 0`;
  // The NOTIFY goes the other way in the dialog: the REFER's To (us, with our tag) becomes its From.
  // Attended: a Refer-To without Replaces fails the check, and so the run (exit code non-zero).
  const replaces =
    how === 'attended'
      ? '\n      <ereg regexp="[?]Replaces=[^&gt;]+" search_in="hdr" header="Refer-To:" check_it="true" assign_to="replaces"/>\n      <log message="attended transfer, [$replaces]"/>'
      : '';
  const refer = `  <recv request="REFER" crlf="true">
    <action>
      <ereg regexp="&lt;.*" search_in="hdr" header="From:" assign_to="peer"/>
      <ereg regexp="&lt;.*" search_in="hdr" header="To:" assign_to="me"/>${replaces}
    </action>
  </recv>`;
  // SIPp refuses a scenario that assigns a variable it never uses: the refusal captures nothing.
  if (how === 'refuse')
    return ['  <recv request="REFER" crlf="true"/>', send(answer('403 Forbidden'), false)];
  return [
    refer,
    send(answer('202 Accepted'), false),
    send(`
NOTIFY [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$me]
To: [$peer]
Call-ID: [call_id]
CSeq: 1 NOTIFY
[routes]
${contact}
Event: refer
Subscription-State: terminated;reason=noresource
Max-Forwards: 70
User-Agent: sip-lab-sipp
Content-Type: message/sipfrag;version=2.0
Content-Length: [len]

SIP/2.0 200 OK`),
    '  <recv response="200"/>',
  ];
}

function parseStatusCodes(messages: string): number[] {
  // received responses only: SIPp logs "... message received [n] bytes :\n\nSIP/2.0 200 OK"
  const out: number[] = [];
  const re = /received[^\n]*\n+SIP\/2\.0 (\d{3})/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(messages)) !== null) out.push(Number(m[1]));
  return out;
}

export interface SippRun {
  localPort: number;
  /** The run's own directory (scenario, message and error logs, SIPp's screen dumps). */
  dir: string;
  process: Managed;
  done: Promise<SippResult>;
  kill(): void;
}

export interface SippRunOptions {
  name: string;
  xml: string;
  /** The SIP server SIPp talks to, on 127.0.0.1. */
  proxyPort: number;
  /** Where the run's directory goes (a SIP server's temp dir); a new temp dir when it does not exist. */
  parentDir: string;
  localPort: number;
  mediaPort: number;
  user?: string;
  password?: string;
  /** The whole run's limit; 0 = none (a long-running UAS). */
  timeoutMs: number;
  rtpEcho?: boolean;
  /** Calls to handle before exiting; 0 = no limit. Default 1. */
  calls?: number;
  /** Calls at once. Default 1. */
  concurrentCalls?: number;
  /** Keep SIPp's statistics screen in the run dir (dumped on SIGUSR2 and at exit). */
  traceScreen?: boolean;
  /** Trace every SIP message into the run dir (default true; a long-running UAS turns it off). */
  traceMessages?: boolean;
}

/** Runs SIPp once with a generated scenario against the SIP server on 127.0.0.1:proxyPort. */
export function runSipp(opts: SippRunOptions): SippRun {
  const sipp = which('sipp');
  if (!sipp) throw new Error('sipp is not installed (Debian package sip-tester)');
  const dir = existsSync(opts.parentDir)
    ? mkdtempSync(path.join(opts.parentDir, `sipp-${opts.name}-`))
    : mkdtempSync(path.join(os.tmpdir(), 'sipp-'));
  const sf = path.join(dir, 'scenario.xml');
  const msgFile = path.join(dir, 'messages.log');
  const errFile = path.join(dir, 'errors.log');
  writeFileSync(sf, opts.xml);
  const traceMessages = opts.traceMessages ?? true;
  const args = [
    `127.0.0.1:${opts.proxyPort}`,
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
    String(opts.calls ?? 1),
    '-l',
    String(opts.concurrentCalls ?? 1),
    '-nostdin',
    ...(traceMessages ? ['-trace_msg', '-message_file', msgFile] : []),
    '-trace_err',
    '-error_file',
    errFile,
  ];
  if (opts.calls === 0) args.splice(args.indexOf('-m'), 2);
  if (opts.timeoutMs > 0) {
    args.push('-timeout', `${Math.max(1, Math.ceil(opts.timeoutMs / 1000))}s`, '-timeout_error');
  }
  if (opts.traceScreen) args.push('-trace_screen');
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
  return { localPort: opts.localPort, dir, process: p, done, kill: () => void p.stop(200) };
}
