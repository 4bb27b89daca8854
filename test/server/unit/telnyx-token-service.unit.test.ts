/**
 * Login tokens for Telnyx trunks (TelnyxTokenService) against an in-memory Telnyx account: which trunks
 * use a token, the registration handed to the browser, one credential per trunk created once and
 * replaced when Telnyx lost it or it belongs elsewhere, tokens cached until shortly before they expire,
 * one mint at a time per trunk.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { SipTrunkRow } from '../../../src/server/db/schema.js';
import type { Repositories } from '../../../src/server/repositories/index.js';
import {
  jwtExpiry,
  TelnyxTokenService,
  TOKEN_REFRESH_MARGIN_MS,
} from '../../../src/server/services/telnyx-token-service.js';
import { ErrorCode } from '../../../src/shared/errors.js';
import { aJwt, fakeTelnyx, partial, type FakeTelnyx } from './fake-telnyx.js';
import { aTrunk, failure } from './fake-repositories.js';

const START = 1_800_000_000_000;
const HOUR_S = 3600;

describe('TelnyxTokenService', () => {
  let telnyx: FakeTelnyx;
  let trunk: SipTrunkRow;
  let now: number;
  /** The credential id stored per trunk (sip_trunks.telnyx_credential_id), as the repository keeps it. */
  let stored: Map<string, string | null>;
  let saves: string[];
  let service: TelnyxTokenService;

  const build = (rtcHost: string | undefined) => {
    const telnyxLinks = partial<Repositories['telnyxLinks']>('telnyxLinks', {
      saveCredentialId: (trunkId, credentialId, replacing) => {
        saves.push(`${trunkId}:${credentialId}:${replacing}`);
        const current = stored.get(trunkId) ?? null;
        if (current === replacing) stored.set(trunkId, credentialId);
        return Promise.resolve(stored.get(trunkId) ?? credentialId);
      },
    });
    return new TelnyxTokenService({ telnyxLinks }, telnyx.api, rtcHost, () => now);
  };

  beforeEach(() => {
    now = START;
    telnyx = fakeTelnyx({ tokenExp: START / 1000 + HOUR_S });
    trunk = aTrunk('user-1', {
      provider: 'telnyx',
      name: 'Telnyx main',
      telnyx_connection_id: 'conn-1',
      settings: '{}',
    });
    stored = new Map([[trunk.id, null]]);
    saves = [];
    service = build('wss://rtc.example.test');
  });

  describe('usesToken', () => {
    it('is true only for a Telnyx trunk linked to a connection, unless tokens are turned off', () => {
      expect(service.usesToken(trunk)).toBe(true);
      expect(service.usesToken({ ...trunk, settings: '{"useLoginToken":true}' })).toBe(true);
      expect(service.usesToken({ ...trunk, settings: 'not json' })).toBe(true);
      expect(service.usesToken({ ...trunk, settings: '{"useLoginToken":false}' })).toBe(false);
      expect(service.usesToken({ ...trunk, provider: 'sip' })).toBe(false);
      expect(service.usesToken({ ...trunk, telnyx_connection_id: null })).toBe(false);
      expect(service.usesToken({ ...trunk, telnyx_connection_id: '' })).toBe(false);
    });
  });

  describe('registrationFor', () => {
    it('answers null for trunks without a token, without asking Telnyx (configured or not)', async () => {
      telnyx.configured = false;
      expect(await service.registrationFor({ ...trunk, provider: 'sip' })).toBeNull();
      expect(await service.registrationFor({ ...trunk, telnyx_connection_id: null })).toBeNull();
      expect(await service.registrationFor({ ...trunk, settings: '{"useLoginToken":false}' })).toBeNull();
      expect(telnyx.calls).toEqual([]);
    });

    it('refuses with TELNYX_NOT_CONFIGURED when a token is wanted but there is no API key', async () => {
      telnyx.configured = false;
      const err = await failure(service.registrationFor(trunk));
      expect(err.code).toBe(ErrorCode.TelnyxNotConfigured);
      expect(telnyx.calls).toEqual([]);
    });

    it('creates the trunk its credential once, stores it, and hands out a token with its expiry', async () => {
      const dto = await service.registrationFor(trunk, { name: 'Ada' });
      expect(dto).toStrictEqual({
        provider: 'telnyx',
        connectionId: trunk.id,
        loginToken: aJwt(START / 1000 + HOUR_S, 1),
        tokenExpiresAt: new Date(START + HOUR_S * 1000).toISOString(),
        displayName: 'Ada',
        fallback: false,
        dtmfMode: 'rfc2833',
        rtcHost: 'wss://rtc.example.test',
      });
      expect(telnyx.calls).toEqual([
        `createCredential(conn-1,dialer-trunk-${trunk.id})`,
        'createToken(cred-new-1)',
      ]);
      expect(saves).toEqual([`${trunk.id}:cred-new-1:null`]);
      expect(stored.get(trunk.id)).toBe('cred-new-1');
    });

    it('names the caller by the trunk display name, else the user, else the trunk; DTMF from settings', async () => {
      const named = { ...trunk, display_name: 'Sales line', settings: '{"dtmfMode":"info"}' };
      const dto = await service.registrationFor(named, { name: 'Ada' });
      expect(dto?.displayName).toBe('Sales line');
      expect(dto?.dtmfMode).toBe('info');
      expect((await service.registrationFor(trunk))?.displayName).toBe('Telnyx main');
    });

    it('leaves rtcHost out when none is configured', async () => {
      for (const host of [undefined, '']) {
        const dto = await build(host).registrationFor(trunk);
        expect(dto).not.toHaveProperty('rtcHost');
      }
    });

    it('assumes ten minutes for a token without exp', async () => {
      telnyx.tokenExp = null;
      const dto = await service.registrationFor(trunk);
      expect(dto?.tokenExpiresAt).toBe(new Date(START + 10 * 60_000).toISOString());
    });
  });

  describe('the token cache', () => {
    it('hands out the cached token until it has the refresh margin left, then mints from the same credential', async () => {
      const first = await service.registrationFor(trunk);
      const expires = START + HOUR_S * 1000;
      now = expires - TOKEN_REFRESH_MARGIN_MS - 1;
      expect((await service.registrationFor(trunk))?.loginToken).toBe(first?.loginToken);
      expect(telnyx.calls).toHaveLength(2);

      now = expires - TOKEN_REFRESH_MARGIN_MS;
      telnyx.tokenExp = START / 1000 + 2 * HOUR_S;
      const second = await service.registrationFor(trunk);
      expect(second?.loginToken).not.toBe(first?.loginToken);
      expect(second?.tokenExpiresAt).toBe(new Date(START + 2 * HOUR_S * 1000).toISOString());
      // The credential this process created is trusted: no lookup, no new credential.
      expect(telnyx.calls.slice(2)).toEqual(['createToken(cred-new-1)']);
    });

    it('refreshes a token with less than five minutes left', async () => {
      const first = await service.registrationFor(trunk);
      now = START + HOUR_S * 1000 - 4 * 60_000;
      const second = await service.registrationFor(trunk);
      expect(second?.loginToken).not.toBe(first?.loginToken);
    });

    it('trusts the credential it knows even when the trunk row it is given is older', async () => {
      await service.registrationFor(trunk);
      now = START + HOUR_S * 1000; // expired
      await service.registrationFor(trunk); // the row still says telnyx_credential_id null
      expect(telnyx.calls).toEqual([
        `createCredential(conn-1,dialer-trunk-${trunk.id})`,
        'createToken(cred-new-1)',
        'createToken(cred-new-1)',
      ]);
    });

    it('mints anew after invalidate, checking the stored credential first', async () => {
      await service.registrationFor(trunk);
      service.invalidate(trunk.id);
      const dto = await service.registrationFor({ ...trunk, telnyx_credential_id: 'cred-new-1' });
      expect(dto?.loginToken).toBe(aJwt(START / 1000 + HOUR_S, 2));
      expect(telnyx.calls.slice(2)).toEqual(['getCredential(cred-new-1)', 'createToken(cred-new-1)']);
    });

    it('does not hand out a token of the connection the trunk was linked to before', async () => {
      await service.registrationFor(trunk);
      const relinked = { ...trunk, telnyx_connection_id: 'conn-2', telnyx_credential_id: 'cred-new-1' };
      stored.set(trunk.id, 'cred-new-1');
      const dto = await service.registrationFor(relinked);
      expect(dto?.loginToken).toBe(aJwt(START / 1000 + HOUR_S, 2));
      expect(telnyx.calls.slice(2)).toEqual([
        'getCredential(cred-new-1)',
        `createCredential(conn-2,dialer-trunk-${trunk.id})`,
        'createToken(cred-new-2)',
      ]);
      expect(saves.at(-1)).toBe(`${trunk.id}:cred-new-2:cred-new-1`);
    });

    it('mints once for concurrent registrations of one trunk, and again once that is done', async () => {
      const [a, b] = await Promise.all([service.registrationFor(trunk), service.registrationFor(trunk)]);
      expect(a?.loginToken).toBe(b?.loginToken);
      expect(telnyx.calls.filter((c) => c.startsWith('createToken'))).toHaveLength(1);
      service.invalidate(trunk.id);
      await service.registrationFor(trunk);
      expect(telnyx.calls.filter((c) => c.startsWith('createToken'))).toHaveLength(2);
    });
  });

  describe('the trunk credential', () => {
    const withCredential = (id: string) => {
      stored.set(trunk.id, id);
      return { ...trunk, telnyx_credential_id: id };
    };

    it('uses a stored credential that still exists on the trunk connection', async () => {
      telnyx.credentials.push({ id: 'cred-old', name: null, connectionId: 'conn-1', expired: false });
      await service.registrationFor(withCredential('cred-old'));
      expect(telnyx.calls).toEqual(['getCredential(cred-old)', 'createToken(cred-old)']);
      expect(saves).toEqual([]);
    });

    it.each([
      ['deleted at Telnyx', null],
      ['expired', { id: 'cred-old', name: null, connectionId: 'conn-1', expired: true }],
      ['of another connection', { id: 'cred-old', name: null, connectionId: 'conn-9', expired: false }],
    ])('replaces a stored credential %s', async (_why, cred) => {
      if (cred) telnyx.credentials.push(cred);
      const dto = await service.registrationFor(withCredential('cred-old'));
      expect(telnyx.calls).toEqual([
        'getCredential(cred-old)',
        `createCredential(conn-1,dialer-trunk-${trunk.id})`,
        'createToken(cred-new-1)',
      ]);
      expect(saves).toEqual([`${trunk.id}:cred-new-1:cred-old`]);
      expect(dto?.loginToken).toBe(aJwt(START / 1000 + HOUR_S, 1));
    });

    it('uses the credential another instance stored first', async () => {
      telnyx.credentials.push({ id: 'cred-theirs', name: null, connectionId: 'conn-1', expired: false });
      stored.set(trunk.id, 'cred-theirs'); // saved by the other instance after we read the row
      await service.registrationFor(trunk);
      expect(telnyx.calls).toEqual([
        `createCredential(conn-1,dialer-trunk-${trunk.id})`,
        'createToken(cred-theirs)',
      ]);
    });

    it('replaces a credential Telnyx deleted after it was checked (no token for it)', async () => {
      telnyx.credentials.push({ id: 'cred-old', name: null, connectionId: 'conn-1', expired: false });
      telnyx.refuseTokensFor.add('cred-old');
      const dto = await service.registrationFor(withCredential('cred-old'));
      expect(telnyx.calls).toEqual([
        'getCredential(cred-old)',
        'createToken(cred-old)',
        `createCredential(conn-1,dialer-trunk-${trunk.id})`,
        'createToken(cred-new-1)',
      ]);
      expect(saves).toEqual([`${trunk.id}:cred-new-1:cred-old`]);
      expect(dto?.loginToken).toBe(aJwt(START / 1000 + HOUR_S, 1));
    });

    it('fails with TELNYX_ERROR when even a new credential gets no token, and tries again next time', async () => {
      telnyx.refuseTokensFor = new Set(['cred-new-1', 'cred-new-2']);
      const err = await failure(service.registrationFor(trunk));
      expect(err.code).toBe(ErrorCode.TelnyxError);
      expect(err.message).toBe('Telnyx did not issue a login token');
      expect(telnyx.calls.filter((c) => c.startsWith('createToken'))).toEqual([
        'createToken(cred-new-1)',
        'createToken(cred-new-2)',
      ]);
      telnyx.refuseTokensFor.clear();
      const dto = await service.registrationFor(trunk);
      expect(dto?.loginToken).toBe(aJwt(START / 1000 + HOUR_S, 1));
    });
  });
});

describe('jwtExpiry', () => {
  it('reads exp (seconds) as milliseconds', () => {
    expect(jwtExpiry(aJwt(1_900_000_000))).toBe(1_900_000_000_000);
  });

  it('is null without a payload, with an unreadable payload or a non-numeric exp', () => {
    expect(jwtExpiry('opaque-token')).toBeNull();
    expect(jwtExpiry('a..c')).toBeNull();
    expect(jwtExpiry('a.not-json.c')).toBeNull();
    expect(jwtExpiry(aJwt(null))).toBeNull();
    const stringExp = Buffer.from(JSON.stringify({ exp: '1900000000' })).toString('base64url');
    expect(jwtExpiry(`a.${stringExp}.c`)).toBeNull();
  });
});
