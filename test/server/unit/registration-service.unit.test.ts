/**
 * Registration fallback (RegistrationService), on in-memory repositories: a connection's own
 * credentials first, else the server's defaults for its provider (`fallback: true`), else 409
 * NO_CREDENTIALS; Telnyx trunks ask the token issuer first. Only the owner of an active connection gets
 * anything, and the audit entry never holds a secret.
 */
import crypto from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/server/config.js';
import { createCredentialCipher } from '../../../src/server/repositories/credential-cipher.js';
import {
  RegistrationService,
  sipUriFor,
  type TelnyxRegistrationIssuer,
} from '../../../src/server/services/registration-service.js';
import { aTrunk, aUser, emptyStore, failure, fakeRepositories, type FakeStore } from './fake-repositories.js';

type RegistrationConfig = Pick<Config, 'defaultSip' | 'defaultTelnyx' | 'iceServers' | 'telnyx'>;

const NO_DEFAULTS: RegistrationConfig = {
  defaultSip: {},
  defaultTelnyx: {},
  iceServers: [],
  telnyx: { timeoutMs: 1000, syncIntervalMinutes: 0 },
};
const DEFAULTS: RegistrationConfig = {
  ...NO_DEFAULTS,
  defaultSip: {
    username: 'shared',
    password: 'shared-pass',
    wsServer: 'wss://default.example.test',
    sipUri: 'default.example.test',
  },
  defaultTelnyx: { login: 'tx-shared', password: 'tx-shared-pass' },
};

describe('RegistrationService fallback', () => {
  const cipher = createCredentialCipher(crypto.randomBytes(32));
  const owner = aUser({ name: 'Owner' });
  const stranger = aUser();
  let store: FakeStore;

  const service = (config: RegistrationConfig, issuer?: TelnyxRegistrationIssuer) =>
    new RegistrationService(fakeRepositories(store), cipher, config, issuer);
  const add = (o: Parameters<typeof aTrunk>[1]) => {
    const t = aTrunk(owner.id, o);
    store.trunks.push(t);
    return t.id;
  };

  beforeEach(() => {
    store = emptyStore();
    store.users.push(owner, stranger);
  });

  it("uses the connection's own credentials when it has them, whatever the defaults", async () => {
    const id = add({ sip_username: 'alice', sip_password_enc: cipher.encrypt('own-pass') });
    const r = await service(DEFAULTS).registrationFor(owner, id);
    expect(r).toMatchObject({
      provider: 'sip',
      authorizationUser: 'alice',
      password: 'own-pass',
      sipUri: 'sip:alice@sip.example.test',
      fallback: false,
    });
  });

  it('falls back to the default credentials of the provider when the connection has none', async () => {
    const sip = add({});
    const telnyx = add({ provider: 'telnyx' });
    expect(await service(DEFAULTS).registrationFor(owner, sip)).toMatchObject({
      provider: 'sip',
      authorizationUser: 'shared',
      password: 'shared-pass',
      fallback: true,
    });
    expect(await service(DEFAULTS).registrationFor(owner, telnyx)).toMatchObject({
      provider: 'telnyx',
      login: 'tx-shared',
      password: 'tx-shared-pass',
      fallback: true,
    });
  });

  it('answers 409 NO_CREDENTIALS when neither the connection nor the server has any', async () => {
    for (const id of [add({}), add({ provider: 'telnyx' }), add({ sip_username: 'only-a-name' })]) {
      const err = await failure(service(NO_DEFAULTS).registrationFor(owner, id));
      expect(err.code).toBe('NO_CREDENTIALS');
    }
  });

  it('asks the token issuer first for Telnyx trunks, and uses login/password when it declines', async () => {
    const id = add({
      provider: 'telnyx',
      sip_username: 'txuser',
      sip_password_enc: cipher.encrypt('tx-pass'),
    });
    let asked = 0;
    const token: TelnyxRegistrationIssuer = {
      registrationFor: (trunk) => {
        asked++;
        return Promise.resolve({
          provider: 'telnyx',
          connectionId: trunk.id,
          loginToken: 'jwt',
          displayName: 'x',
          fallback: false,
          dtmfMode: 'rfc2833',
        });
      },
    };
    const declines: TelnyxRegistrationIssuer = { registrationFor: () => Promise.resolve(null) };
    const viaToken = await service(NO_DEFAULTS, token).registrationFor(owner, id);
    expect(viaToken).toMatchObject({ loginToken: 'jwt' });
    expect(viaToken).not.toHaveProperty('password');
    expect(await service(NO_DEFAULTS, declines).registrationFor(owner, id)).toMatchObject({
      login: 'txuser',
      password: 'tx-pass',
      fallback: false,
    });
    expect(asked).toBe(1);
  });

  it("hides another user's, an inactive and an unknown connection behind the same 404", async () => {
    const mine = add({ sip_username: 'alice', sip_password_enc: cipher.encrypt('p') });
    const inactive = add({
      status: 'inactive',
      sip_username: 'alice',
      sip_password_enc: cipher.encrypt('p'),
    });
    for (const [user, id] of [
      [stranger, mine],
      [owner, inactive],
      [owner, 'no-such-trunk'],
    ] as const) {
      const err = await failure(service(DEFAULTS).registrationFor(user, id));
      expect(err.message).toBe('Connection was not found');
    }
    expect(store.audit).toHaveLength(0);
  });

  it('says so when the stored password cannot be decrypted, instead of failing obscurely', async () => {
    const other = createCredentialCipher(crypto.randomBytes(32));
    const id = add({ sip_username: 'alice', sip_password_enc: other.encrypt('p') });
    const err = await failure(service(DEFAULTS).registrationFor(owner, id));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toMatch(/CREDENTIALS_KEY/);
  });

  it('audits each hand-out without the secret', async () => {
    const id = add({ sip_username: 'alice', sip_password_enc: cipher.encrypt('Secret-Pass-77') });
    await service(DEFAULTS).registrationFor(owner, id);
    expect(store.audit).toEqual([
      {
        actorId: owner.id,
        action: 'connection.registration',
        entityType: 'trunk',
        entityId: id,
        details: { provider: 'sip', fallback: false, token: false },
      },
    ]);
    expect(JSON.stringify(store.audit)).not.toContain('Secret-Pass-77');
  });

  it('audits a token hand-out as a token, and a default-credential one as a fallback', async () => {
    const telnyx = add({ provider: 'telnyx' });
    const issuer: TelnyxRegistrationIssuer = {
      registrationFor: (trunk) =>
        Promise.resolve({
          provider: 'telnyx',
          connectionId: trunk.id,
          loginToken: 'jwt',
          displayName: 'x',
          fallback: false,
          dtmfMode: 'rfc2833',
        }),
    };
    await service(NO_DEFAULTS, issuer).registrationFor(owner, telnyx);
    await service(DEFAULTS).registrationFor(owner, telnyx);
    expect(store.audit.map((a) => a.details)).toEqual([
      { provider: 'telnyx', fallback: false, token: true },
      { provider: 'telnyx', fallback: true, token: false },
    ]);
  });

  it("carries the trunk's display name and call settings, else the user's name and the defaults", async () => {
    const plain = add({ sip_username: 'alice', sip_password_enc: cipher.encrypt('p') });
    const tuned = add({
      sip_username: 'alice',
      sip_password_enc: cipher.encrypt('p'),
      display_name: 'Front Desk',
      settings: JSON.stringify({ dtmfMode: 'info', sendPAssertedIdentity: false }),
    });
    const telnyxTuned = add({
      provider: 'telnyx',
      display_name: 'Sales',
      settings: JSON.stringify({ dtmfMode: 'info' }),
    });
    const withIce = { ...DEFAULTS, iceServers: [{ urls: 'stun:stun.example.test:3478' }] };
    expect(await service(withIce).registrationFor(owner, plain)).toMatchObject({
      displayName: 'Owner',
      dtmfMode: 'rfc2833',
      sendPAssertedIdentity: true,
      iceServers: [{ urls: 'stun:stun.example.test:3478' }],
    });
    expect(await service(DEFAULTS).registrationFor(owner, tuned)).toMatchObject({
      displayName: 'Front Desk',
      dtmfMode: 'info',
      sendPAssertedIdentity: false,
    });
    const tx = await service(DEFAULTS).registrationFor(owner, telnyxTuned);
    expect(tx).toMatchObject({ displayName: 'Sales', dtmfMode: 'info' });
    expect(tx).not.toHaveProperty('rtcHost');
    const txOwner = await service(DEFAULTS).registrationFor(owner, add({ provider: 'telnyx' }));
    expect(txOwner).toMatchObject({ displayName: 'Owner', dtmfMode: 'rfc2833' });
    const withHost = { ...DEFAULTS, telnyx: { ...DEFAULTS.telnyx, rtcHost: 'wss://rtc.example.test' } };
    expect(await service(withHost).registrationFor(owner, telnyxTuned)).toMatchObject({
      rtcHost: 'wss://rtc.example.test',
    });
  });

  it("needs both a user name and a password before it uses the connection's own credentials", async () => {
    const nameOnly = add({ sip_username: 'alice' });
    const passwordOnly = add({ sip_password_enc: cipher.encrypt('p') });
    const telnyxNameOnly = add({ provider: 'telnyx', sip_username: 'txuser' });
    for (const id of [nameOnly, passwordOnly])
      expect(await service(DEFAULTS).registrationFor(owner, id)).toMatchObject({
        authorizationUser: 'shared',
        fallback: true,
      });
    expect(await service(DEFAULTS).registrationFor(owner, telnyxNameOnly)).toMatchObject({
      login: 'tx-shared',
      fallback: true,
    });
    // Half a default is no default either.
    for (const half of [{ login: 'tx-shared' }, { password: 'tx-shared-pass' }]) {
      const err = await failure(
        service({ ...NO_DEFAULTS, defaultTelnyx: half }).registrationFor(owner, telnyxNameOnly),
      );
      expect(err.code).toBe('NO_CREDENTIALS');
    }
  });

  it("uses the trunk's own server and domain, else the defaults; says so when neither has one", async () => {
    const own = add({
      sip_username: 'alice',
      sip_password_enc: cipher.encrypt('p'),
      ws_server: 'wss://own.example.test',
      sip_uri: 'own.example.test',
    });
    const bare = add({
      sip_username: 'alice',
      sip_password_enc: cipher.encrypt('p'),
      ws_server: null,
      sip_uri: null,
    });
    expect(await service(DEFAULTS).registrationFor(owner, own)).toMatchObject({
      wsServer: 'wss://own.example.test',
      sipUri: 'sip:alice@own.example.test',
    });
    expect(await service(DEFAULTS).registrationFor(owner, bare)).toMatchObject({
      wsServer: 'wss://default.example.test',
      sipUri: 'sip:alice@default.example.test',
      fallback: false,
    });
    for (const defaultSip of [
      {},
      { wsServer: 'wss://default.example.test' },
      { sipUri: 'default.example.test' },
    ]) {
      const err = await failure(service({ ...NO_DEFAULTS, defaultSip }).registrationFor(owner, bare));
      expect(err.code).toBe('CONFLICT');
      expect(err.message).toMatch(/no WebSocket server or SIP URI/);
    }
  });

  it("fills the default credentials' missing server or domain from the trunk, and needs all four parts", async () => {
    const trunk = add({ ws_server: 'wss://trunk.example.test', sip_uri: 'trunk.example.test' });
    const noServerNoDomain = add({ ws_server: null, sip_uri: null });
    const partial = { username: 'shared', password: 'shared-pass' };
    expect(
      await service({ ...NO_DEFAULTS, defaultSip: partial }).registrationFor(owner, trunk),
    ).toMatchObject({
      wsServer: 'wss://trunk.example.test',
      sipUri: 'sip:shared@trunk.example.test',
      fallback: true,
    });
    expect(await service(DEFAULTS).registrationFor(owner, trunk)).toMatchObject({
      wsServer: 'wss://default.example.test',
      sipUri: 'sip:shared@default.example.test',
    });
    for (const defaultSip of [
      partial,
      { ...DEFAULTS.defaultSip, username: undefined },
      { ...DEFAULTS.defaultSip, password: undefined },
    ]) {
      const err = await failure(
        service({ ...NO_DEFAULTS, defaultSip }).registrationFor(owner, noServerNoDomain),
      );
      expect(err.code).toBe('NO_CREDENTIALS');
    }
  });
});

describe('sipUriFor', () => {
  it.each([
    ['alice', 'sip.example.test', 'sip:alice@sip.example.test'],
    ['alice', 'sip:sip.example.test', 'sip:alice@sip.example.test'],
    ['alice', 'SIPS:sip.example.test', 'sip:alice@sip.example.test'],
    ['alice', 'sip:bob@sip.example.test', 'sip:bob@sip.example.test'],
    ['alice', 'sips:bob@sip.example.test', 'sips:bob@sip.example.test'],
    ['alice', 'sip:b@x.test', 'sip:b@x.test'],
    ['alice', 'host.sip:5060', 'sip:alice@host.sip:5060'],
    ['alice', 'xsip:bob@x.test', 'sip:alice@xsip:bob@x.test'],
  ])('%s at %s is %s', (user, uri, expected) => {
    expect(sipUriFor(user, uri)).toBe(expected);
  });
});
