/**
 * What one connection looks like from here now: SIP OPTIONS over its WebSocket server and to its SIP
 * URI's host (sip), the Telnyx API's registration status (telnyx), and for an admin's live check a
 * REGISTER with its credentials. Returns observations in plain words; the rules decide what they mean.
 */
import { DEMO_PHONE_NOT_RUNNING, isDemoPhoneServer } from '../../../shared/demo-phone.js';
import type { ProbeCheckDto, HealthThresholds } from '../../../shared/health.js';
import type { Config } from '../../config.js';
import type { CredentialCipher } from '../../repositories/credential-cipher.js';
import type { HealthTrunk } from '../../repositories/health/health-repository.js';
import { isTarget, type ProbeAnswer, type SipProbeRepository } from '../../repositories/health/sip-probe.js';
import type { Repositories } from '../../repositories/index.js';
import type { TelnyxRepository } from '../../repositories/telnyx/telnyx-repository.js';
import { sipUriFor } from '../registration-service.js';
import type { Observation } from './health-rules.js';

export interface TrunkMeasurerDeps {
  trunks: Pick<Repositories['trunks'], 'findSecret'>;
  probes: SipProbeRepository;
  telnyx: Pick<TelnyxRepository, 'configured' | 'registrationStatus'>;
  cipher: CredentialCipher;
  config: Pick<Config, 'defaultSip'>;
}

export interface Measured {
  obs: Observation;
  checks: ProbeCheckDto[];
}

export interface RegisterCheck {
  attempted: boolean;
  ok: boolean;
  refused: boolean;
  detail: string;
}

const TELNYX_WORDS: Record<string, string> = {
  'Not Registered': 'Telnyx: not registered',
  Unregistered: 'Telnyx: not registered',
  Failed: 'Telnyx: registration failed',
  Expired: 'Telnyx: registration expired',
};

function toCheck(a: ProbeAnswer): ProbeCheckDto {
  return {
    target: a.target,
    ok: a.ok,
    latencyMs: a.latencyMs,
    detail: a.detail,
    ...(a.skipped ? { skipped: true } : {}),
  };
}

export class TrunkMeasurer {
  constructor(private readonly deps: TrunkMeasurerDeps) {}

  async measure(trunk: HealthTrunk, t: HealthThresholds): Promise<Measured> {
    return trunk.provider === 'telnyx' ? this.measureTelnyx(trunk) : this.measureSip(trunk, t);
  }

  private async measureSip(trunk: HealthTrunk, t: HealthThresholds): Promise<Measured> {
    const { probes, config } = this.deps;
    const wsServer = trunk.ws_server ?? config.defaultSip.wsServer;
    const sipUri = trunk.sip_uri ?? config.defaultSip.sipUri;
    const pending: Promise<ProbeAnswer>[] = [];
    if (wsServer) {
      const target = probes.wsTarget(wsServer);
      pending.push(isTarget(target) ? probes.options(target, t.probeTimeoutMs) : Promise.resolve(target));
    }
    if (sipUri) {
      pending.push(
        probes
          .sipTarget(sipUri)
          .then((target) => (isTarget(target) ? probes.options(target, t.probeTimeoutMs) : target)),
      );
    }
    const answers = await Promise.all(pending);
    const checks = answers.map(toCheck);
    const measured = answers.filter((a) => !a.skipped);
    if (measured.length === 0) {
      const why = answers.map((a) => a.detail).join('; ');
      return {
        obs: {
          ok: false,
          latencyMs: null,
          unmeasurable: true,
          source: 'probe',
          reason: why ? `nothing to probe: ${why}` : 'nothing to probe: no WebSocket server or SIP URI',
        },
        checks,
      };
    }
    const failed = measured.find((a) => !a.ok);
    const primary = measured[0]!; // the WebSocket server when there is one: what browsers use
    if (failed) {
      // The demo trunks' server is the demo phone system: say what to run rather than "connection refused".
      const demoPhoneDown = isDemoPhoneServer(wsServer) && !answers[0]!.ok;
      const reason = demoPhoneDown
        ? DEMO_PHONE_NOT_RUNNING
        : failed.detail.includes(failed.target)
          ? failed.detail
          : `${failed.detail} (${failed.target})`;
      return { obs: { ok: false, latencyMs: null, source: 'probe', reason }, checks };
    }
    return {
      obs: { ok: true, latencyMs: primary.latencyMs, source: 'probe', reason: primary.detail },
      checks,
    };
  }

  private async measureTelnyx(trunk: HealthTrunk): Promise<Measured> {
    const target = 'Telnyx API';
    const unmeasurable = (reason: string): Measured => ({
      obs: { ok: false, latencyMs: null, unmeasurable: true, source: 'probe', reason },
      checks: [{ target, ok: false, latencyMs: null, detail: reason }],
    });
    if (!this.deps.telnyx.configured) return unmeasurable('Telnyx API is not configured');
    if (!trunk.telnyx_connection_id) return unmeasurable('not linked to a Telnyx connection');
    try {
      const status = await this.deps.telnyx.registrationStatus(trunk.telnyx_connection_id);
      if (!status) {
        const reason = 'Telnyx: no such connection at Telnyx';
        return {
          obs: { ok: false, latencyMs: null, source: 'probe', reason },
          checks: [{ target, ok: false, latencyMs: null, detail: reason }],
        };
      }
      const words = status.status ? TELNYX_WORDS[status.status] : undefined;
      if (words) {
        return {
          obs: { ok: false, latencyMs: null, source: 'probe', reason: words },
          checks: [
            {
              target,
              ok: true,
              latencyMs: status.latencyMs,
              detail: `API answered in ${status.latencyMs} ms: ${words}`,
            },
          ],
        };
      }
      const reason =
        status.status === 'Registered'
          ? `Telnyx: registered (API answered in ${status.latencyMs} ms)`
          : `Telnyx API answered in ${status.latencyMs} ms (registration ${status.status ?? 'not reported'})`;
      return {
        obs: { ok: true, latencyMs: status.latencyMs, source: 'probe', reason },
        checks: [{ target, ok: true, latencyMs: status.latencyMs, detail: reason }],
      };
    } catch (err) {
      const reason = `Telnyx API unreachable: ${err instanceof Error ? err.message : String(err)}`;
      return {
        obs: { ok: false, latencyMs: null, source: 'probe', reason },
        checks: [{ target, ok: false, latencyMs: null, detail: reason }],
      };
    }
  }

  /** REGISTER with the connection's credentials (sip), or Telnyx's registration status (telnyx). */
  async registerCheck(trunk: HealthTrunk, t: HealthThresholds): Promise<RegisterCheck> {
    if (trunk.provider === 'telnyx') {
      return {
        attempted: false,
        ok: false,
        refused: false,
        detail:
          'Telnyx connections register from the browser with a login token; the API reports their status',
      };
    }
    const secret = await this.deps.trunks.findSecret(trunk.id);
    const d = this.deps.config.defaultSip;
    let username: string | undefined;
    let password: string | undefined;
    let domain = secret?.sip_uri ?? d.sipUri;
    if (secret?.sip_username && secret.sip_password_enc) {
      username = secret.sip_username;
      try {
        password = this.deps.cipher.decrypt(secret.sip_password_enc);
      } catch {
        return {
          attempted: false,
          ok: false,
          refused: false,
          detail: 'its stored password cannot be decrypted (was CREDENTIALS_KEY changed?)',
        };
      }
    } else if (d.username && d.password) {
      username = d.username;
      password = d.password;
      domain = d.sipUri ?? domain;
    }
    const wsServer = secret?.ws_server ?? d.wsServer;
    if (!username || !password)
      return {
        attempted: false,
        ok: false,
        refused: false,
        detail: 'it has no SIP credentials to register with',
      };
    if (!wsServer || !domain)
      return {
        attempted: false,
        ok: false,
        refused: false,
        detail: 'it has no WebSocket server or SIP URI to register to',
      };
    const target = this.deps.probes.wsTarget(wsServer);
    if (!isTarget(target)) return { attempted: false, ok: false, refused: false, detail: target.detail };
    const r = await this.deps.probes.register(
      target,
      { aor: sipUriFor(username, domain), username, password },
      t.probeTimeoutMs,
    );
    const refused =
      r.statusCode === 401 || r.statusCode === 403 || r.statusCode === 407 || r.statusCode === 404;
    return { attempted: true, ok: r.ok, refused, detail: r.detail };
  }
}
