import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS } from '../support/databases.js';
import { plainTestHasher, startTestApp, type TestApp } from '../support/app.js';

describe.each(DATABASE_KINDS)('auth (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000' } });
    const hash = await plainTestHasher.hash('s3cret-pass');
    await t.services.repos.users.create({
      email: 'Agent@Example.com',
      name: 'Agent',
      passwordHash: hash,
      role: 'agent',
      status: 'active',
      defaultCountry: 'US',
    });
    await t.services.repos.users.create({
      email: 'gone@example.com',
      name: 'Gone',
      passwordHash: hash,
      role: 'agent',
      status: 'suspended',
      defaultCountry: 'US',
    });
  });
  afterAll(() => t.close());

  it('logs in, answers me, and logs out', async () => {
    const c = await t.login('agent@example.com', 's3cret-pass');
    const me = await c.get('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.json.user.email).toBe('agent@example.com');
    expect(me.json.user).not.toHaveProperty('passwordHash');
    expect((await c.post('/api/auth/logout')).status).toBe(200);
    expect((await c.get('/api/auth/me')).status).toBe(401);
  });

  it('sets an HttpOnly SameSite cookie', async () => {
    const res = await t
      .anonymous()
      .post('/api/auth/login', { email: 'agent@example.com', password: 's3cret-pass' });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
  });

  it('rejects a wrong password and a suspended user with clear messages', async () => {
    const wrong = await t
      .anonymous()
      .post('/api/auth/login', { email: 'agent@example.com', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.message).toMatch(/not correct/);
    const suspended = await t
      .anonymous()
      .post('/api/auth/login', { email: 'gone@example.com', password: 's3cret-pass' });
    expect(suspended.status).toBe(401);
    expect(suspended.json.error.message).toMatch(/suspended/);
  });

  it('ends the session a browser still holds when it logs in again, and only that one', async () => {
    const first = await t.login('agent@example.com', 's3cret-pass');
    const elsewhere = await t.login('agent@example.com', 's3cret-pass');
    // The same browser logs in again: it sends its current cookie with the login.
    const again = await first.request('POST', '/api/auth/login', {
      email: 'agent@example.com',
      password: 's3cret-pass',
    });
    expect(again.status).toBe(200);
    const newCookie = (again.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(newCookie).toMatch(/^dialer_session=./);
    expect((await first.get('/api/auth/me')).status).toBe(401);
    const me = await fetch(`${t.baseUrl}/api/auth/me`, { headers: { cookie: newCookie } });
    expect(me.status).toBe(200);
    // Another browser's session is not touched.
    expect((await elsewhere.get('/api/auth/me')).status).toBe(200);
  });

  it('keeps the old session when the new login fails', async () => {
    const c = await t.login('agent@example.com', 's3cret-pass');
    const failed = await c.request('POST', '/api/auth/login', {
      email: 'agent@example.com',
      password: 'wrong-pass',
    });
    expect(failed.status).toBe(401);
    expect((await c.get('/api/auth/me')).status).toBe(200);
  });

  it('refuses a state-changing request without the CSRF token', async () => {
    const c = await t.login('agent@example.com', 's3cret-pass');
    const res = await c.request('POST', '/api/auth/logout', {}, { 'x-csrf-token': 'forged' });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('CSRF_INVALID');
  });

  it('answers bad input with 400, never 500', async () => {
    const anon = t.anonymous();
    const malformed = await anon.request('POST', '/api/auth/login', '{"email":', {
      'content-type': 'application/json',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.message).toMatch(/not valid JSON/);
    const unknownField = await anon.post('/api/auth/login', { email: 'a@b.c', password: 'x', admin: true });
    expect(unknownField.status).toBe(400);
    const wrongType = await anon.post('/api/auth/login', { email: 5, password: 'x' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error.code).toBe('VALIDATION_FAILED');
    const huge = await anon.post('/api/auth/login', { email: 'a@b.c', password: 'x'.repeat(100_000) });
    expect(huge.status).toBe(413);
  });

  it('rate-limits login attempts', async () => {
    const limited = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '3' } });
    const anon = limited.anonymous();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await anon.post('/api/auth/login', { email: 'x@example.com', password: 'bad' })).status);
    }
    await limited.close();
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429, 429, 429, 429]);
  });
});
