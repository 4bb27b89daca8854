/**
 * Measured trunk health: probes every active connection (the periodic job, `dialer health check`), an
 * admin's live check of one connection, and the passive signals (a browser's registration, a call that
 * failed on the trunk). Each observation goes through the rules (health-rules.ts); the result is stored
 * (state, sample, history on change) and published as a live event.
 */
import pMap from 'p-map';
import type { ConnectionHealthDto } from '../../../shared/api.js';
import { DEMO_PHONE_NOT_RUNNING, isDemoPhoneServer } from '../../../shared/demo-phone.js';
import type { HealthStatus } from '../../../shared/domain.js';
import { NotFoundError } from '../../../shared/errors.js';
import {
  DEFAULT_HEALTH_THRESHOLDS,
  healthBucketMinutes,
  trunkFailureReason,
  type ConnectionHealthReportDto,
  type HealthCheckItemDto,
  type HealthSettingsDto,
  type HealthThresholds,
  type LiveEvent,
  type TrunkTestResultDto,
} from '../../../shared/health.js';
import type { HealthThresholdsBody, RegistrationReportBody } from '../../../shared/schemas/health.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { CredentialCipher } from '../../repositories/credential-cipher.js';
import type { HealthTrunk, HealthWrite } from '../../repositories/health/health-repository.js';
import { registrationRefusal, type SipProbeRepository } from '../../repositories/health/sip-probe.js';
import type { Repositories, UnitOfWork } from '../../repositories/index.js';
import type { LiveEventBus } from '../../repositories/live-events.js';
import type { TelnyxRepository } from '../../repositories/telnyx/telnyx-repository.js';
import {
  applyObservation,
  INITIAL_RULE_STATE,
  latencyStats,
  type Observation,
  type RuleState,
} from './health-rules.js';
import { healthBuckets } from './health-series.js';
import { TrunkMeasurer } from './trunk-measurer.js';

export interface HealthServiceDeps {
  repos: Pick<Repositories, 'health' | 'trunks' | 'audit'>;
  transaction: UnitOfWork;
  probes: SipProbeRepository;
  telnyx: Pick<TelnyxRepository, 'configured' | 'registrationStatus'>;
  cipher: CredentialCipher;
  config: Pick<Config, 'defaultSip' | 'health'>;
  clock: Clock;
  events: LiveEventBus;
}

function ruleStateOf(t: HealthTrunk): RuleState {
  return {
    status: t.health_status as HealthStatus,
    failStreak: t.fail_streak ?? INITIAL_RULE_STATE.failStreak,
    okStreak: t.ok_streak ?? INITIAL_RULE_STATE.okStreak,
    registrationRefused: t.registration_refused,
  };
}

/**
 * The displayed state (sip_trunks) is rewritten only when it says something new, so that a quiet round
 * does not bump the connections list's revision (and so empty every per-user list cache) each interval.
 * Numbers in the reason ("in 18 ms") do not count; the stored last check is refreshed at least this often.
 * Open pages get every observation live (events), so what they show is as fresh as the last round.
 */
export const DISPLAY_REFRESH_MS = 5 * 60_000;

const withoutNumbers = (text: string | null): string => (text ?? '').replace(/\d+(\.\d+)?/g, '#');

function displayChanged(trunk: HealthTrunk, status: string, reason: string, now: Date): boolean {
  if (trunk.health_status !== status) return true;
  if (withoutNumbers(trunk.health_message) !== withoutNumbers(reason)) return true;
  const checked = trunk.health_checked_at ? Date.parse(trunk.health_checked_at) : NaN;
  return !(now.getTime() - checked < DISPLAY_REFRESH_MS);
}

export class HealthService {
  private readonly measurer: TrunkMeasurer;

  constructor(private readonly deps: HealthServiceDeps) {
    this.measurer = new TrunkMeasurer({ ...deps, trunks: deps.repos.trunks });
  }

  async settings(): Promise<HealthSettingsDto> {
    const row = await this.deps.repos.health.settings();
    if (!row) return { thresholds: { ...DEFAULT_HEALTH_THRESHOLDS }, updatedAt: null, updatedBy: null };
    let stored: Partial<HealthThresholds> = {};
    try {
      stored = JSON.parse(row.thresholds) as Partial<HealthThresholds>;
    } catch {
      stored = {};
    }
    return {
      thresholds: { ...DEFAULT_HEALTH_THRESHOLDS, ...stored },
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
    };
  }

  async thresholds(): Promise<HealthThresholds> {
    return (await this.settings()).thresholds;
  }

  /** The admin changes the rules: stored and audited together. */
  async updateThresholds(actorId: string, patch: HealthThresholdsBody): Promise<HealthSettingsDto> {
    const before = await this.thresholds();
    const after: HealthThresholds = { ...before };
    for (const [k, v] of Object.entries(patch) as [keyof HealthThresholds, number | undefined][]) {
      if (v !== undefined) after[k] = v;
    }
    const changed = Object.fromEntries(
      (Object.keys(after) as (keyof HealthThresholds)[])
        .filter((k) => after[k] !== before[k])
        .map((k) => [k, { from: before[k], to: after[k] }]),
    );
    const at = this.deps.clock.now().toISOString();
    await this.deps.transaction.run(async (r) => {
      await r.health.saveSettings(JSON.stringify(after), at, actorId);
      await r.audit.record({
        actorId,
        action: 'health.thresholds_update',
        entityType: 'health_settings',
        entityId: 'default',
        details: { changed },
      });
    });
    return this.settings();
  }

  /**
   * Probes now: every active connection, or the one given (active or not). Returns every connection
   * asked about with its state after the probe.
   */
  async checkAll(options: { connectionId?: string } = {}): Promise<HealthCheckItemDto[]> {
    const t = await this.thresholds();
    const trunks = options.connectionId
      ? await this.deps.repos.health.listTrunks({ ids: [options.connectionId] })
      : await this.deps.repos.health.listTrunks({ activeOnly: true });
    if (options.connectionId && trunks.length === 0) throw new NotFoundError('Connection');
    const measured = await pMap(
      trunks,
      async (trunk) => ({ trunk, m: await this.measurer.measure(trunk, t) }),
      {
        concurrency: this.deps.config.health.concurrency,
      },
    );
    const after = await this.applyAll(
      measured.map(({ trunk, m }) => ({ trunk, obs: m.obs })),
      t,
    );
    return trunks.map((trunk) => {
      const h = after.get(trunk.id)!;
      return {
        connectionId: trunk.id,
        name: trunk.name,
        state: h.status,
        latencyMs: h.latencyMs,
        checkedAt: h.checkedAt,
        reason: h.message,
        active: trunk.status === 'active',
      };
    });
  }

  async pruneSamples(retentionDays: number): Promise<number> {
    const before = new Date(this.deps.clock.now().getTime() - retentionDays * 86_400_000).toISOString();
    return this.deps.repos.health.pruneSamples(before);
  }

  /** An admin's live check: reachability and a registration with the connection's credentials. */
  async liveCheck(trunkId: string): Promise<TrunkTestResultDto> {
    const [trunk] = await this.deps.repos.health.listTrunks({ ids: [trunkId] });
    if (!trunk) throw new NotFoundError('Connection');
    const t = await this.thresholds();
    const measured = await this.measurer.measure(trunk, t);
    const registration = await this.measurer.registerCheck(trunk, t);
    let obs: Observation = { ...measured.obs, source: 'live-check' };
    if (registration.attempted && !registration.ok && registration.refused) {
      obs = { ...obs, ok: false, refused: true, reason: registration.detail };
    } else if (registration.attempted && registration.ok) {
      obs = { ...obs, registered: true };
    }
    const health = (await this.applyAll([{ trunk, obs }], t)).get(trunk.id)!;
    const probed = measured.checks.filter((c) => !c.skipped);
    const reachable = probed.length > 0 && probed.every((c) => c.ok);
    const summary = !reachable
      ? `Not reachable: ${measured.obs.reason}.`
      : registration.attempted
        ? registration.ok
          ? `Reachable and registered with its credentials (${registration.detail}).`
          : `Reachable, but ${registration.detail}.`
        : `Reachable. ${registration.detail}.`;
    return {
      connectionId: trunk.id,
      reachable,
      latencyMs: measured.obs.latencyMs,
      checks: measured.checks,
      registration: { attempted: registration.attempted, ok: registration.ok, detail: registration.detail },
      health,
      summary,
    };
  }

  /** A browser reports how its registration went (its own connection only). */
  async reportRegistration(
    userId: string,
    trunkId: string,
    report: RegistrationReportBody,
  ): Promise<ConnectionHealthDto> {
    const owned = await this.deps.repos.trunks.findForOwner(userId, trunkId);
    if (!owned) throw new NotFoundError('Connection');
    const [trunk] = await this.deps.repos.health.listTrunks({ ids: [trunkId] });
    if (!trunk) throw new NotFoundError('Connection');
    let obs: Observation;
    if (report.ok) {
      obs = {
        ok: true,
        latencyMs: null,
        reason: 'a browser registered',
        source: 'registration',
        registered: true,
      };
    } else if (report.statusCode === 401 || report.statusCode === 403 || report.statusCode === 407) {
      obs = {
        ok: false,
        latencyMs: null,
        reason: registrationRefusal(report.statusCode),
        source: 'registration',
        refused: true,
      };
    } else if (report.statusCode) {
      obs = {
        ok: false,
        latencyMs: null,
        reason: registrationRefusal(report.statusCode),
        source: 'registration',
      };
    } else {
      const cause = report.cause ?? 'unknown cause';
      const words = /connection|cannot reach|websocket/i.test(cause)
        ? isDemoPhoneServer(trunk.ws_server)
          ? DEMO_PHONE_NOT_RUNNING
          : 'a browser could not reach the WebSocket server'
        : /timeout/i.test(cause)
          ? 'a browser got no answer to its registration'
          : `a browser could not register (${cause})`;
      obs = { ok: false, latencyMs: null, reason: words, source: 'registration' };
    }
    const t = await this.thresholds();
    return (await this.applyAll([{ trunk, obs }], t)).get(trunk.id)!;
  }

  /** A call that failed because of its trunk counts as a failed observation. Never throws. */
  async recordCallOutcome(call: {
    connectionId: string | null;
    outcome: string;
    sipCode: number | null;
    hangupCause: string | null;
    progressAt?: string | null;
  }): Promise<void> {
    const reason = call.connectionId ? trunkFailureReason(call) : null;
    if (!reason || !call.connectionId) return;
    try {
      const [trunk] = await this.deps.repos.health.listTrunks({ ids: [call.connectionId] });
      if (!trunk) return;
      const t = await this.thresholds();
      await this.applyAll([{ trunk, obs: { ok: false, latencyMs: null, reason, source: 'call' } }], t);
    } catch {
      // Health is a side effect of the call record: the record itself is already stored.
    }
  }

  /** State changes and latency over the last `hours` of one connection (the caller checked access). */
  async report(trunkId: string, hours: number): Promise<ConnectionHealthReportDto> {
    const [trunk] = await this.deps.repos.health.listTrunks({ ids: [trunkId] });
    if (!trunk) throw new NotFoundError('Connection');
    const t = await this.thresholds();
    const now = this.deps.clock.now();
    const sinceDate = new Date(now.getTime() - hours * 3_600_000);
    const since = sinceDate.toISOString();
    const [history, samples, series, latencies] = await Promise.all([
      this.deps.repos.health.history(trunkId, since),
      this.deps.repos.health.samples(trunkId, since),
      this.deps.repos.health.sampleSeries(trunkId, since),
      this.deps.repos.health.recentLatencies([trunkId], t.latencyWindow),
    ]);
    const bucketMinutes = healthBucketMinutes(hours);
    return {
      connectionId: trunk.id,
      name: trunk.name,
      hours,
      since,
      health: {
        status: trunk.health_status as HealthStatus,
        checkedAt: trunk.health_checked_at,
        latencyMs: trunk.health_latency_ms,
        message: trunk.health_message,
      },
      latency: latencyStats(latencies.get(trunkId) ?? []),
      thresholds: t,
      changes: history.map((h) => ({
        id: h.id,
        connectionId: h.trunk_id,
        status: h.status as HealthStatus,
        previousStatus: h.previous_status as HealthStatus,
        reason: h.reason,
        source: h.source as ConnectionHealthReportDto['changes'][number]['source'],
        latencyMs: h.latency_ms,
        at: h.created_at,
      })),
      samples: samples.map((s) => ({
        at: s.checked_at,
        ok: s.ok === 1,
        latencyMs: s.latency_ms,
        source: s.source as ConnectionHealthReportDto['samples'][number]['source'],
        reason: s.reason,
      })),
      series: { bucketMinutes, buckets: healthBuckets(series, sinceDate, now, bucketMinutes) },
    };
  }

  /** Whether `userId` owns the connection (the caller's access rule for reports). */
  async ownsConnection(userId: string, trunkId: string): Promise<boolean> {
    return (await this.deps.repos.trunks.findForOwner(userId, trunkId)) !== undefined;
  }

  /** Applies one observation per trunk, stores everything in one transaction, publishes the results. */
  private async applyAll(
    items: { trunk: HealthTrunk; obs: Observation }[],
    t: HealthThresholds,
  ): Promise<Map<string, ConnectionHealthDto>> {
    const now = this.deps.clock.now();
    const at = now.toISOString();
    const ids = items.map((i) => i.trunk.id);
    const since = new Date(now.getTime() - t.answerRateWindowMinutes * 60_000).toISOString();
    const [latencies, calls] = await Promise.all([
      this.deps.repos.health.recentLatencies(ids, t.latencyWindow),
      this.deps.repos.health.callCounts(ids, since),
    ]);
    const writes: HealthWrite[] = [];
    const events: LiveEvent[] = [];
    const out = new Map<string, ConnectionHealthDto>();
    for (const { trunk, obs } of items) {
      const window = latencies.get(trunk.id) ?? [];
      const withThis =
        obs.ok && obs.latencyMs !== null ? [obs.latencyMs, ...window].slice(0, t.latencyWindow) : window;
      const prev = ruleStateOf(trunk);
      const result = applyObservation(
        prev,
        obs,
        { latency: latencyStats(withThis), calls: calls.get(trunk.id) ?? { attempts: 0, answered: 0 } },
        t,
      );
      const latencyMs = obs.ok ? obs.latencyMs : null;
      writes.push({
        trunkId: trunk.id,
        at,
        ok: obs.ok,
        latencyMs,
        source: obs.source,
        observation: obs.reason,
        status: result.next.status,
        previousStatus: prev.status,
        reason: result.reason,
        failStreak: result.next.failStreak,
        okStreak: result.next.okStreak,
        registrationRefused: result.next.registrationRefused,
        keepSample: !obs.unmeasurable,
        display: displayChanged(trunk, result.next.status, result.reason, now),
      });
      const health: ConnectionHealthDto = {
        status: result.next.status,
        checkedAt: at,
        latencyMs,
        message: result.reason,
      };
      out.set(trunk.id, health);
      events.push({
        type: 'connection.health',
        connectionId: trunk.id,
        ownerId: trunk.owner_id,
        health,
        ...(result.changed ? { previousStatus: prev.status } : {}),
      });
    }
    await this.deps.transaction.run((r) => r.health.apply(writes));
    await this.deps.events.publish(events);
    return out;
  }
}
