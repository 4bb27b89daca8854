/**
 * Proves the SIP lab with Node + SIPp only (no browser): listeners up, digest-authenticated REGISTER,
 * a SIPp-to-SIPp call relayed by Kamailio (by username and by E.164 alias), failure codes, restart,
 * and clean shutdown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  findMissingLabTools,
  runSippUas,
  sippCall,
  sippRegister,
  skipWithoutLabTools,
  startSipLab,
  type SipLab,
} from './sip-lab.js';
import { udpPortBound } from '../../src/demo-phone/processes.js';

const USERS = [
  { username: 'alice', password: 'alice-secret' },
  { username: 'bob', password: 'bob-secret' },
  { username: 'carol', password: 'carol-secret' },
];

const skip = skipWithoutLabTools(findMissingLabTools().filter((t) => t !== 'chromium'));

describe.skipIf(skip)('SIP lab (Kamailio + rtpengine + SIPp)', () => {
  let lab: SipLab;

  beforeAll(async () => {
    lab = await startSipLab({ users: USERS, withRtpengine: true, aliases: { '+15551230002': 'bob' } });
  }, 60_000);

  afterAll(async () => {
    await lab?.stop();
  });

  // How long it takes to start is a figure for bench/recovery.bench.ts, not a verdict.
  it('starts with WebSocket and UDP listeners', () => {
    expect(lab.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(lab.sipUdpPort).toBeGreaterThan(0);
    expect(lab.rtpengineNgPort).toBeGreaterThan(0);
  });

  it('REGISTER: 401 challenge then 200 with the right password; 403 with a wrong one or unknown user', async () => {
    const ok = await sippRegister({ lab, username: 'alice', password: 'alice-secret' });
    expect(ok.statusCodes, ok.output).toEqual([401, 200]);
    expect(ok.exitCode).toBe(0);

    const bad = await sippRegister({ lab, username: 'alice', password: 'wrong' });
    expect(bad.statusCodes[0]).toBe(401);
    expect([401, 403]).toContain(bad.finalStatus);

    const unknown = await sippRegister({ lab, username: 'mallory', password: 'whatever' });
    expect([401, 403]).toContain(unknown.finalStatus);
  }, 60_000);

  it('SIPp UAC (alice, registered) calls SIPp UAS (bob) through Kamailio; both exit 0', async () => {
    const uas = await runSippUas({ lab, username: 'bob', password: 'bob-secret', timeoutMs: 30_000 });
    await uas.ready;
    const uac = await sippCall({
      lab,
      from: 'alice',
      password: 'alice-secret',
      to: 'bob',
      register: true,
      holdMs: 300,
    });
    const uasResult = await uas.done;
    expect(uac.exitCode, uac.output).toBe(0);
    expect(uac.statusCodes).toContain(407);
    expect(uac.statusCodes).toContain(180);
    expect(uac.statusCodes.filter((c) => c === 200).length).toBe(2); // INVITE and BYE
    expect(uasResult.exitCode, uasResult.output).toBe(0);
    // Kamailio record-routes and the UAS copied it, so the ACK and the BYE went through the proxy
    expect(uasResult.output).toMatch(/Record-Route: <sip:127\.0\.0\.1:\d+;lr/);
    expect(uasResult.output).toMatch(/BYE sip:bob@127\.0\.0\.1/);
  }, 60_000);

  it('INVITE to an E.164 alias reaches the mapped user', async () => {
    const uas = await runSippUas({ lab, username: 'bob', password: 'bob-secret', timeoutMs: 30_000 });
    await uas.ready;
    const uac = await sippCall({
      lab,
      from: 'alice',
      password: 'alice-secret',
      to: '+15551230002',
      holdMs: 100,
    });
    expect(uac.exitCode, uac.output).toBe(0);
    expect((await uas.done).exitCode).toBe(0);
  }, 60_000);

  it('calls to unregistered or unknown users fail with 404/480; wrong password gets 403', async () => {
    const unreg = await sippCall({
      lab,
      from: 'alice',
      password: 'alice-secret',
      to: 'carol',
      expectStatus: 404,
    });
    expect(unreg.exitCode, unreg.output).toBe(0);
    expect([404, 480]).toContain(unreg.finalStatus);

    const unknown = await sippCall({
      lab,
      from: 'alice',
      password: 'alice-secret',
      to: 'nobody',
      expectStatus: 404,
    });
    expect(unknown.finalStatus).toBe(404);

    const badAuth = await sippCall({ lab, from: 'alice', password: 'nope', to: 'bob', expectStatus: 403 });
    expect(badAuth.statusCodes).toEqual([407, 403]);
  }, 60_000);

  it('restartKamailio(): same ports, registrations lost, REGISTER works again', async () => {
    const pidBefore = readFileSync(`${lab.dir}/kamailio.pid`, 'utf8').trim();
    await lab.restartKamailio(); // (its duration: bench/recovery.bench.ts)
    expect(readFileSync(`${lab.dir}/kamailio.pid`, 'utf8').trim()).not.toBe(pidBefore);
    expect(udpPortBound(lab.sipUdpPort)).toBe(true);

    // bob's earlier registration is gone (usrloc is in memory)
    const gone = await sippCall({
      lab,
      from: 'alice',
      password: 'alice-secret',
      to: 'bob',
      expectStatus: 404,
    });
    expect([404, 480]).toContain(gone.finalStatus);

    const again = await sippRegister({ lab, username: 'alice', password: 'alice-secret' });
    expect(again.finalStatus).toBe(200);
  }, 60_000);

  it('stop() frees the ports and removes the temp dir', async () => {
    const other = await startSipLab({ users: USERS, withRtpengine: true });
    const { sipUdpPort, rtpengineNgPort, dir } = other;
    expect(udpPortBound(sipUdpPort)).toBe(true);
    await other.stop();
    expect(udpPortBound(sipUdpPort)).toBe(false);
    expect(udpPortBound(rtpengineNgPort!)).toBe(false);
    expect(() => readFileSync(`${dir}/kamailio.cfg`)).toThrow();
    await other.stop(); // idempotent
  }, 60_000);
});
