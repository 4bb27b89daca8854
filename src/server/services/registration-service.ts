/**
 * What the browser needs to register one connection: the only place a SIP password leaves the server,
 * and only to the trunk's owner. Order of preference: the trunk's own credentials; else the server's
 * default credentials for that provider (`fallback: true`); else 409 NO_CREDENTIALS.
 *
 * Telnyx: when a token issuer is wired (the container passes TelnyxTokenService), it
 * answers first (a short-lived login token, so the password need not reach the browser); when it answers
 * null (tokens off for that trunk) the login/password registration below is used.
 */
import type {
  UserDto,
  RegistrationDto,
  SipRegistrationDto,
  TelnyxRegistrationDto,
} from '../../shared/api.js';
import { ConflictError, DomainError, ErrorCode, NotFoundError } from '../../shared/errors.js';
import type { Config } from '../config.js';
import type { SipTrunkRow } from '../db/schema.js';
import type { CredentialCipher } from '../repositories/credential-cipher.js';
import type { Repositories } from '../repositories/index.js';
import { parseSettings } from './connection-mapper.js';

export type RegistrationUser = Pick<UserDto, 'id' | 'name'>;

/** Mints Telnyx login tokens; answers null for trunks that register with login/password instead. */
export interface TelnyxRegistrationIssuer {
  registrationFor(trunk: SipTrunkRow, user: RegistrationUser): Promise<TelnyxRegistrationDto | null>;
}

export const NO_CREDENTIALS_MESSAGE =
  'This connection has no SIP credentials and no default credentials are configured. Ask an administrator to add them.';

export class RegistrationService {
  constructor(
    private readonly repos: Pick<Repositories, 'trunks' | 'audit'>,
    private readonly cipher: CredentialCipher,
    private readonly config: Pick<Config, 'defaultSip' | 'defaultTelnyx' | 'iceServers' | 'telnyx'>,
    /** Mints Telnyx login tokens; undefined = Telnyx trunks register with login/password. */
    private readonly telnyxTokens?: TelnyxRegistrationIssuer,
  ) {}

  async registrationFor(user: RegistrationUser, trunkId: string): Promise<RegistrationDto> {
    const trunk = await this.repos.trunks.findSecret(trunkId);
    if (!trunk || trunk.owner_id !== user.id || trunk.status !== 'active')
      throw new NotFoundError('Connection');
    let result: RegistrationDto;
    if (trunk.provider === 'telnyx') {
      const issuer = this.telnyxTokens;
      result =
        (issuer ? await issuer.registrationFor(trunk, user) : null) ?? this.passwordRegistration(trunk, user);
    } else {
      result = this.sipRegistration(trunk, user);
    }
    await this.repos.audit.record({
      actorId: user.id,
      action: 'connection.registration',
      entityType: 'trunk',
      entityId: trunk.id,
      details: {
        provider: result.provider,
        fallback: result.fallback,
        token: 'loginToken' in result && !!result.loginToken,
      },
    });
    return result;
  }

  /** Telnyx login + password (the trunk's, else the configured default). */
  passwordRegistration(trunk: SipTrunkRow, user: RegistrationUser): TelnyxRegistrationDto {
    const settings = parseSettings(trunk.settings);
    const base = {
      provider: 'telnyx' as const,
      connectionId: trunk.id,
      displayName: trunk.display_name ?? user.name,
      dtmfMode: settings.dtmfMode ?? 'rfc2833',
      ...(this.config.telnyx.rtcHost ? { rtcHost: this.config.telnyx.rtcHost } : {}),
    };
    if (trunk.sip_username && trunk.sip_password_enc) {
      return { ...base, login: trunk.sip_username, password: this.decrypt(trunk), fallback: false };
    }
    const d = this.config.defaultTelnyx;
    if (d.login && d.password) return { ...base, login: d.login, password: d.password, fallback: true };
    throw new DomainError(ErrorCode.NoCredentials, NO_CREDENTIALS_MESSAGE);
  }

  private sipRegistration(trunk: SipTrunkRow, user: RegistrationUser): SipRegistrationDto {
    const settings = parseSettings(trunk.settings);
    const base = {
      provider: 'sip' as const,
      connectionId: trunk.id,
      displayName: trunk.display_name ?? user.name,
      dtmfMode: settings.dtmfMode ?? 'rfc2833',
      sendPAssertedIdentity: settings.sendPAssertedIdentity ?? true,
      iceServers: this.config.iceServers,
    };
    if (trunk.sip_username && trunk.sip_password_enc) {
      const wsServer = trunk.ws_server ?? this.config.defaultSip.wsServer;
      const domain = trunk.sip_uri ?? this.config.defaultSip.sipUri;
      if (!wsServer || !domain) {
        throw new ConflictError(
          'This connection has credentials but no WebSocket server or SIP URI. Ask an administrator to complete it.',
        );
      }
      return {
        ...base,
        wsServer,
        sipUri: sipUriFor(trunk.sip_username, domain),
        authorizationUser: trunk.sip_username,
        password: this.decrypt(trunk),
        fallback: false,
      };
    }
    const d = this.config.defaultSip;
    const wsServer = d.wsServer ?? trunk.ws_server;
    if (d.username && d.password && wsServer && (d.sipUri ?? trunk.sip_uri)) {
      return {
        ...base,
        wsServer,
        sipUri: sipUriFor(d.username, (d.sipUri ?? trunk.sip_uri)!),
        authorizationUser: d.username,
        password: d.password,
        fallback: true,
      };
    }
    throw new DomainError(ErrorCode.NoCredentials, NO_CREDENTIALS_MESSAGE);
  }

  private decrypt(trunk: SipTrunkRow): string {
    try {
      return this.cipher.decrypt(trunk.sip_password_enc!);
    } catch {
      // A changed CREDENTIALS_KEY or a damaged row: say so instead of a 500.
      throw new ConflictError(
        "This connection's stored password cannot be decrypted (was CREDENTIALS_KEY changed?). Ask an administrator to set it again.",
      );
    }
  }
}

/** "sip:alice@sip.example.com" from a user name and either a full SIP URI or a bare domain. */
export function sipUriFor(username: string, uriOrDomain: string): string {
  if (/^sips?:[^@]+@/i.test(uriOrDomain)) return uriOrDomain;
  const domain = uriOrDomain.replace(/^sips?:/i, '');
  return `sip:${username}@${domain}`;
}
