/**
 * Fakes for the health services' unit tests, at the interfaces the container hands them: SIP probes
 * answering from a script (no sockets), the Telnyx registration status, a cipher, and the health
 * repository over an in-memory store built on fakeRepositories (trunks, audit).
 */
import type { Repositories } from '../../../src/server/repositories/index.js';
import type {
  HealthHistoryRow,
  HealthSampleRow,
  HealthTrunk,
  HealthWrite,
} from '../../../src/server/repositories/health/health-repository.js';
import type {
  ProbeAnswer,
  ProbeTarget,
  RegisterAnswer,
  SipCredentials,
  SipProbeRepository,
} from '../../../src/server/repositories/health/sip-probe.js';
import type { CredentialCipher } from '../../../src/server/repositories/credential-cipher.js';
import type { LiveEvent } from '../../../src/shared/health.js';
import type { LiveEventBus } from '../../../src/server/repositories/live-events.js';
import { fakeRepositories, type FakeStore } from './fake-repositories.js';

let seq = 0;

export function aHealthTrunk(o: Partial<HealthTrunk> = {}): HealthTrunk {
  seq++;
  return {
    id: `health-trunk-${seq}`,
    owner_id: 'owner-1',
    name: `Trunk ${seq}`,
    provider: 'sip',
    status: 'active',
    ws_server: 'wss://edge.example.test:7443',
    sip_uri: 'sip.example.test',
    telnyx_connection_id: null,
    health_status: 'unknown',
    health_checked_at: null,
    health_latency_ms: null,
    health_message: null,
    fail_streak: null,
    ok_streak: null,
    registration_refused: null,
    ...o,
  };
}

/** `skipped` answers: a target that cannot be addressed at all. */
export function skippedAnswer(target: string, detail: string): ProbeAnswer {
  return { target, ok: false, latencyMs: null, statusCode: null, detail, skipped: true };
}

export function okAnswer(target: string, ms: number): ProbeAnswer {
  return { target, ok: true, latencyMs: ms, statusCode: 200, detail: `200 OK in ${ms} ms` };
}

export function failedAnswer(target: string, detail: string): ProbeAnswer {
  return { target, ok: false, latencyMs: null, statusCode: null, detail };
}

/**
 * Probes from a script: a WebSocket URL (or SIP URI) listed in `unaddressable` is skipped with that
 * detail; OPTIONS to a target answers `answers[label]`, else 200 OK in 20 ms; REGISTER answers `register`.
 */
export class FakeProbes {
  unaddressable: Record<string, string> = {};
  answers: Record<string, ProbeAnswer> = {};
  register: RegisterAnswer = { ok: true, statusCode: 200, detail: '200 OK in 30 ms' };
  optionsCalls: { label: string; timeoutMs: number }[] = [];
  registerCalls: { label: string; creds: SipCredentials; timeoutMs: number }[] = [];
  /** When set, each OPTIONS takes a macrotask, so that overlapping probes can be counted. */
  slow = false;
  inFlight = 0;
  maxInFlight = 0;

  asRepository(): SipProbeRepository {
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias
    return {
      wsTarget(ws: string): ProbeTarget | ProbeAnswer {
        const why = self.unaddressable[ws];
        if (why) return skippedAnswer(ws, why);
        return { transport: 'wss', host: 'edge', port: 7443, url: ws, label: ws };
      },
      sipTarget(uri: string): Promise<ProbeTarget | ProbeAnswer> {
        const why = self.unaddressable[uri];
        if (why) return Promise.resolve(skippedAnswer(`sip:${uri}`, why));
        return Promise.resolve({ transport: 'udp', host: uri, port: 5060, label: `udp:${uri}:5060` });
      },
      async options(target: ProbeTarget, timeoutMs: number): Promise<ProbeAnswer> {
        self.optionsCalls.push({ label: target.label, timeoutMs });
        self.inFlight++;
        self.maxInFlight = Math.max(self.maxInFlight, self.inFlight);
        if (self.slow) await new Promise((r) => setTimeout(r, 1));
        self.inFlight--;
        return self.answers[target.label] ?? okAnswer(target.label, 20);
      },
      register(target: ProbeTarget, creds: SipCredentials, timeoutMs: number): Promise<RegisterAnswer> {
        self.registerCalls.push({ label: target.label, creds, timeoutMs });
        return Promise.resolve(self.register);
      },
    } as unknown as SipProbeRepository;
  }
}

/** "enc:<plain>" envelopes; an envelope without the prefix cannot be decrypted (a changed key). */
export const fakeCipher: CredentialCipher = {
  encrypt: (plain) => `enc:${plain}`,
  decrypt: (envelope) => {
    if (!envelope.startsWith('enc:')) throw new Error('unsupported state or unable to authenticate data');
    return envelope.slice(4);
  },
};

export interface HealthStore {
  trunks: HealthTrunk[];
  settings: { thresholds: string; updated_at: string; updated_by: string | null } | undefined;
  applied: HealthWrite[][];
  latencies: Map<string, number[]>;
  calls: Map<string, { attempts: number; answered: number }>;
  history: HealthHistoryRow[];
  samples: HealthSampleRow[];
  series: { checked_at: string; ok: number; latency_ms: number | null }[];
  asked: string[];
  pruned: string[];
}

export function emptyHealthStore(): HealthStore {
  return {
    trunks: [],
    settings: undefined,
    applied: [],
    latencies: new Map(),
    calls: new Map(),
    history: [],
    samples: [],
    series: [],
    asked: [],
    pruned: [],
  };
}

/**
 * fakeRepositories(store) with a health repository over `h` (listTrunks filters as the SQL does;
 * the reads record what they were asked in `h.asked`) and trunks.findForOwner over `store.trunks`.
 */
export function fakeHealthRepositories(store: FakeStore, h: HealthStore): Repositories {
  const base = fakeRepositories(store);
  const health: Partial<Repositories['health']> = {
    listTrunks: (f = {}) => {
      h.asked.push(`listTrunks ${JSON.stringify(f)}`);
      return Promise.resolve(
        h.trunks
          .filter((t) => !f.activeOnly || t.status === 'active')
          .filter((t) => !f.ids || f.ids.includes(t.id))
          .map((t) => ({ ...t })),
      );
    },
    recentLatencies: (ids, window) => {
      h.asked.push(`recentLatencies ${ids.join(',')} ${window}`);
      return Promise.resolve(
        new Map(
          ids.flatMap((id) => (h.latencies.has(id) ? [[id, h.latencies.get(id)!.slice(0, window)]] : [])),
        ),
      );
    },
    callCounts: (ids, since) => {
      h.asked.push(`callCounts ${ids.join(',')} ${since}`);
      return Promise.resolve(new Map(ids.flatMap((id) => (h.calls.has(id) ? [[id, h.calls.get(id)!]] : []))));
    },
    apply: (writes) => {
      h.applied.push(writes);
      return Promise.resolve();
    },
    settings: () => Promise.resolve(h.settings),
    saveSettings: (thresholds, at, by) => {
      h.settings = { thresholds, updated_at: at, updated_by: by };
      return Promise.resolve();
    },
    history: (id, since) => {
      h.asked.push(`history ${id} ${since}`);
      return Promise.resolve(h.history.filter((r) => r.trunk_id === id));
    },
    samples: (id, since) => {
      h.asked.push(`samples ${id} ${since}`);
      return Promise.resolve(h.samples);
    },
    sampleSeries: (id, since) => {
      h.asked.push(`sampleSeries ${id} ${since}`);
      return Promise.resolve(h.series);
    },
    pruneSamples: (before) => {
      h.pruned.push(before);
      return Promise.resolve(7);
    },
  };
  const trunks = new Proxy(base.trunks, {
    get(target, prop, receiver) {
      if (prop === 'findForOwner')
        return (ownerId: string, id: string) =>
          target.findById(id).then((t) => (t && t.owner_id === ownerId ? t : undefined));
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return {
    ...base,
    trunks,
    health: new Proxy(health, {
      get(target, prop) {
        if (prop in target) return target[prop as keyof typeof target];
        if (prop === 'then') return undefined;
        return () => {
          throw new Error(`health.${String(prop)} is not faked`);
        };
      },
    }) as Repositories['health'],
  };
}

/** A live event bus that keeps what was published. */
export function recordingBus(): {
  published: LiveEvent[][];
  bus: LiveEventBus;
} {
  const published: LiveEvent[][] = [];
  return {
    published,
    bus: {
      publish: (events) => {
        published.push(events);
        return Promise.resolve();
      },
      subscribe: () => Promise.reject(new Error('not faked')),
      since: () => null,
      close: () => Promise.resolve(),
    },
  };
}
