/**
 * Login tokens for Telnyx trunks: the browser logs in to Telnyx WebRTC with a short-lived JWT instead of
 * the connection's SIP password. Per trunk, one telephony credential is created at Telnyx once and its id
 * stored (sip_trunks.telnyx_credential_id); tokens minted from it are cached in memory until shortly
 * before they expire. A credential deleted at Telnyx is replaced on the next registration.
 */
import { LRUCache } from 'lru-cache';
import type { TelnyxRegistrationDto } from '../../shared/api.js';
import type { TrunkSettings } from '../../shared/domain.js';
import { DomainError, ErrorCode } from '../../shared/errors.js';
import { parseJson } from '../db/json.js';
import type { SipTrunkRow } from '../db/schema.js';
import type { Repositories } from '../repositories/index.js';
import type { TelnyxRepository } from '../repositories/telnyx/telnyx-repository.js';
import { telnyxNotConfigured } from '../repositories/telnyx/telnyx-repository.js';

/** A cached token is handed out only while it has at least this long left. */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;
/** Telnyx tokens carry `exp`; if one ever does not, assume this lifetime. */
const ASSUMED_TTL_MS = 10 * 60_000;
const MAX_CACHED = 1_000;

interface CachedToken {
  token: string;
  expiresAt: number;
  credentialId: string;
  connectionId: string;
}

export function jwtExpiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

export class TelnyxTokenService {
  private readonly cache = new LRUCache<string, CachedToken>({ max: MAX_CACHED });
  private readonly inFlight = new Map<string, Promise<CachedToken>>();

  constructor(
    private readonly repos: Pick<Repositories, 'telnyxLinks'>,
    private readonly telnyx: TelnyxRepository,
    private readonly rtcHost: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when this trunk registers with a login token (not with login/password). */
  usesToken(trunk: Pick<SipTrunkRow, 'provider' | 'settings' | 'telnyx_connection_id'>): boolean {
    if (trunk.provider !== 'telnyx' || !trunk.telnyx_connection_id) return false;
    return parseJson<TrunkSettings>(trunk.settings, {}).useLoginToken !== false;
  }

  /**
   * The Telnyx registration for a trunk, with a login token; null when this trunk uses login/password
   * instead (tokens turned off with settings.useLoginToken = false, or the trunk is not linked to a
   * Telnyx connection, so there is nothing to mint a token from). Throws TELNYX_NOT_CONFIGURED /
   * TELNYX_UNAVAILABLE / TELNYX_ERROR when a token is wanted but cannot be had.
   */
  async registrationFor(trunk: SipTrunkRow, user?: { name: string }): Promise<TelnyxRegistrationDto | null> {
    if (!this.usesToken(trunk)) return null;
    if (!this.telnyx.configured) throw telnyxNotConfigured();
    const t = await this.tokenFor(trunk);
    const settings = parseJson<TrunkSettings>(trunk.settings, {});
    return {
      provider: 'telnyx',
      connectionId: trunk.id,
      loginToken: t.token,
      tokenExpiresAt: new Date(t.expiresAt).toISOString(),
      displayName: trunk.display_name ?? user?.name ?? trunk.name,
      fallback: false,
      dtmfMode: settings.dtmfMode ?? 'rfc2833',
      ...(this.rtcHost ? { rtcHost: this.rtcHost } : {}),
    };
  }

  /** Forget a trunk's cached token (e.g. after its credential or connection changed). */
  invalidate(trunkId: string): void {
    this.cache.delete(trunkId);
  }

  private async tokenFor(trunk: SipTrunkRow): Promise<CachedToken> {
    const cached = this.cache.get(trunk.id);
    if (
      cached &&
      cached.connectionId === trunk.telnyx_connection_id &&
      cached.expiresAt - this.now() > TOKEN_REFRESH_MARGIN_MS
    ) {
      return cached;
    }
    const pending = this.inFlight.get(trunk.id);
    if (pending) return pending;
    const p = this.mint(trunk).finally(() => this.inFlight.delete(trunk.id));
    this.inFlight.set(trunk.id, p);
    return p;
  }

  private async mint(trunk: SipTrunkRow): Promise<CachedToken> {
    const connectionId = trunk.telnyx_connection_id!;
    const known = this.cache.peek(trunk.id);
    // The cache may know a newer credential id than the row we were given.
    let credentialId = known?.connectionId === connectionId ? known.credentialId : trunk.telnyx_credential_id;
    const verified = known?.connectionId === connectionId && known.credentialId === credentialId;
    if (credentialId && !verified) {
      // Not verified by this process yet: it must still exist and belong to the trunk's connection (an admin
      // may have relinked the trunk to another connection since it was created).
      const cred = await this.telnyx.getCredential(credentialId);
      if (!cred || cred.expired || cred.connectionId !== connectionId) {
        credentialId = await this.createCredential(trunk.id, connectionId, credentialId);
      }
    } else if (!credentialId) {
      credentialId = await this.createCredential(trunk.id, connectionId, null);
    }
    let token = await this.telnyx.createToken(credentialId);
    if (token === null) {
      // Deleted at Telnyx: make a new one and remember it instead.
      credentialId = await this.createCredential(trunk.id, connectionId, credentialId);
      token = await this.telnyx.createToken(credentialId);
    }
    if (!token) throw new DomainError(ErrorCode.TelnyxError, 'Telnyx did not issue a login token');
    const entry: CachedToken = {
      token,
      expiresAt: jwtExpiry(token) ?? this.now() + ASSUMED_TTL_MS,
      credentialId,
      connectionId,
    };
    this.cache.set(trunk.id, entry);
    return entry;
  }

  private async createCredential(
    trunkId: string,
    connectionId: string,
    replacing: string | null,
  ): Promise<string> {
    const cred = await this.telnyx.createCredential(connectionId, `dialer-trunk-${trunkId}`);
    return this.repos.telnyxLinks.saveCredentialId(trunkId, cred.id, replacing);
  }
}
