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
  type TelnyxRegistrationIssuer,
} from '../../../src/server/services/registration-service.js';
import { DomainError } from '../../../src/shared/errors.js';
import { aTrunk, aUser, emptyStore, fakeRepositories, type FakeStore } from './fake-repositories.js';

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

async function failure(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof DomainError)) throw new Error(`expected a domain error, got ${String(err)}`);
  return err;
}

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
});
