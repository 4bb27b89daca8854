/**
 * Requests the entry starts before the app's code has loaded (main.ts), so that the session check, the
 * connection list, the registration of the connection the dialer will select and the download of its SIP
 * stack run side by side with loading the app instead of one after another. The stores take each answer
 * once ({@link takeEarlySession}, {@link takeEarlyConnections}, {@link takeEarlyRegistration}); afterwards
 * (another user, a reload of the list, another connection) they ask the server themselves.
 */
import type { ConnectionListDto, RegistrationDto, SessionDto } from '../../shared/api.js';
import { preloadSoftphone } from '../../phone/index.js';
import { defaultConnection } from '../lib/default-connection.js';
import { api, type ApiClient, type RequestOptions } from './client.js';

/** How long the page waits for the connection list from the database, and what it says after that. */
export const DATABASE_LIST_OPTIONS: Pick<RequestOptions, 'timeoutMs' | 'timeoutMessage'> = {
  timeoutMs: 15_000,
  timeoutMessage: 'The server did not answer in 15 s.',
};

let session: Promise<SessionDto> | null = null;
let connections: Promise<ConnectionListDto> | null = null;
let registration: { connectionId: string; at: number; answer: Promise<RegistrationDto> } | null = null;

/** An early registration older than this is not used (a Telnyx login token in it ages). */
const REGISTRATION_FRESH_MS = 20_000;

/** Start the session check and (outside the login page) the connection list from the database. */
export function startEarlyRequests(pathname: string, client: ApiClient = api): void {
  session = client.me();
  session.catch(() => undefined); // whoever takes it sees the error; nobody may take it at all
  if (pathname === '/login') return;
  connections = client.listConnections('database', DATABASE_LIST_OPTIONS);
  // The connection the dialer will select (the same rule as the connections store): its SIP stack loads
  // and its registration is fetched while the app does.
  Promise.all([session, connections])
    .then(([signedIn, list]) => {
      const first = defaultConnection(list.connections);
      if (!first) return;
      preloadSoftphone(first.provider);
      client.setCsrfToken(signedIn.csrfToken); // the session store sets the same one when it takes it
      const answer = client.createRegistration(first.id);
      answer.catch(() => undefined);
      registration = { connectionId: first.id, at: Date.now(), answer };
    })
    .catch(() => undefined);
}

/** The session check started at load, once; null when there is none (then ask the server). */
export function takeEarlySession(): Promise<SessionDto> | null {
  const taken = session;
  session = null;
  return taken;
}

/**
 * The database's connection list started at load, once. It may have been refused (nobody was signed in
 * then): the caller asks again on any error.
 */
export function takeEarlyConnections(): Promise<ConnectionListDto> | null {
  const taken = connections;
  connections = null;
  return taken;
}

/**
 * The registration fetched at load for `connectionId`, once, if it is for that connection and fresh;
 * else null. It may have been refused: the caller asks again on any error.
 */
export function takeEarlyRegistration(connectionId: string): Promise<RegistrationDto> | null {
  const taken = registration;
  registration = null;
  if (!taken || taken.connectionId !== connectionId || Date.now() - taken.at > REGISTRATION_FRESH_MS)
    return null;
  return taken.answer;
}
