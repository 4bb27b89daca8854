/**
 * How a health probe talks SIP: one fresh connection per probe (WebSocket per RFC 7118, UDP, TCP or
 * TLS), framing on streams, and one request at a time matched to its final response by Call-ID and CSeq.
 * Answers are SIP.js core messages, read lazily (readResponse); what they mean is sip-probe.ts's business.
 */
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import {
  IncomingResponseMessage,
  LoggerFactory,
  Parser,
  type OutgoingRequestMessage,
} from 'sip.js/lib/core/index.js';
import WebSocket from 'ws';

export type ProbeTransport = 'ws' | 'wss' | 'udp' | 'tcp' | 'tls';

export interface ProbeTarget {
  transport: ProbeTransport;
  host: string;
  port: number;
  /** For ws/wss: the URL as configured. */
  url?: string;
  /** What a person reads: "ws://127.0.0.1:8080", "udp:sip.example.com:5060". */
  label: string;
}

export const loggerFactory = new LoggerFactory();
loggerFactory.builtinEnabled = false;
loggerFactory.level = 0; // errors only, and the built-in console logger is off

function transportToken(t: ProbeTransport): string {
  return t === 'ws' ? 'WS' : t === 'wss' ? 'WSS' : t.toUpperCase();
}

export function errorWords(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { reason?: string };
  switch (e.code ?? '') {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the name does not resolve';
    case 'ECONNRESET':
      return 'connection reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'CERT_HAS_EXPIRED':
      return 'its TLS certificate has expired';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return 'its TLS certificate is self-signed';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'its TLS certificate is for another name';
    default:
      return e.message || String(err);
  }
}

/**
 * One SIP conversation over one fresh connection: `send` writes a request, `onResponse` hears every
 * parsed response; `close` ends it. The transport hides how bytes move and are framed.
 */
interface Channel {
  localHost: string;
  localPort: number;
  send(text: string): void;
  close(): void;
}

type OpenChannel = (
  target: ProbeTarget,
  onMessage: (text: string) => void,
  onError: (err: unknown) => void,
  timeoutMs: number,
) => Promise<Channel>;

const openWs: OpenChannel = (target, onMessage, onError, timeoutMs) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(target.url!, 'sip', { handshakeTimeout: timeoutMs });
    ws.on('open', () => {
      const sock = (ws as unknown as { _socket?: net.Socket })._socket;
      resolve({
        localHost: sock?.localAddress ?? '127.0.0.1',
        localPort: sock?.localPort ?? 0,
        send: (text) => ws.send(text),
        close: () => ws.terminate(),
      });
    });
    ws.on('message', (data: WebSocket.RawData) => {
      onMessage(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString());
    });
    ws.on('unexpected-response', (_req, res) => {
      reject(new Error(`it answered HTTP ${res.statusCode} instead of a WebSocket upgrade`));
      ws.terminate();
    });
    ws.on('error', (err) => {
      reject(err);
      onError(err);
    });
  });

const openUdp: OpenChannel = (target, onMessage, onError) =>
  new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(target.host) ? 'udp6' : 'udp4');
    socket.on('message', (m) => onMessage(m.toString('utf8')));
    socket.on('error', (err) => {
      reject(err);
      onError(err);
    });
    socket.connect(target.port, target.host, () => {
      const a = socket.address();
      resolve({
        localHost: a.address,
        localPort: a.port,
        send: (text) => socket.send(text),
        close: () => socket.close(),
      });
    });
  });

/** SIP over a stream: messages are framed by Content-Length (RFC 3261 18.3). */
function streamFramer(onMessage: (text: string) => void): (chunk: Buffer) => void {
  let buffer = Buffer.alloc(0);
  return (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffer.subarray(0, end).toString('utf8');
      const m = /^(?:content-length|l)\s*:\s*(\d+)/im.exec(head);
      const length = m ? Number(m[1]) : 0;
      const total = end + 4 + length;
      if (buffer.length < total) return;
      onMessage(buffer.subarray(0, total).toString('utf8'));
      buffer = buffer.subarray(total);
    }
  };
}

const openStream: OpenChannel = (target, onMessage, onError) =>
  new Promise((resolve, reject) => {
    const socket: net.Socket =
      target.transport === 'tls'
        ? tls.connect({
            host: target.host,
            port: target.port,
            ...(net.isIP(target.host) ? {} : { servername: target.host }),
          })
        : net.connect({ host: target.host, port: target.port });
    socket.on(target.transport === 'tls' ? 'secureConnect' : 'connect', () =>
      resolve({
        localHost: socket.localAddress ?? '127.0.0.1',
        localPort: socket.localPort ?? 0,
        send: (text) => socket.write(text),
        close: () => socket.destroy(),
      }),
    );
    socket.on('data', streamFramer(onMessage));
    socket.on('error', (err) => {
      reject(err);
      onError(err);
    });
  });

function opener(t: ProbeTransport): OpenChannel {
  return t === 'ws' || t === 'wss' ? openWs : t === 'udp' ? openUdp : openStream;
}

/** Compact header names (RFC 3261 7.3.3), spelled out as SIP.js stores them. */
const COMPACT_NAMES: Record<string, string> = {
  i: 'call-id',
  v: 'via',
  f: 'from',
  t: 'to',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
};

/**
 * A response as SIP.js's IncomingResponseMessage, read lazily: the status line (RFC 3261 7.2) and each
 * header's raw value, framed by SIP.js's own Parser.getHeader (folded lines included). A header value goes
 * through SIP.js's grammar only when it is asked for (`response.parseHeader('www-authenticate')`, REGISTER's
 * digest challenge). Why not Parser.parseMessage: it grammar-parses the status line, Via, From, To,
 * Call-ID, CSeq and Content-Length of every message, and SIP.js's generated grammar costs about half a
 * millisecond of CPU per call whatever the input (it rebuilds its tables on each call); those seven calls
 * per answer were about half the CPU of a probe round over 1,000 connections (bench/results/health.md).
 * A request, or a response without a status line, Call-ID or CSeq: undefined.
 */
export function readResponse(text: string): IncomingResponseMessage | undefined {
  const lineEnd = text.indexOf('\r\n');
  const status = lineEnd > 0 ? /^SIP\/2\.0 ([1-6]\d\d)(?: (.*))?$/i.exec(text.slice(0, lineEnd)) : null;
  if (!status) return undefined;
  const message = new IncomingResponseMessage();
  message.statusCode = Number(status[1]);
  message.reasonPhrase = status[2] ?? '';
  message.data = text;
  for (let start = lineEnd + 2; ;) {
    const end: number = Parser.getHeader(text, start);
    if (end === -2) break; // the empty line before the body
    const colon = text.indexOf(':', start);
    if (end < 0 || colon < 0 || colon > end) return undefined;
    const name = text.slice(start, colon).trim().toLowerCase();
    message.addHeader(COMPACT_NAMES[name] ?? name, text.slice(colon + 1, end).trim());
    start = end + 2;
  }
  const callId = message.getHeader('call-id');
  const cseq = /^(\d+)\s+(\S+)$/.exec(message.getHeader('cseq') ?? '');
  if (!callId || !cseq) return undefined;
  message.callId = callId;
  message.cseq = Number(cseq[1]);
  message.method = cseq[2]!;
  return message;
}

export interface Exchange {
  /** Sends `request` and waits for its final response (matched by Call-ID and CSeq). */
  request(build: (via: { host: string; transport: string }) => OutgoingRequestMessage): Promise<{
    response: IncomingResponseMessage;
    latencyMs: number;
  }>;
  close(): void;
}

export class TimeoutError extends Error {}

export async function openExchange(target: ProbeTarget, timeoutMs: number): Promise<Exchange> {
  let pending:
    | {
        callId: string;
        cseq: number;
        sentAt: number;
        resolve: (r: { response: IncomingResponseMessage; latencyMs: number }) => void;
        reject: (e: unknown) => void;
      }
    | undefined;
  const onMessage = (text: string): void => {
    if (!pending) return;
    const response = readResponse(text);
    if (!response || response.statusCode! < 200) return;
    if (response.callId !== pending.callId || response.cseq !== pending.cseq) return;
    const p = pending;
    pending = undefined;
    p.resolve({ response, latencyMs: Math.max(0, Math.round(performance.now() - p.sentAt)) });
  };
  const onError = (err: unknown): void => {
    const p = pending;
    pending = undefined;
    p?.reject(err);
  };
  let connectTimer: NodeJS.Timeout | undefined;
  const channel = await Promise.race([
    opener(target.transport)(target, onMessage, onError, timeoutMs),
    new Promise<never>((_, reject) => {
      connectTimer = setTimeout(() => reject(new TimeoutError('connect')), timeoutMs);
    }),
  ]).finally(() => clearTimeout(connectTimer));
  const via = {
    host: net.isIPv6(channel.localHost)
      ? `[${channel.localHost}]:${channel.localPort}`
      : `${channel.localHost}:${channel.localPort}`,
    transport: transportToken(target.transport),
  };
  return {
    request(build) {
      return new Promise((resolve, reject) => {
        const message = build(via);
        message.setViaHeader(`z9hG4bK${crypto.randomBytes(8).toString('hex')}`, via.transport);
        const timer = setTimeout(() => {
          pending = undefined;
          reject(new TimeoutError('answer'));
        }, timeoutMs);
        pending = {
          callId: message.callId,
          cseq: message.cseq,
          sentAt: performance.now(),
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e instanceof Error ? e : new Error(String(e)));
          },
        };
        channel.send(message.toString());
      });
    },
    close: () => channel.close(),
  };
}
