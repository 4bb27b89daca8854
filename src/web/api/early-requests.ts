/**
 * Requests the entry starts before the app's code has loaded (main.ts), so that the session check, the
 * connection list, the registration of the connection the dialer will select and the download of its SIP
 * stack run side by side with loading the app instead of one after another; and, once the registration
 * and the SIP stack are there, the phone itself starts registering, while the app is still evaluating and
 * mounting. The stores take each once ({@link takeEarlySession}, {@link takeEarlyConnections},
 * {@link takeEarlyPhone}); afterwards (another user, a reload of the list, another connection) they ask
 * the server themselves.
 */
import type { ConnectionListDto, RegistrationDto, SessionDto } from '../../shared/api.js';
import type { Provider } from '../../shared/domain.js';
import { createSoftphone, preloadSoftphone, type Softphone } from '../../phone/index.js';
import { defaultConnection } from '../lib/default-connection.js';
import { api, type ApiClient, type RequestOptions } from './client.js';

/** How long the page waits for the connection list from the database, and what it says after that. */
export const DATABASE_LIST_OPTIONS: Pick<RequestOptions, 'timeoutMs' | 'timeoutMessage'> = {
  timeoutMs: 15_000,
  timeoutMessage: 'The server did not answer in 15 s.',
};

let session: Promise<SessionDto> | null = null;
let connections: Promise<ConnectionListDto> | null = null;

/** A phone started at load: registering with the connection the dialer will select. */
export interface EarlyPhone {
  softphone: Softphone;
  /** What it registers with (the server's answer for the connection). */
  registration: RegistrationDto;
  /** Settles once registering did or failed (the softphone's registration state says which). */
  registered: Promise<void>;
}

let phone: {
  connectionId: string;
  userId: string;
  started: Promise<EarlyPhone>;
  /** The same, once started: the store attaches it without waiting (see takeEarlyPhone). */
  ready?: EarlyPhone;
} | null = null;

/** This browser's SIP stack last time (localStorage). */
const PROVIDER_KEY = 'dialer.lastProvider';
/**
 * A phone nobody took within this long is ended (the page chose another connection, or never shows
 * one); past it the store registers a phone of its own.
 */
const PHONE_UNCLAIMED_MS = 20_000;

/** Start the session check and (outside the login page) the connection list from the database. */
export function startEarlyRequests(pathname: string, client: ApiClient = api): void {
  session = client.me();
  session.catch(() => undefined); // whoever takes it sees the error; nobody may take it at all
  if (pathname === '/login') return;
  connections = client.listConnections('database', DATABASE_LIST_OPTIONS);
  // The SIP stack this browser registered with last time starts loading now rather than when the list
  // has answered: its chunk is then evaluated before the app's, and the phone starts on the registration's
  // answer instead of after the app has mounted.
  let last: string | null = null;
  try {
    last = localStorage.getItem(PROVIDER_KEY);
  } catch {
    // storage disabled (privacy settings): the stack loads once the list has answered
  }
  if (last === 'sip' || last === 'telnyx') preloadSoftphone(last);
  // The connection the dialer will select (the same rule as the connections store): its SIP stack loads
  // and its registration is fetched while the app does, and its phone registers as soon as both are here.
  Promise.all([session, connections])
    .then(([signedIn, list]) => {
      const first = defaultConnection(list.connections);
      if (!first) return;
      preloadSoftphone(first.provider); // at most one load per stack: import() keeps it
      try {
        localStorage.setItem(PROVIDER_KEY, first.provider);
      } catch {
        // storage full or disabled: nothing remembered
      }
      client.setCsrfToken(signedIn.csrfToken); // the session store sets the same one when it takes it
      const entry: NonNullable<typeof phone> = {
        connectionId: first.id,
        userId: signedIn.user.id,
        started: startPhone(first.provider, client.createRegistration(first.id)),
      };
      phone = entry;
      entry.started.then(
        (p) => (entry.ready = p),
        () => undefined,
      );
      setTimeout(() => phone === entry && takeEarlyPhone(null, null), PHONE_UNCLAIMED_MS);
    })
    .catch(() => undefined);
}

/**
 * The softphone for `provider`, registering with the server's answer (the store gives it the agent's
 * audio devices when it takes it: they matter from the first call on, and keep this entry small).
 */
function startPhone(provider: Provider, answer: Promise<RegistrationDto>): Promise<EarlyPhone> {
  const sdk = createSoftphone(provider);
  return answer.then(
    async (registration) => {
      let softphone = await sdk;
      if (registration.provider !== softphone.provider) {
        await softphone.destroy();
        softphone = await createSoftphone(registration.provider);
      }
      const registered = softphone.register(registration);
      registered.catch(() => undefined); // the state says why; the store reads it
      return { softphone, registration, registered };
    },
    (err: unknown) => {
      void sdk.then((p) => p.destroy()).catch(() => undefined);
      throw err;
    },
  );
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
 * The phone started at load, once, if it is for `connectionId` and `userId` (null: whoever it is for);
 * else null, and a phone started for another connection or user (or for none: null) is ended. Itself
 * when it has started (a caller inside Vue's flush can then show it in the same render, rather than
 * after the whole flush that renders the page), else the promise of it, which rejects when it could not
 * start (the registration was refused, the SDK did not load): the caller then starts its own.
 */
export function takeEarlyPhone(
  connectionId: string | null,
  userId: string | null,
): EarlyPhone | Promise<EarlyPhone> | null {
  const taken = phone;
  phone = null;
  if (taken?.connectionId === connectionId && (userId === null || taken.userId === userId))
    return taken.ready ?? taken.started;
  void taken?.started.then(
    (p) => p.softphone.destroy(),
    () => undefined,
  );
  return null;
}
