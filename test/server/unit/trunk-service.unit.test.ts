/**
 * Admin management of trunks (TrunkService) on the in-memory repositories: what a create stores and its
 * defaults, the write-only password (stored encrypted, kept when omitted, removed with null, never in the
 * audit), activation time, owner checks, updates that change nothing write nothing, and a trunk the call
 * history refers to is not deleted.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CredentialCipher } from '../../../src/server/repositories/credential-cipher.js';
import { TrunkService } from '../../../src/server/services/trunk-service.js';
import { ErrorCode } from '../../../src/shared/errors.js';
import { adminFakes, emptyAdminStore, type AdminStore } from './fake-admin-repositories.js';
import { aTrunk, aUser, failure } from './fake-repositories.js';

const NOW = '2026-12-02T06:00:00.000Z';
const cipher: CredentialCipher = {
  encrypt: (plain) => `enc(${plain})`,
  decrypt: () => {
    throw new Error('the service never decrypts');
  },
};

describe('TrunkService', () => {
  let store: AdminStore;
  let service: TrunkService;
  const admin = aUser({ id: 'admin-1', role: 'admin' });
  const agent = aUser({ id: 'agent-1' });

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(NOW));
    store = emptyAdminStore();
    store.users.push({ ...admin }, { ...agent });
    const { repos, transaction } = adminFakes(store);
    service = new TrunkService(repos, transaction, cipher);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('create', () => {
    it('stores every field given, the password encrypted, and audits without the password', async () => {
      const dto = await service.create(
        {
          ownerId: agent.id,
          name: 'Chicago',
          provider: 'telnyx',
          connectionType: 'ip',
          status: 'pending',
          telnyxConnectionId: 'tc-1',
          telnyxCredentialId: 'cred-1',
          sipUri: 'sip.chicago.test',
          wsServer: 'wss://chicago.test:7443',
          username: 'chi',
          password: 's3cret',
          displayName: 'Chicago office',
          settings: { codec: 'opus' } as never,
          region: 'us-central',
          location: 'Chicago',
          channelLimit: 12,
          emergencyCalls: true,
          notes: 'main line',
        },
        admin.id,
        { id: 'trunk-new' },
      );
      expect(store.trunks).toHaveLength(1);
      expect(store.trunks[0]).toMatchObject({
        id: 'trunk-new',
        owner_id: agent.id,
        name: 'Chicago',
        provider: 'telnyx',
        connection_type: 'ip',
        status: 'pending',
        telnyx_connection_id: 'tc-1',
        telnyx_credential_id: 'cred-1',
        sip_uri: 'sip.chicago.test',
        ws_server: 'wss://chicago.test:7443',
        sip_username: 'chi',
        sip_password_enc: 'enc(s3cret)',
        display_name: 'Chicago office',
        settings: '{"codec":"opus"}',
        region: 'us-central',
        location: 'Chicago',
        channel_limit: 12,
        emergency_calls: 1,
        notes: 'main line',
        health_status: 'unknown',
        activated_at: null,
        created_at: NOW,
        updated_at: NOW,
      });
      expect(store.audit).toStrictEqual([
        {
          actorId: admin.id,
          action: 'trunk.create',
          entityType: 'trunk',
          entityId: 'trunk-new',
          details: { name: 'Chicago', provider: 'telnyx', ownerId: agent.id, passwordStored: true },
        },
      ]);
      expect(dto).toMatchObject({
        id: 'trunk-new',
        ownerId: agent.id,
        hasPassword: true,
        hasCredentials: true,
        emergencyCalls: true,
        settings: { codec: 'opus' },
        status: 'pending',
      });
      expect(JSON.stringify(dto)).not.toContain('s3cret');
    });

    it('fills the defaults: a credential trunk, active since now, without password or extras', async () => {
      const dto = await service.create({ ownerId: agent.id, name: 'Bare', provider: 'sip' }, null);
      const row = store.trunks[0]!;
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row).toMatchObject({
        connection_type: 'credential',
        status: 'active',
        telnyx_connection_id: null,
        telnyx_credential_id: null,
        sip_uri: null,
        ws_server: null,
        sip_username: null,
        sip_password_enc: null,
        display_name: null,
        settings: '{}',
        region: null,
        location: null,
        channel_limit: null,
        emergency_calls: 0,
        notes: null,
        activated_at: NOW,
      });
      expect(store.audit[0]).toMatchObject({
        actorId: null,
        details: { name: 'Bare', provider: 'sip', ownerId: agent.id, passwordStored: false },
      });
      expect(dto).toMatchObject({ id: row.id, hasPassword: false, emergencyCalls: false, activatedAt: NOW });
    });

    it('refuses an owner who does not exist and stores nothing', async () => {
      const err = await failure(service.create({ ownerId: 'ghost', name: 'X', provider: 'sip' }, admin.id));
      expect(err.code).toBe(ErrorCode.ValidationFailed);
      expect(err.details).toEqual({ field: 'ownerId' });
      expect(store.trunks).toEqual([]);
      expect(store.audit).toEqual([]);
    });
  });

  describe('update', () => {
    let trunk: ReturnType<typeof aTrunk>;
    beforeEach(() => {
      trunk = aTrunk(agent.id, {
        id: 'trunk-1',
        name: 'Old',
        sip_password_enc: 'enc(old)',
        status: 'inactive',
        activated_at: null,
        updated_at: '2026-01-01T00:00:00.000Z',
      });
      store.trunks.push(trunk);
    });

    it('answers 404 for an unknown trunk', async () => {
      const err = await failure(service.update('nope', { name: 'X' }, admin.id));
      expect(err.code).toBe(ErrorCode.NotFound);
      expect(err.message).toBe('Trunk was not found');
    });

    it('copies each plain field it is given to its column and names it in the audit', async () => {
      const dto = await service.update(
        trunk.id,
        {
          name: 'New',
          provider: 'telnyx',
          connectionType: 'fqdn',
          telnyxConnectionId: 'tc-9',
          telnyxCredentialId: 'cred-9',
          sipUri: 'sip.new.test',
          wsServer: 'wss://new.test',
          username: 'newuser',
          displayName: 'New office',
          region: 'eu',
          location: 'Paris',
          channelLimit: 3,
          notes: null,
        },
        admin.id,
      );
      expect(store.trunks[0]).toMatchObject({
        name: 'New',
        provider: 'telnyx',
        connection_type: 'fqdn',
        telnyx_connection_id: 'tc-9',
        telnyx_credential_id: 'cred-9',
        sip_uri: 'sip.new.test',
        ws_server: 'wss://new.test',
        sip_username: 'newuser',
        display_name: 'New office',
        region: 'eu',
        location: 'Paris',
        channel_limit: 3,
        notes: null,
        sip_password_enc: 'enc(old)',
        status: 'inactive',
        updated_at: NOW,
      });
      expect(store.audit).toStrictEqual([
        {
          actorId: admin.id,
          action: 'trunk.update',
          entityType: 'trunk',
          entityId: trunk.id,
          details: {
            name: 'Old',
            changed: [
              'name',
              'provider',
              'connectionType',
              'telnyxConnectionId',
              'telnyxCredentialId',
              'sipUri',
              'wsServer',
              'username',
              'displayName',
              'region',
              'location',
              'channelLimit',
              'notes',
            ],
          },
        },
      ]);
      expect(dto).toMatchObject({ name: 'New', hasPassword: true, username: 'newuser' });
    });

    it('moves the trunk to another existing owner, and refuses an unknown one', async () => {
      await service.update(trunk.id, { ownerId: admin.id }, admin.id);
      expect(store.trunks[0]!.owner_id).toBe(admin.id);
      expect(store.audit[0]!.details).toEqual({ name: 'Old', changed: ['ownerId'] });
      const err = await failure(service.update(trunk.id, { ownerId: 'ghost' }, admin.id));
      expect(err.details).toEqual({ field: 'ownerId' });
      expect(store.trunks[0]!.owner_id).toBe(admin.id);
    });

    it('changes nothing (and writes nothing) when the owner sent is the current one', async () => {
      const dto = await service.update(trunk.id, { ownerId: agent.id }, admin.id);
      expect(store.audit).toEqual([]);
      expect(store.trunks[0]!.updated_at).toBe('2026-01-01T00:00:00.000Z');
      expect(dto.ownerId).toBe(agent.id);
    });

    it('writes nothing and audits nothing for an empty update', async () => {
      const dto = await service.update(trunk.id, {}, admin.id);
      expect(store.trunks[0]).toStrictEqual(trunk);
      expect(store.audit).toEqual([]);
      expect(dto).toMatchObject({ id: trunk.id, name: 'Old', hasPassword: true });
    });

    it('turns emergency calls on and off, and stores settings as JSON', async () => {
      await service.update(trunk.id, { emergencyCalls: true, settings: { a: 1 } as never }, admin.id);
      expect(store.trunks[0]).toMatchObject({ emergency_calls: 1, settings: '{"a":1}' });
      expect(store.audit[0]!.details).toEqual({ name: 'Old', changed: ['emergencyCalls', 'settings'] });
      await service.update(trunk.id, { emergencyCalls: false }, admin.id);
      expect(store.trunks[0]!.emergency_calls).toBe(0);
    });

    it('stamps the first activation, and keeps the first one on a later re-activation', async () => {
      await service.update(trunk.id, { status: 'active' }, admin.id);
      expect(store.trunks[0]).toMatchObject({ status: 'active', activated_at: NOW });
      expect(store.audit[0]!.details).toEqual({ name: 'Old', changed: ['status'] });

      vi.setSystemTime(new Date('2026-12-03T00:00:00.000Z'));
      await service.update(trunk.id, { status: 'inactive' }, admin.id);
      expect(store.trunks[0]).toMatchObject({ status: 'inactive', activated_at: NOW });
      await service.update(trunk.id, { status: 'active' }, admin.id);
      expect(store.trunks[0]).toMatchObject({ status: 'active', activated_at: NOW });
    });

    it('does not stamp an activation for another status', async () => {
      await service.update(trunk.id, { status: 'pending' }, admin.id);
      expect(store.trunks[0]).toMatchObject({ status: 'pending', activated_at: null });
    });

    it('replaces the password encrypted, or removes it with null, naming only which in the audit', async () => {
      await service.update(trunk.id, { password: 'n3w' }, admin.id);
      expect(store.trunks[0]!.sip_password_enc).toBe('enc(n3w)');
      expect(store.audit[0]!.details).toEqual({ name: 'Old', changed: ['password'] });
      const dto = await service.update(trunk.id, { password: null }, admin.id);
      expect(store.trunks[0]!.sip_password_enc).toBeNull();
      expect(store.audit[1]!.details).toEqual({ name: 'Old', changed: ['password (removed)'] });
      expect(dto.hasPassword).toBe(false);
      expect(JSON.stringify(store.audit)).not.toContain('n3w');
    });
  });

  describe('delete', () => {
    it('deletes the trunk with an audit entry naming it and its owner', async () => {
      store.trunks.push(aTrunk(agent.id, { id: 'trunk-1', name: 'Gone' }));
      await service.delete('trunk-1', admin.id);
      expect(store.trunks).toEqual([]);
      expect(store.audit).toStrictEqual([
        {
          actorId: admin.id,
          action: 'trunk.delete',
          entityType: 'trunk',
          entityId: 'trunk-1',
          details: { name: 'Gone', ownerId: agent.id },
        },
      ]);
    });

    it('refuses a trunk the call history refers to, saying what to do instead', async () => {
      store.trunks.push(aTrunk(agent.id, { id: 'trunk-1', name: 'Busy' }));
      store.calls.push({ trunk_id: 'trunk-1' } as never, { trunk_id: 'trunk-1' } as never);
      const err = await failure(service.delete('trunk-1', admin.id));
      expect(err.code).toBe(ErrorCode.Conflict);
      expect(err.message).toBe(
        'The connection “Busy” has 2 calls in the call history, which must keep it, so it cannot be deleted; set its status to inactive instead (agents no longer see it, its calls keep it).',
      );
      expect(err.details).toEqual({ calls: 2 });
      expect(store.trunks).toHaveLength(1);
      expect(store.audit).toEqual([]);
    });

    it('answers 404 for an unknown trunk', async () => {
      const err = await failure(service.delete('nope', admin.id));
      expect(err.message).toBe('Trunk was not found');
    });
  });

  it('gets one trunk as the admin DTO, or a 404 naming a trunk', async () => {
    store.trunks.push(aTrunk(agent.id, { id: 'trunk-1', sip_password_enc: 'enc(x)' }));
    expect(await service.get('trunk-1')).toMatchObject({
      id: 'trunk-1',
      ownerId: agent.id,
      hasPassword: true,
    });
    expect((await failure(service.get('nope'))).message).toBe('Trunk was not found');
  });
});
