/**
 * SIP probes: an OPTIONS over the connection's WebSocket server (RFC 7118, what the browser uses) and
 * over UDP, TCP or TLS to the SIP URI's host (RFC 3263: SRV when no port is given), and a REGISTER
 * with the connection's credentials for an admin's live check. Messages are built, parsed and
 * digest-authenticated by SIP.js's core (sip.js/lib/core): no hand-assembled SIP. This file only moves
 * bytes and measures time; what the answers mean for the trunk is the health rules' business.
 */
import crypto from 'node:crypto';
import dns from 'node:dns';
import net from 'node:net';
import { LRUCache } from 'lru-cache';
import { DigestAuthentication, OutgoingRequestMessage } from 'sip.js/lib/core/index.js';
import { Grammar, type URI } from 'sip.js/lib/grammar/index.js';
import {
  errorWords,
  loggerFactory,
  openExchange,
  TimeoutError,
  type Exchange,
  type ProbeTarget,
  type ProbeTransport,
} from './sip-channel.js';

export type { ProbeTarget, ProbeTransport } from './sip-channel.js';

export interface ProbeAnswer {
  target: string;
  ok: boolean;
  latencyMs: number | null;
  /** Plain words. */
  detail: string;
  statusCode: number | null;
  /** The target could not be addressed at all (bad URL, a SIP domain that is only a realm). */
  skipped?: boolean;
}

export interface RegisterAnswer {
  ok: boolean;
  statusCode: number | null;
  detail: string;
}

export interface SipCredentials {
  /** sip:user@domain */
  aor: string;
  username: string;
  password: string;
}

const USER_AGENT = 'Dialer health check';

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** Any final answer means "alive", except the server saying it cannot serve now (408 and 5xx but 501). */
export function answerMeansAlive(status: number): boolean {
  if (status === 408) return false;
  if (status >= 500 && status !== 501) return false;
  return true;
}

/**
 * Parsed URIs by text. SIP.js's grammar costs about half a millisecond of CPU per call whatever the
 * input (its generated parser rebuilds its tables on every call), and a round parses the same few
 * addresses for every connection: that was about a fifth of the CPU of a 1,000-connection round.
 * Read-only: OutgoingRequestMessage clones the URIs it is given, and nothing here changes one.
 */
const parsedUris = new LRUCache<string, URI | false>({ max: 2000 });

function uriOf(text: string): URI | undefined {
  let uri = parsedUris.get(text);
  if (uri === undefined) {
    uri = Grammar.URIParse(text) ?? false;
    parsedUris.set(text, uri);
  }
  return uri || undefined;
}

function parseUri(text: string): URI | undefined {
  return uriOf(/^sips?:/i.test(text) ? text : `sip:${text}`);
}

/** The request URI for OPTIONS to a server: sip:host[:port], no user (the server itself answers). */
function serverUri(target: ProbeTarget, domain?: string): URI {
  const host = domain ?? (net.isIPv6(target.host) ? `[${target.host}]` : target.host);
  const scheme = target.transport === 'tls' || target.transport === 'wss' ? 'sips' : 'sip';
  const port = domain ? '' : `:${target.port}`;
  return uriOf(`${scheme}:${host}${port}`)!;
}

function fromUri(): URI {
  return uriOf('sip:health-check@dialer.invalid')!;
}

export interface SipProbeOptions {
  /** Overrides DNS SRV resolution (tests). */
  resolveSrv?: (name: string) => Promise<dns.SrvRecord[]>;
  /** Overrides A/AAAA resolution (tests). */
  lookup?: (host: string) => Promise<string>;
}

export class SipProbeRepository {
  private readonly resolveSrv: (name: string) => Promise<dns.SrvRecord[]>;
  private readonly lookup: (host: string) => Promise<string>;

  constructor(options: SipProbeOptions = {}) {
    this.resolveSrv = options.resolveSrv ?? ((name) => dns.promises.resolveSrv(name));
    this.lookup = options.lookup ?? (async (host) => (await dns.promises.lookup(host)).address);
  }

  /** The WebSocket server as a target, or why it cannot be one. */
  wsTarget(wsServer: string): ProbeTarget | ProbeAnswer {
    let url: URL;
    try {
      url = new URL(wsServer);
    } catch {
      return skipped(wsServer, `"${wsServer}" is not a WebSocket URL`);
    }
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
      return skipped(wsServer, `"${wsServer}" is not a ws:// or wss:// URL`);
    }
    const transport = url.protocol === 'wss:' ? 'wss' : 'ws';
    const port = url.port ? Number(url.port) : transport === 'wss' ? 443 : 80;
    return { transport, host: url.hostname.replace(/^\[|\]$/g, ''), port, url: wsServer, label: wsServer };
  }

  /**
   * The SIP URI's host as a target (RFC 3263: transport from `sips:` or `;transport=`, SRV when no port),
   * or why it cannot be one. A domain that neither has SRV records nor resolves is a realm only (the
   * browser reaches the trunk through its WebSocket server): skipped, not a failure.
   */
  async sipTarget(sipUri: string): Promise<ProbeTarget | ProbeAnswer> {
    const uri = parseUri(sipUri.trim());
    if (!uri) return skipped(sipUri, `"${sipUri}" is not a SIP URI`);
    const secure = uri.scheme.toLowerCase() === 'sips';
    const param = String(uri.getParam('transport') ?? '').toLowerCase();
    const transport: ProbeTransport = secure || param === 'tls' ? 'tls' : param === 'tcp' ? 'tcp' : 'udp';
    if (param === 'ws' || param === 'wss') return skipped(sipUri, 'the SIP URI names a WebSocket transport');
    const host = uri.host.replace(/^\[|\]$/g, '');
    const label = (h: string, p: number) => `${transport}:${h.includes(':') ? `[${h}]` : h}:${p}`;
    if (uri.port) return { transport, host, port: uri.port, label: label(host, uri.port) };
    const defaultPort = transport === 'tls' ? 5061 : 5060;
    if (net.isIP(host)) return { transport, host, port: defaultPort, label: label(host, defaultPort) };
    const service = transport === 'tls' ? '_sips._tcp' : transport === 'tcp' ? '_sip._tcp' : '_sip._udp';
    try {
      const records = await this.resolveSrv(`${service}.${host}`);
      const best = [...records].sort((a, b) => a.priority - b.priority || b.weight - a.weight)[0];
      if (best) {
        return {
          transport,
          host: best.name,
          port: best.port,
          label: `${label(best.name, best.port)} (SRV ${service}.${host})`,
        };
      }
    } catch {
      // no SRV records: the host itself on the default port (RFC 3263 4.2)
    }
    try {
      await this.lookup(host);
    } catch {
      return skipped(label(host, defaultPort), `${host} does not resolve (used as a SIP domain only)`);
    }
    return { transport, host, port: defaultPort, label: label(host, defaultPort) };
  }

  /** One OPTIONS to the server; any answer but 408/5xx means it is alive. */
  async options(target: ProbeTarget, timeoutMs: number, domain?: string): Promise<ProbeAnswer> {
    let exchange: Exchange | undefined;
    try {
      exchange = await openExchange(target, timeoutMs);
      const ruri = serverUri(target, domain);
      const { response, latencyMs } = await exchange.request(
        (via) =>
          new OutgoingRequestMessage('OPTIONS', ruri, fromUri(), ruri, {
            forceRport: true,
            viaHost: via.host,
            userAgentString: USER_AGENT,
          }),
      );
      const status = response.statusCode!;
      const alive = answerMeansAlive(status);
      return {
        target: target.label,
        ok: alive,
        latencyMs,
        statusCode: status,
        detail: alive
          ? `OPTIONS answered ${status} ${response.reasonPhrase ?? ''} in ${latencyMs} ms`.replace('  ', ' ')
          : `OPTIONS answered ${status} ${response.reasonPhrase ?? ''}`.trim(),
      };
    } catch (err) {
      return {
        target: target.label,
        ok: false,
        latencyMs: null,
        statusCode: null,
        detail: failure(err, target, timeoutMs, 'OPTIONS'),
      };
    } finally {
      exchange?.close();
    }
  }

  /**
   * REGISTER with the credentials (digest, RFC 2617/8760 through SIP.js), then unREGISTER the same
   * contact at once, so the check leaves nothing behind.
   */
  async register(target: ProbeTarget, creds: SipCredentials, timeoutMs: number): Promise<RegisterAnswer> {
    let exchange: Exchange | undefined;
    try {
      exchange = await openExchange(target, timeoutMs);
      const aor = parseUri(creds.aor);
      if (!aor) return { ok: false, statusCode: null, detail: `"${creds.aor}" is not a SIP URI` };
      const registrar = Grammar.URIParse(`${aor.scheme}:${aor.host}${aor.port ? `:${aor.port}` : ''}`)!;
      const callId = crypto.randomBytes(10).toString('hex');
      const fromTag = crypto.randomBytes(5).toString('hex');
      let cseq = 1;
      const contactUser = `health-${crypto.randomBytes(4).toString('hex')}`;
      const ex = exchange;
      const send = async (expires: number, authorization?: { name: string; value: string }) =>
        ex.request((via) => {
          const transportParam =
            target.transport === 'ws' || target.transport === 'wss' ? `;transport=${target.transport}` : '';
          const headers = [
            `Contact: <sip:${contactUser}@${via.host}${transportParam}>;expires=${expires}`,
            `Expires: ${expires}`,
          ];
          if (authorization) headers.push(`${authorization.name}: ${authorization.value}`);
          return new OutgoingRequestMessage(
            'REGISTER',
            registrar,
            aor,
            aor,
            {
              callId,
              cseq: cseq++,
              fromTag,
              forceRport: true,
              viaHost: via.host,
              userAgentString: USER_AGENT,
            },
            headers,
          );
        });
      let { response } = await send(60);
      let authorization: { name: string; value: string } | undefined;
      if (response.statusCode === 401 || response.statusCode === 407) {
        const header = response.statusCode === 401 ? 'www-authenticate' : 'proxy-authenticate';
        const challenge: unknown = response.parseHeader(header);
        const digest = new DigestAuthentication(loggerFactory, undefined, creds.username, creds.password);
        // The digest is computed over the request it answers: build that request's twin.
        const probe = new OutgoingRequestMessage('REGISTER', registrar, aor, aor, { callId, cseq, fromTag });
        if (!challenge || !digest.authenticate(probe, challenge)) {
          return {
            ok: false,
            statusCode: response.statusCode,
            detail: 'registration refused: the server asked for a login it cannot be given',
          };
        }
        authorization = {
          name: response.statusCode === 401 ? 'Authorization' : 'Proxy-Authorization',
          value: digest.toString(),
        };
        ({ response } = await send(60, authorization));
      }
      const status = response.statusCode!;
      if (status >= 200 && status < 300) {
        await send(0, authorization).catch(() => undefined);
        return {
          ok: true,
          statusCode: status,
          detail: `registered as ${creds.username} (${status} ${response.reasonPhrase ?? 'OK'})`,
        };
      }
      return { ok: false, statusCode: status, detail: registrationRefusal(status, response.reasonPhrase) };
    } catch (err) {
      return { ok: false, statusCode: null, detail: failure(err, target, timeoutMs, 'REGISTER') };
    } finally {
      exchange?.close();
    }
  }
}

/** "registration refused: wrong password" and its kin, from a REGISTER's final status. */
export function registrationRefusal(status: number, phrase?: string): string {
  if (status === 401 || status === 403 || status === 407) return 'registration refused: wrong password';
  if (status === 404) return 'registration refused: unknown user';
  if (status === 408) return 'registration timed out at the server';
  return `registration refused: ${status}${phrase ? ` ${phrase}` : ''}`;
}

function skipped(target: string, detail: string): ProbeAnswer {
  return { target, ok: false, latencyMs: null, statusCode: null, detail, skipped: true };
}

function failure(err: unknown, target: ProbeTarget, timeoutMs: number, method: string): string {
  if (err instanceof TimeoutError) {
    return err.message === 'connect'
      ? `cannot reach ${target.label} within ${seconds(timeoutMs)}`
      : `no answer to ${method} in ${seconds(timeoutMs)}`;
  }
  return `cannot reach ${target.label} (${errorWords(err)})`;
}

export function isTarget(x: ProbeTarget | ProbeAnswer): x is ProbeTarget {
  return 'transport' in x;
}
