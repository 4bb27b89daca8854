/**
 * A throw-away SIP lab for tests: the demo phone system's SIP server (src/demo-phone: Kamailio with
 * WebSocket and digest auth, optionally rtpengine) on free ports, plus SIPp helpers and a check for the
 * tools the tests need (the demo phone's, and Chromium). See test/lab/README.md.
 */
import { existsSync } from 'node:fs';
import {
  findMissingSipTools,
  SIP_TOOL_PACKAGES,
  startSipServer,
  type SipAccount,
  type SipServer,
  type SipServerOptions,
} from '../../src/demo-phone/sip-server.js';
import { which } from '../../src/demo-phone/processes.js';

export { generateKamailioConfig } from '../../src/demo-phone/kamailio-config.js';
export { freePort } from '../../src/demo-phone/processes.js';
export {
  runSippOptionsResponder,
  runSippUas,
  sippRegister,
  sippCall,
  type SippOptionsResponder,
  type SippResult,
  type SippUasHandle,
} from './sipp.js';

export type LabUser = SipAccount;
export type SipLab = SipServer;
export type SipLabOptions = Omit<SipServerOptions, 'wsPort' | 'sipPort' | 'dirPrefix'>;

/** Starts Kamailio (and rtpengine when asked) on free ports, in a temp dir named sip-lab-*. */
export function startSipLab(opts: SipLabOptions): Promise<SipLab> {
  return startSipServer({ ...opts, dirPrefix: 'sip-lab-' });
}

/**
 * Which lab tools are missing: any of 'kamailio', 'kamailio-websocket-modules', 'rtpengine', 'sipp',
 * 'chromium'. Empty when everything is there. `labToolsHint()` turns it into a message.
 */
export function findMissingLabTools(): string[] {
  const missing: string[] = findMissingSipTools();
  if (!existsSync('/usr/bin/chromium') && !which('chromium')) missing.push('chromium');
  return missing;
}

/** A human message for missing tools, or '' when none are missing. */
export function labToolsHint(missing = findMissingLabTools()): string {
  if (missing.length === 0) return '';
  const packages: Record<string, string> = { ...SIP_TOOL_PACKAGES, chromium: 'chromium' };
  const pkgs = [...new Set(missing.map((m) => packages[m] ?? m))];
  return `SIP lab tools missing: ${missing.join(', ')}. Install with: bash test/lab/install-lab-deps.sh (Debian packages: ${pkgs.join(' ')})`;
}

/**
 * What a test file does when lab tools are missing: returns true when it may skip (with a warning), throws
 * otherwise. In CI (`CI=true`) a missing real peer always fails the run; elsewhere it fails too unless
 * `SIP_LAB_OPTIONAL=1` asks to skip. `missing` is what `findMissingLabTools()` found that the file needs.
 */
export function skipWithoutLabTools(missing: string[], env: NodeJS.ProcessEnv = process.env): boolean {
  if (missing.length === 0) return false;
  const hint = labToolsHint(missing);
  if (env.CI === 'true' || env.CI === '1')
    throw new Error(`${hint} (CI=true: a missing SIP peer fails the run)`);
  if (env.SIP_LAB_OPTIONAL !== '1') throw new Error(`${hint}; or set SIP_LAB_OPTIONAL=1 to skip these tests`);
  console.warn(`${hint}; skipping (SIP_LAB_OPTIONAL=1)`);
  return true;
}
