/**
 * The demo phone system (`npm run demo:phone`): a phone system on the developer's own machine that the
 * demo data's SIP trunks register with. What the server and the page need to know about it: where it
 * listens, and the one sentence an agent reads when it is not running.
 */

/** Where the demo phone system listens: the WebSocket server of the demo data's SIP trunks. */
export const DEMO_PHONE_WS_SERVER = 'ws://127.0.0.1:5066';

/** The command that starts it (README, "Try a real call"). */
export const DEMO_PHONE_COMMAND = 'npm run demo:phone';

/** What a demo trunk says when nothing answers at the demo phone system's address. */
export const DEMO_PHONE_NOT_RUNNING = `The demo phone system is not running — start it with ${DEMO_PHONE_COMMAND}`;

/** Whether a connection's WebSocket server is the demo phone system's address. */
export function isDemoPhoneServer(wsServer: string | null | undefined): boolean {
  return !!wsServer && wsServer.trim().replace(/\/+$/, '') === DEMO_PHONE_WS_SERVER;
}
