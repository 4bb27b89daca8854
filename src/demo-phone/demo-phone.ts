/**
 * The demo phone system: a phone system on this machine for trying real calls with the demo data.
 * Kamailio registers the demo SIP trunks' users over WebSocket on the address the demo trunks use
 * (ws://127.0.0.1:5066) and routes each one's numbers to them; rtpengine bridges the browser's WebRTC
 * audio to plain RTP; a SIPp UAS answers the echo number and plays the caller's audio back.
 *
 * It knows nothing of the demo data itself: `dialer demo-phone` (src/cli/commands/demo-phone.ts) hands it
 * the accounts and numbers from the demo seed. The users' passwords reach Kamailio only through its
 * generated configuration, in a private temp dir (0700, file 0600) that stop() removes.
 */
import net from 'node:net';
import { startEchoResponder, type EchoResponder } from './echo-responder.js';
import { freePort } from './processes.js';
import { startSipServer, type SipAccount, type SipServer } from './sip-server.js';

export interface DemoPhoneOptions {
  /** SIP accounts that may register (the demo trunks' usernames and passwords). */
  users: SipAccount[];
  /** E.164 number -> username it reaches. */
  numbers: Record<string, string>;
  /** The number the echo peer answers. */
  echoNumber: string;
  /** SIP domain (digest realm) of the accounts. */
  domain: string;
  /** Port of the SIP-over-WebSocket listener on 127.0.0.1. */
  wsPort: number;
}

export interface DemoPhone {
  wsUrl: string;
  domain: string;
  echoNumber: string;
  server: SipServer;
  echo: EchoResponder;
  /** Stops the echo peer, Kamailio and rtpengine and removes the temp dir; idempotent. */
  stop(): Promise<void>;
}

export class DemoPhonePortInUseError extends Error {
  constructor(readonly port: number) {
    super(
      `Port ${port} on 127.0.0.1 is already in use: is the demo phone system already running (in another terminal)?`,
    );
  }
}

function tcpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export async function startDemoPhone(opts: DemoPhoneOptions): Promise<DemoPhone> {
  if (!(await tcpPortFree(opts.wsPort))) throw new DemoPhonePortInUseError(opts.wsPort);
  const echoPort = await freePort();
  const echoUri = `sip:echo@127.0.0.1:${echoPort}`;
  const server = await startSipServer({
    users: opts.users,
    domain: opts.domain,
    aliases: opts.numbers,
    peers: { [opts.echoNumber]: echoUri },
    withRtpengine: true,
    wsPort: opts.wsPort,
    dirPrefix: 'dialer-demo-phone-',
  });
  let echo: EchoResponder;
  try {
    echo = await startEchoResponder({
      proxyPort: server.sipUdpPort,
      localPort: echoPort,
      parentDir: server.dir,
    });
  } catch (err) {
    await server.stop();
    throw err;
  }
  let stopping: Promise<void> | null = null;
  return {
    wsUrl: server.wsUrl,
    domain: server.domain,
    echoNumber: opts.echoNumber,
    server,
    echo,
    stop() {
      stopping ??= (async () => {
        await echo.stop();
        await server.stop();
      })();
      return stopping;
    },
  };
}
