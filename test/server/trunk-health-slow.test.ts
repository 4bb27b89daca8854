/**
 * A peer that answers, but slowly: a real SIPp UAS answers the health job's OPTIONS (UDP, to the
 * connection's SIP URI) only after a pause longer than the degraded-latency threshold, and the
 * connection reads degraded, with why in plain words, on the list the dialer reads. Once the peer answers
 * fast again (a SIPp without the pause on the same port), the window's average falls and it is up.
 * (`tc netem` is not available in these kernels: the delay is the peer's own.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthJob } from '../../src/server/jobs/health-job.js';
import { findMissingLabTools, runSippOptionsResponder, skipWithoutLabTools } from '../lab/sip-lab.js';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { addTrunk, addUser, PASSWORD } from '../support/dialer-fixtures.js';

const skip = skipWithoutLabTools(findMissingLabTools().filter((t) => t === 'sipp'));
const SLOW_MS = 1000;
const LIMIT_MS = 500; // the default: a fast answer on a busy machine stays well under it

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'health-slow-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(skip).each(DATABASE_KINDS)('a slow peer (%s)', (kind) => {
  let t: TestApp;
  let admin: Client;
  let agent: Client;
  let agentId: string;
  let trunkId: string;

  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000' } });
    await addUser(t.services, { email: `slow-admin-${kind}@example.com`, role: 'admin' });
    agentId = (await addUser(t.services, { email: `slow-agent-${kind}@example.com` })).id;
    admin = await t.login(`slow-admin-${kind}@example.com`, PASSWORD);
    agent = await t.login(`slow-agent-${kind}@example.com`, PASSWORD);
    const put = await admin.put('/api/admin/health/settings', {
      degradedLatencyMs: LIMIT_MS,
      latencyWindow: 2,
      probeTimeoutMs: 3000,
    });
    expect(put.status, put.text).toBe(200);
  });
  afterAll(() => t?.close());

  const job = () =>
    healthJob({
      health: t.services.health,
      intervalSeconds: 1,
      retentionDays: 30,
      logger: { info: () => undefined, warn: () => undefined },
    })!;

  const healthOnList = async () => {
    const list = await agent.get('/api/connections');
    expect(list.status).toBe(200);
    const row = (
      list.json.connections as {
        id: string;
        health: { status: string; message: string | null; latencyMs: number | null };
      }[]
    ).find((c) => c.id === trunkId);
    return row!.health;
  };

  it('is degraded, saying it is slow and by how much, while OPTIONS waits for its 200; up once answers are fast again', async () => {
    const slow = await runSippOptionsResponder({ delayMs: SLOW_MS, parentDir: dir });
    const port = slow.port;
    trunkId = (
      await addTrunk(t.services, agentId, {
        name: 'Slow peer',
        ws_server: null,
        sip_uri: `sip:127.0.0.1:${port}`,
      })
    ).id;
    try {
      await job().run();
      const degraded = await healthOnList();
      expect(degraded.status).toBe('degraded');
      expect(degraded.latencyMs).toBeGreaterThanOrEqual(SLOW_MS);
      expect(degraded.message).toMatch(
        new RegExp(`^slow: (\\d+) ms on average over the last 1 check \\(limit ${LIMIT_MS} ms\\)$`),
      );
      expect(Number(/(\d+) ms/.exec(degraded.message!)![1])).toBeGreaterThanOrEqual(SLOW_MS);
    } finally {
      await slow.stop();
    }

    const fast = await runSippOptionsResponder({ delayMs: 0, port, parentDir: dir });
    try {
      // The window holds the slow answer and a fast one: still slow on average; two fast ones: up.
      await job().run();
      expect((await healthOnList()).status).toBe('degraded');
      await job().run();
      const up = await healthOnList();
      expect(up.status).toBe('up');
      expect(up.latencyMs).toBeLessThan(LIMIT_MS);
      expect(up.message).toMatch(/^OPTIONS answered 200 OK in \d+ ms$/);
    } finally {
      await fast.stop();
    }

    const report = await agent.get(`/api/connections/${trunkId}/health`);
    expect(report.status).toBe(200);
    const changes = (report.json.changes as { status: string; previousStatus: string; reason: string }[])
      .map((c) => `${c.previousStatus}->${c.status}: ${c.reason}`)
      .reverse();
    expect(changes).toEqual([
      expect.stringMatching(/^unknown->degraded: slow: \d+ ms on average/),
      expect.stringMatching(/^degraded->up: OPTIONS answered 200 OK in \d+ ms$/),
    ]);
  });
});
