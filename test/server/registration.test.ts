import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { addTrunk, addUser, PASSWORD } from '../support/dialer-fixtures.js';

const ICE = '[{"urls":"stun:stun.example.test:3478"}]';

describe.each(DATABASE_KINDS)('registration (%s)', (kind) => {
  describe('without default credentials', () => {
    let t: TestApp;
    let agent: Client;
    let agentId: string;
    let other: Client;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      t = await startTestApp(kind, {
        env: { LOGIN_RATE_LIMIT: '1000', ICE_SERVERS: ICE, TELNYX_RTC_HOST: 'rtc.example.test' },
      });
      const s = t.services;
      const a = await addUser(s, { email: 'reg-agent@example.com', name: 'Reg Agent' });
      agentId = a.id;
      await addUser(s, { email: 'reg-other@example.com' });
      ids.sip = (
        await addTrunk(s, a.id, {
          name: 'SIP',
          sip_username: 'alice',
          password: 'sip-pass-1',
          sip_uri: 'sip.example.test',
          ws_server: 'wss://sip.example.test:7443',
          display_name: 'Front desk',
          settings: JSON.stringify({ dtmfMode: 'info', sendPAssertedIdentity: false }),
        })
      ).id;
      ids.sipFullUri = (
        await addTrunk(s, a.id, { sip_username: 'bob', sip_uri: 'sip:bob@pbx.example.test', password: 'x' })
      ).id;
      ids.telnyx = (
        await addTrunk(s, a.id, {
          name: 'TX',
          provider: 'telnyx',
          sip_username: 'txuser',
          password: 'tx-pass-1',
          ws_server: null,
          sip_uri: null,
        })
      ).id;
      ids.noCreds = (await addTrunk(s, a.id, { password: null })).id;
      ids.telnyxNoCreds = (await addTrunk(s, a.id, { provider: 'telnyx', password: null })).id;
      ids.inactive = (await addTrunk(s, a.id, { status: 'inactive' })).id;
      agent = await t.login('reg-agent@example.com', PASSWORD);
      other = await t.login('reg-other@example.com', PASSWORD);
    });
    afterAll(() => t.close());

    it('hands a SIP trunk’s own credentials to its owner, with settings and ICE servers', async () => {
      const res = await agent.post(`/api/connections/${ids.sip}/registration`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.json).toEqual({
        provider: 'sip',
        connectionId: ids.sip,
        wsServer: 'wss://sip.example.test:7443',
        sipUri: 'sip:alice@sip.example.test',
        authorizationUser: 'alice',
        password: 'sip-pass-1',
        displayName: 'Front desk',
        fallback: false,
        dtmfMode: 'info',
        sendPAssertedIdentity: false,
        iceServers: [{ urls: 'stun:stun.example.test:3478' }],
      });
      const full = await agent.post(`/api/connections/${ids.sipFullUri}/registration`);
      expect(full.json.sipUri).toBe('sip:bob@pbx.example.test');
      expect(full.json.displayName).toBe('Reg Agent');
      expect(full.json.dtmfMode).toBe('rfc2833');
      expect(full.json.sendPAssertedIdentity).toBe(true);
    });

    it('hands a Telnyx trunk’s login and password (no token issuer for unlinked trunks), with the RTC host', async () => {
      const res = await agent.post(`/api/connections/${ids.telnyx}/registration`);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        provider: 'telnyx',
        connectionId: ids.telnyx,
        login: 'txuser',
        password: 'tx-pass-1',
        fallback: false,
        rtcHost: 'rtc.example.test',
      });
    });

    it('delegates Telnyx trunks to the token issuer when it answers', async () => {
      const withIssuer = await startTestApp(kind, {
        database: t.database,
        overrides: {
          telnyxTokens: {
            registrationFor: (trunk) =>
              Promise.resolve({
                provider: 'telnyx',
                connectionId: trunk.id,
                loginToken: 'jwt-token',
                displayName: 'x',
                fallback: false,
                dtmfMode: 'rfc2833',
              }),
          },
        },
      });
      try {
        const agentThere = await withIssuer.login('reg-agent@example.com', PASSWORD);
        const res = await agentThere.post(`/api/connections/${ids.telnyx}/registration`);
        expect(res.json.loginToken).toBe('jwt-token');
        expect(res.json).not.toHaveProperty('password');
      } finally {
        await withIssuer.close();
      }
    });

    it('answers 409 NO_CREDENTIALS in plain words when neither the trunk nor the server has credentials', async () => {
      for (const id of [ids.noCreds, ids.telnyxNoCreds]) {
        const res = await agent.post(`/api/connections/${id}/registration`);
        expect(res.status).toBe(409);
        expect(res.json.error).toEqual({
          code: 'NO_CREDENTIALS',
          message:
            'This connection has no SIP credentials and no default credentials are configured. Ask an administrator to add them.',
        });
      }
    });

    it('answers 404 for another user’s, an inactive or an unknown connection', async () => {
      expect((await other.post(`/api/connections/${ids.sip}/registration`)).status).toBe(404);
      expect((await agent.post(`/api/connections/${ids.inactive}/registration`)).status).toBe(404);
      expect(
        (await agent.post('/api/connections/4f1e8a36-7a6b-4a57-9b1c-3f6f7e0c2d11/registration')).status,
      ).toBe(404);
    });

    it('writes an audit entry without the password', async () => {
      const before = (
        await t.services.repos.audit.list({ action: 'connection.registration', entityId: ids.sip })
      ).length;
      await agent.post(`/api/connections/${ids.sip}/registration`);
      const entries = await t.services.repos.audit.list({
        action: 'connection.registration',
        entityId: ids.sip,
      });
      expect(entries.length).toBe(before + 1);
      expect(entries[0]).toMatchObject({
        actorId: agentId,
        entityType: 'trunk',
        details: { provider: 'sip', fallback: false },
      });
      const raw = await t.services.db.selectFrom('audit_log').select('details').execute();
      expect(JSON.stringify(raw)).not.toContain('sip-pass-1');
    });

    it('needs the CSRF token like every write', async () => {
      const res = await agent.request(
        'POST',
        `/api/connections/${ids.sip}/registration`,
        {},
        { 'x-csrf-token': 'nope' },
      );
      expect(res.status).toBe(403);
    });
  });

  describe('with default credentials configured', () => {
    let t: TestApp;
    let agent: Client;
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      t = await startTestApp(kind, {
        env: {
          LOGIN_RATE_LIMIT: '1000',
          DEFAULT_SIP_WS_SERVER: 'wss://default.example.test',
          DEFAULT_SIP_URI: 'default.example.test',
          DEFAULT_SIP_USERNAME: 'default-user',
          DEFAULT_SIP_PASSWORD: 'default-sip-pass',
          DEFAULT_TELNYX_LOGIN: 'default-tx',
          DEFAULT_TELNYX_PASSWORD: 'default-tx-pass',
        },
      });
      const a = await addUser(t.services, { email: 'fallback@example.com' });
      ids.sip = (await addTrunk(t.services, a.id, { password: null })).id;
      ids.telnyx = (
        await addTrunk(t.services, a.id, { provider: 'telnyx', password: null, sip_username: null })
      ).id;
      ids.own = (await addTrunk(t.services, a.id, { sip_username: 'own', password: 'own-pass' })).id;
      agent = await t.login('fallback@example.com', PASSWORD);
    });
    afterAll(() => t.close());

    it('falls back to the default SIP credentials only when the trunk has none, and says so', async () => {
      const res = await agent.post(`/api/connections/${ids.sip}/registration`);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        provider: 'sip',
        wsServer: 'wss://default.example.test',
        sipUri: 'sip:default-user@default.example.test',
        authorizationUser: 'default-user',
        password: 'default-sip-pass',
        fallback: true,
      });
      const own = await agent.post(`/api/connections/${ids.own}/registration`);
      expect(own.json).toMatchObject({ authorizationUser: 'own', password: 'own-pass', fallback: false });
    });

    it('falls back to the default Telnyx login', async () => {
      const res = await agent.post(`/api/connections/${ids.telnyx}/registration`);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        provider: 'telnyx',
        login: 'default-tx',
        password: 'default-tx-pass',
        fallback: true,
      });
    });
  });
});
