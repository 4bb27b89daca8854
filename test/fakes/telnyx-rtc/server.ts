/**
 * A fake Telnyx WebRTC signalling server speaking the JSON-RPC ("verto") dialect that the real
 * @telnyx/webrtc SDK uses (read from node_modules/@telnyx/webrtc/lib/bundle.mjs, v2.27):
 *
 *   client                                   server
 *   login {login_token | login+passwd}  ──▶
 *                                        ◀──  result {sessid}            (or error {code,message})
 *                                        ◀──  telnyx_rtc.clientReady
 *   telnyx_rtc.gatewayState             ──▶
 *                                        ◀──  result {params:{state:'REGED'}}  => SDK emits telnyx.ready
 *   telnyx_rtc.invite {sdp,dialogParams} ──▶
 *                                        ◀──  result {callID}, telnyx_rtc.ringing, [telnyx_rtc.media {sdp}],
 *                                             telnyx_rtc.answer {sdp}
 *   telnyx_rtc.modify {action:hold}      ──▶  result {holdState:'held'|'active'}
 *   telnyx_rtc.info {dtmf}               ──▶  result
 *   telnyx_rtc.bye                       ──▶  result
 *                                        ◀──  telnyx_rtc.invite (inbound), telnyx_rtc.bye, telnyx_rtc.ping
 *
 * A call that survives a socket drop (the SDK's keepConnectionAliveOnSocketClose): the SDK keeps the
 * call's media, reconnects and logs in again with its `sessid` (and `reconnection: true`); the server
 * re-attaches each call the session had answered:
 *
 *   login {sessid, reconnection}        ──▶
 *                                        ◀──  result {sessid}, telnyx_rtc.clientReady
 *   telnyx_rtc.gatewayState             ──▶
 *                                        ◀──  result REGED, telnyx_rtc.attach {callID, sdp (a new offer), ids}
 *   telnyx_rtc.attach {sdp (answer)}     ──▶  result                       => the SDK's call: recovering -> active
 *
 * Every message both ways is recorded in `messages`. SDP answers come from `opts.answerSdp` (e.g. a
 * real RTCPeerConnection in a second browser page) or, by default, a synthetic answer that is valid
 * for signalling but carries no media.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface RecordedMessage {
  dir: 'in' | 'out';
  at: number;
  msg: JsonRpc;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON-RPC params are free-form JSON from the SDK
type Json = Record<string, any>;

export interface JsonRpc {
  jsonrpc?: '2.0';
  id?: string | number;
  method?: string;
  params?: Json;
  result?: Json;
  error?: { code: number; message: string };
  /** The platform's id for this SDK instance: with it the SDK logs in again with its `sessid`. */
  voice_sdk_id?: string;
}

export interface InviteInfo {
  callID: string;
  destination: string;
  callerNumber: string;
  callerName: string;
  sdp: string;
}

/** What the far end does with an outbound call. */
export type InviteBehaviour =
  | { action: 'answer'; ringMs?: number; earlyMedia?: boolean; answerAfterMs?: number }
  | {
      action: 'reject';
      ringMs?: number;
      cause: string;
      causeCode: number;
      sipCode?: number;
      sipReason?: string;
    }
  | { action: 'ring' };

export interface FakeTelnyxRtcOptions {
  /** Accepted login tokens (default: any non-empty token). */
  tokens?: string[];
  /** Accepted login/password pairs. */
  credentials?: { login: string; password: string }[];
  /** Behaviour per outbound invite (default: ring 50 ms, then answer). */
  onInvite?: (invite: InviteInfo) => InviteBehaviour;
  /** Produce the SDP answer for an offer (default: synthetic answer). */
  answerSdp?: (offerSdp: string, invite: InviteInfo) => Promise<string>;
  /** Reply to gatewayState with this state (default REGED). */
  gatewayState?: string;
  /**
   * A call re-attached after the client's socket came back: the far end's new offer (default: a
   * synthetic one, no media), and what it does with the client's answer.
   */
  attachOffer?: (invite: InviteInfo) => Promise<string>;
  onAttachAnswer?: (answerSdp: string, invite: InviteInfo) => Promise<void>;
}

export interface FakeTelnyxRtc {
  /** ws://127.0.0.1:PORT — pass as RegistrationDto.rtcHost. */
  url: string;
  port: number;
  messages: RecordedMessage[];
  /** Methods the client sent, in order (requests only). */
  clientMethods(): string[];
  /** Sessions currently connected. */
  connectionCount(): number;
  /** Outbound calls seen, by callID. */
  invites: InviteInfo[];
  /** Wait until the client has sent a request with this method (optionally matching a predicate). */
  waitFor(method: string, pred?: (m: JsonRpc) => boolean, timeoutMs?: number): Promise<JsonRpc>;
  /** Send an inbound call to the (first/only) logged-in client. Returns the callID. */
  sendInboundInvite(opts: {
    from: string;
    fromName?: string;
    to: string;
    sdp: string;
    callID?: string;
  }): string;
  /** Hang a call up from the network side. */
  sendBye(callID: string, opts?: { cause?: string; causeCode?: number; sipCode?: number }): void;
  /** Server keep-alive: the SDK answers a telnyx_rtc.ping with its own telnyx_rtc.ping request. */
  sendPing(): void;
  /** Drop every client socket (simulates a network blip); answered calls are re-attached on re-login. */
  dropConnections(): void;
  /** Calls re-attached to a client that came back (telnyx_rtc.attach sent), by callID, in order. */
  attached: string[];
  stop(): Promise<void>;
}

export async function startFakeTelnyxRtc(opts: FakeTelnyxRtcOptions = {}): Promise<FakeTelnyxRtc> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const port = (wss.address() as AddressInfo).port;
  const messages: RecordedMessage[] = [];
  const invites: InviteInfo[] = [];
  const sessions = new Map<WebSocket, { sessid: string | null }>();
  /** The answered calls of each session (by sessid), which outlive its socket. */
  const liveCalls = new Map<string, Map<string, InviteInfo>>();
  const attached: string[] = [];
  const callsOf = (sessid: string | null): Map<string, InviteInfo> => {
    const key = sessid ?? '';
    let calls = liveCalls.get(key);
    if (!calls) liveCalls.set(key, (calls = new Map()));
    return calls;
  };
  const callEnded = (callID: unknown): void => {
    for (const calls of liveCalls.values()) calls.delete(String(callID));
  };
  const waiters: { method: string; pred: (m: JsonRpc) => boolean; resolve: (m: JsonRpc) => void }[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const send = (ws: WebSocket, msg: JsonRpc): void => {
    const full = { jsonrpc: '2.0' as const, ...msg };
    messages.push({ dir: 'out', at: Date.now(), msg: full });
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(full));
  };
  const request = (ws: WebSocket, method: string, params: Json): void =>
    send(ws, { id: randomUUID(), method, params });
  const reply = (ws: WebSocket, id: JsonRpc['id'], result: Json): void => send(ws, { id, result });

  const loggedIn = (): WebSocket | null => {
    for (const [ws, s] of sessions) if (s.sessid && ws.readyState === ws.OPEN) return ws;
    return null;
  };

  const checkLogin = (p: Json): boolean => {
    if (p.login_token)
      return opts.tokens ? opts.tokens.includes(p.login_token) : String(p.login_token).length > 0;
    const pass = p.passwd ?? p.password;
    return (opts.credentials ?? []).some((c) => c.login === p.login && c.password === pass);
  };

  const handleInvite = async (ws: WebSocket, m: JsonRpc): Promise<void> => {
    const p = m.params ?? {};
    const d = p.dialogParams ?? {};
    const invite: InviteInfo = {
      callID: String(d.callID ?? randomUUID()),
      destination: String(d.destination_number ?? ''),
      callerNumber: String(d.caller_id_number ?? ''),
      callerName: String(d.caller_id_name ?? ''),
      sdp: String(p.sdp ?? ''),
    };
    invites.push(invite);
    reply(ws, m.id, { callID: invite.callID, message: 'CALL CREATED', sessid: sessions.get(ws)?.sessid });
    const behaviour = opts.onInvite?.(invite) ?? { action: 'answer' };
    if (behaviour.action === 'ring') {
      later(20, () => request(ws, 'telnyx_rtc.ringing', { callID: invite.callID }));
      return;
    }
    const ringMs = behaviour.ringMs ?? 50;
    later(20, () => request(ws, 'telnyx_rtc.ringing', { callID: invite.callID }));
    if (behaviour.action === 'reject') {
      later(ringMs, () =>
        request(ws, 'telnyx_rtc.bye', {
          callID: invite.callID,
          cause: behaviour.cause,
          causeCode: behaviour.causeCode,
          sipCode: behaviour.sipCode,
          sipReason: behaviour.sipReason,
        }),
      );
      return;
    }
    const sdp = opts.answerSdp ? await opts.answerSdp(invite.sdp, invite) : synthesizeAnswer(invite.sdp);
    if (behaviour.earlyMedia) {
      later(ringMs, () => request(ws, 'telnyx_rtc.media', { callID: invite.callID, sdp }));
      later(ringMs + (behaviour.answerAfterMs ?? 100), () =>
        request(ws, 'telnyx_rtc.answer', { callID: invite.callID }),
      );
    } else {
      later(ringMs + (behaviour.answerAfterMs ?? 0), () =>
        request(ws, 'telnyx_rtc.answer', { callID: invite.callID, sdp }),
      );
    }
    callsOf(sessions.get(ws)?.sessid ?? null).set(invite.callID, invite);
  };

  /** The client came back with its session: offer each of its answered calls again (telnyx_rtc.attach). */
  const reattach = async (ws: WebSocket, sessid: string): Promise<void> => {
    for (const invite of callsOf(sessid).values()) {
      const sdp = opts.attachOffer
        ? await opts.attachOffer(invite)
        : synthesizeAnswer(invite.sdp).replace('a=setup:active', 'a=setup:actpass');
      attached.push(invite.callID);
      request(ws, 'telnyx_rtc.attach', {
        callID: invite.callID,
        sdp,
        caller_id_name: invite.callerName,
        caller_id_number: invite.callerNumber,
        callee_id_name: invite.destination,
        callee_id_number: invite.destination,
        display_direction: 'outbound',
      });
    }
  };

  const handle = (ws: WebSocket, m: JsonRpc): void => {
    const s = sessions.get(ws);
    if (!s) return;
    if (m.method) {
      for (const w of [...waiters]) {
        if (w.method === m.method && w.pred(m)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    }
    switch (m.method) {
      case 'login': {
        if (!checkLogin(m.params ?? {})) {
          // Not -32000 ("authentication required"): the SDK answers that one by logging in again, forever.
          send(ws, { id: m.id, error: { code: -32001, message: 'Authentication Failed' } });
          return;
        }
        s.sessid = String(m.params?.sessid || randomUUID());
        // voice_sdk_id: the SDK keeps it (sessionStorage) and, once it has one, logs in again after a
        // dropped socket with `reconnection: true` and its sessid, which is how calls get re-attached.
        send(ws, { id: m.id, result: { message: 'logged in', sessid: s.sessid }, voice_sdk_id: s.sessid });
        later(5, () => request(ws, 'telnyx_rtc.clientReady', {}));
        return;
      }
      case 'telnyx_rtc.gatewayState': {
        reply(ws, m.id, { params: { state: opts.gatewayState ?? 'REGED' }, sessid: s.sessid });
        const sessid = s.sessid;
        if (sessid && callsOf(sessid).size > 0)
          later(20, () => {
            void reattach(ws, sessid).catch((err: unknown) => {
              console.error('[fake telnyx] attach failed', err);
            });
          });
        return;
      }
      case 'telnyx_rtc.attach': {
        const callID = String(m.params?.dialogParams?.callID ?? '');
        const invite = callsOf(s.sessid).get(callID);
        const answered =
          invite && opts.onAttachAnswer
            ? opts.onAttachAnswer(String(m.params?.sdp ?? ''), invite)
            : Promise.resolve();
        void answered
          .then(() => reply(ws, m.id, { callID, message: 'CALL ATTACHED', sessid: s.sessid }))
          .catch((err: unknown) => {
            console.error('[fake telnyx] attach answer failed', err);
          });
        return;
      }
      case 'telnyx_rtc.invite':
        void handleInvite(ws, m).catch((err: unknown) => {
          console.error('[fake telnyx] invite failed', err);
        });
        return;
      case 'telnyx_rtc.modify': {
        const action = m.params?.action;
        const holdState = action === 'hold' ? 'held' : 'active';
        reply(ws, m.id, { action, callID: m.params?.dialogParams?.callID, holdState, sessid: s.sessid });
        return;
      }
      case 'telnyx_rtc.bye':
        callEnded(m.params?.dialogParams?.callID);
        reply(ws, m.id, { callID: m.params?.dialogParams?.callID, message: 'CALL ENDED', sessid: s.sessid });
        return;
      case undefined:
        return; // a response to one of our requests (clientReady, ringing, invite...): recorded only
      case 'telnyx_rtc.answer':
      case 'telnyx_rtc.info':
      case 'telnyx_rtc.ping':
      default:
        if (m.id !== undefined && m.method) reply(ws, m.id, { message: 'OK', sessid: s.sessid });
    }
  };

  wss.on('connection', (ws) => {
    sessions.set(ws, { sessid: null });
    ws.on('message', (data) => {
      let m: JsonRpc;
      try {
        m = JSON.parse(
          (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)).toString('utf8'),
        ) as JsonRpc;
      } catch {
        return;
      }
      messages.push({ dir: 'in', at: Date.now(), msg: m });
      handle(ws, m);
    });
    ws.on('close', () => sessions.delete(ws));
  });

  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    messages,
    invites,
    attached,
    clientMethods: () =>
      messages.filter((r) => r.dir === 'in' && r.msg.method).map((r) => r.msg.method as string),
    connectionCount: () => [...sessions.keys()].filter((ws) => ws.readyState === ws.OPEN).length,
    waitFor(method, pred = () => true, timeoutMs = 10_000) {
      const seen = messages.find((r) => r.dir === 'in' && r.msg.method === method && pred(r.msg));
      if (seen) return Promise.resolve(seen.msg);
      return new Promise((resolve, reject) => {
        const w = { method, pred, resolve: (m: JsonRpc) => (clearTimeout(t), resolve(m)) };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(
            new Error(
              `fake telnyx: no ${method} within ${timeoutMs} ms; got ${messages.map((r) => `${r.dir}:${r.msg.method ?? 'result'}`).join(', ')}`,
            ),
          );
        }, timeoutMs);
        waiters.push(w);
      });
    },
    sendInboundInvite({ from, fromName, to, sdp, callID }) {
      const ws = loggedIn();
      if (!ws) throw new Error('fake telnyx: no logged-in client');
      const id = callID ?? randomUUID();
      request(ws, 'telnyx_rtc.invite', {
        callID: id,
        sdp,
        caller_id_name: fromName ?? from,
        caller_id_number: from,
        callee_id_name: to,
        callee_id_number: to,
        display_direction: 'inbound',
      });
      return id;
    },
    sendBye(callID, o = {}) {
      const ws = loggedIn();
      if (!ws) throw new Error('fake telnyx: no logged-in client');
      callEnded(callID);
      request(ws, 'telnyx_rtc.bye', {
        callID,
        cause: o.cause ?? 'NORMAL_CLEARING',
        causeCode: o.causeCode ?? 16,
        sipCode: o.sipCode,
      });
    },
    sendPing() {
      const ws = loggedIn();
      if (!ws) throw new Error('fake telnyx: no logged-in client');
      request(ws, 'telnyx_rtc.ping', { serno: Date.now() });
    },
    dropConnections() {
      for (const ws of sessions.keys()) ws.terminate();
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      for (const ws of sessions.keys()) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/**
 * A syntactically valid SDP answer for an offer: same media sections, first codec + telephone-event,
 * DTLS role active, made-up ICE credentials and fingerprint. Good for signalling tests; no media flows.
 */
export function synthesizeAnswer(offer: string): string {
  const lines = offer.split(/\r?\n/).filter(Boolean);
  const out: string[] = ['v=0', `o=- ${Date.now()} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0'];
  const group = lines.find((l) => l.startsWith('a=group:BUNDLE'));
  if (group) out.push(group);
  out.push('a=msid-semantic: WMS fake');
  const sections: string[][] = [];
  for (const l of lines) {
    if (l.startsWith('m=')) sections.push([l]);
    else if (sections.length > 0) sections[sections.length - 1]!.push(l);
  }
  const fingerprint = Array.from({ length: 32 }, (_, i) =>
    ((i * 37 + 11) % 256).toString(16).padStart(2, '0').toUpperCase(),
  ).join(':');
  for (const sec of sections) {
    const [m, ...rest] = sec as [string, ...string[]];
    const parts = m.split(' ');
    const payloads = parts.slice(3);
    const rtpmaps = new Map(
      rest.filter((l) => l.startsWith('a=rtpmap:')).map((l) => [l.slice(9).split(' ')[0]!, l]),
    );
    const first = payloads[0]!;
    const dtmf = payloads.find((p) => /telephone-event\/8000/i.test(rtpmaps.get(p) ?? ''));
    const chosen = [first, ...(dtmf && dtmf !== first ? [dtmf] : [])];
    out.push(
      `${parts[0]} 9 ${parts[2]} ${chosen.join(' ')}`,
      'c=IN IP4 127.0.0.1',
      'a=rtcp:9 IN IP4 127.0.0.1',
    );
    out.push(
      'a=ice-ufrag:fake',
      'a=ice-pwd:fakefakefakefakefakefake',
      `a=fingerprint:sha-256 ${fingerprint}`,
      'a=setup:active',
    );
    const mid = rest.find((l) => l.startsWith('a=mid:'));
    if (mid) out.push(mid);
    out.push('a=sendrecv', 'a=rtcp-mux');
    for (const p of chosen) {
      const map = rtpmaps.get(p);
      if (map) out.push(map);
      for (const f of rest.filter((l) => l.startsWith(`a=fmtp:${p} `))) out.push(f);
    }
    out.push('a=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host');
  }
  return `${out.join('\r\n')}\r\n`;
}
