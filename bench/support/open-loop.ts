/**
 * An open-loop HTTP load driver: request i is due at start + i / rate, whatever happened to the ones
 * before it, and its latency is measured from that due time (as wrk2 does), so a server that stalls is
 * charged for every request that waited behind the stall (no coordinated omission).
 *
 * Why not autocannon's `overallRate` (used before): each autocannon connection sends its share of the
 * second as soon as its own one-second window opens, and all connections open their windows together,
 * so "500 requests/s" arrived as one burst of ~500 requests at the top of every second; and its
 * coordinated-omission correction assumes an expected interval of ceil(1 / per-connection rate) = 1 ms,
 * which adds hundreds of synthetic samples for every slow answer. Both made p99 describe the burst, not
 * the server. autocannon is still the right tool for fixed-concurrency runs (connections.bench.ts).
 *
 * The traffic is a set of virtual users, each a sequence of dependent requests (a step can read the
 * previous answers through its context); a due request goes to the next virtual user whose previous
 * request has been answered. Requests use keep-alive sockets from one agent per origin.
 */
import http from 'node:http';

export interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export interface StepRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** One virtual user: the request it sends next (from its own state) and what it learns from the answer. */
export interface VirtualUser {
  next(): StepRequest & { name: string };
  answered(answer: Answer): void;
}

export interface OpenLoopOptions {
  url: string;
  rate: number;
  seconds: number;
  users: VirtualUser[];
  /** A request without an answer after this long counts as a timeout (default 10 s). */
  timeoutMs?: number;
}

export interface OpenLoopResult {
  sent: number;
  answered: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Non-2xx answers and errors by request name, status and the start of the body. */
  failures: Record<string, number>;
  /** Latencies from each request's due time, in ms, sorted. */
  latencies: number[];
  /** The largest wait for a free virtual user (every user had a request in flight), in ms. */
  maxUserWaitMs: number;
  elapsedSeconds: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, i)]! * 10) / 10;
}

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const origin = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.users.length });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = 1000 / options.rate;
  const total = Math.round(options.rate * options.seconds);
  const free: VirtualUser[] = [...options.users];
  const waiting: number[] = []; // due times of requests waiting for a free user
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  const result = { sent: 0, answered: 0, errors: 0, timeouts: 0, non2xx: 0, maxUserWaitMs: 0 };
  let inFlight = 0;
  const count = (key: string): void => void failures.set(key, (failures.get(key) ?? 0) + 1);

  const send = (user: VirtualUser, due: number): void => {
    result.maxUserWaitMs = Math.max(result.maxUserWaitMs, performance.now() - due);
    const step = user.next();
    result.sent++;
    inFlight++;
    let finished = false;
    const finish = (answer: Answer | null, failure: string | null): void => {
      if (finished) return;
      finished = true;
      inFlight--;
      if (answer) {
        result.answered++;
        latencies.push(performance.now() - due);
        if (answer.status < 200 || answer.status >= 300) {
          result.non2xx++;
          count(`${step.name} ${answer.status} ${answer.body.slice(0, 140)}`);
        }
        user.answered(answer);
      } else {
        count(`${step.name} ${failure}`);
      }
      const nextDue = waiting.shift();
      if (nextDue === undefined) free.push(user);
      else send(user, nextDue);
    };
    const req = http.request(
      {
        agent,
        host: origin.hostname,
        port: origin.port,
        method: step.method,
        path: step.path,
        headers: {
          ...step.headers,
          ...(step.body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(step.body) }),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          finish(
            { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers },
            null,
          ),
        );
        res.on('error', () => {
          result.errors++;
          finish(null, 'response error');
        });
      },
    );
    req.on('timeout', () => {
      result.timeouts++;
      req.destroy(new Error('timeout'));
    });
    req.on('error', (e) => {
      if (e.message !== 'timeout') result.errors++;
      finish(null, e.message === 'timeout' ? 'timeout' : `error ${e.message}`);
    });
    req.end(step.body);
  };

  const start = performance.now();
  let issued = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (issued < total && start + issued * intervalMs <= now) {
        const due = start + issued * intervalMs;
        issued++;
        const user = free.shift();
        if (user) send(user, due);
        else waiting.push(due);
      }
      if (issued < total) {
        setTimeout(tick, Math.max(0, start + issued * intervalMs - performance.now()));
      } else resolve();
    };
    tick();
  });
  // Let the last requests finish (each is bounded by the timeout).
  while (inFlight > 0 || waiting.length > 0) await new Promise((r) => setTimeout(r, 20));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    ...result,
    failures: Object.fromEntries(failures),
    latencies,
    elapsedSeconds: (performance.now() - start) / 1000,
  };
}
