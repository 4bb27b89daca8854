/**
 * A realistic call history for the demo (about 90 days before the first seeding, on the demo connections
 * and numbers), so History and Analytics have something to show on first start: business-hours peaks,
 * answered, busy, no-answer, rejected, cancelled and failed calls with their SIP codes, PDD, MOS, jitter
 * and loss that differ by connection (the "degraded" Telnyx trunk is visibly worse).
 *
 * Deterministic: one seeded generator, ids `demo-call-NNNNN`, times relative to the day of the first
 * seeding. Idempotent: written once, in batches; a later run finds the first id and writes nothing.
 * Written by `dialer seed` and `serve --seed-demo` (not by seedDemo(), whose callers, the browser tests
 * among them, count the calls they make themselves).
 */
import type { Services } from '../container.js';
import type { CallRow } from '../db/schema.js';
import { DEMO_TRUNKS, DEMO_USERS, type DemoTrunk } from './demo-data.js';

export const DEMO_HISTORY_DAYS = 90;
const FIRST_ID = 'demo-call-00000';
const BATCH = 200;

/** mulberry32: a small, fast, seeded generator (the same sequence on every machine). */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface TrunkProfile {
  /** Calls on a busy weekday. */
  perDay: number;
  /** UTC hour the working day starts (the team's local 8-9 am). */
  dayStartUtc: number;
  /** Worse figures for a degraded connection. */
  degraded: boolean;
  destinations: string[];
}

const US_DESTINATIONS = ['+1312555', '+1212555', '+1415555', '+1617555', '+1416555', '+1604555'];
const EU_DESTINATIONS = ['+44207946', '+4930901', '+3314555', '+3491555', '+3120555'];
const WORLD_DESTINATIONS = ['+5255123', '+9122123', '+6129123', '+8190123'];

/** The demo connections whose call history shows more failures (health itself is measured, not seeded). */
const TROUBLED_DEMO_TRUNKS = new Set(['Telnyx US East', 'London Legacy SIP', 'Telnyx EU']);

function profileOf(t: DemoTrunk): TrunkProfile | null {
  if (!t.assignments.some((a) => a.active)) return null;
  const london = /London|EU/.test(t.name);
  return {
    perDay: t.name.startsWith('Chicago') ? 14 : t.name.includes('US East') ? 10 : t.owner === 'admin' ? 2 : 6,
    dayStartUtc: london ? 8 : 14,
    degraded: TROUBLED_DEMO_TRUNKS.has(t.name),
    destinations: london
      ? [...EU_DESTINATIONS, ...EU_DESTINATIONS, '+1312555', ...WORLD_DESTINATIONS.slice(0, 1)]
      : [...US_DESTINATIONS, ...US_DESTINATIONS, ...US_DESTINATIONS, '+44207946', ...WORLD_DESTINATIONS],
  };
}

type Ending = { outcome: string; sip: number | null; rang: boolean; answered: boolean; cause: string };

function ending(r: number, degraded: boolean): Ending {
  const failShare = degraded ? 0.2 : 0.05;
  if (r < failShare) {
    const codes = [503, 503, 502, 408, 404, 484, 500];
    const sip = codes[Math.floor((r / failShare) * codes.length)]!;
    return { outcome: 'failed', sip, rang: false, answered: false, cause: `SIP ${sip}` };
  }
  const rest = (r - failShare) / (1 - failShare);
  if (rest < 0.62)
    return { outcome: 'answered', sip: 200, rang: true, answered: true, cause: 'Normal clearing' };
  if (rest < 0.74) return { outcome: 'no_answer', sip: 480, rang: true, answered: false, cause: 'No answer' };
  if (rest < 0.84) return { outcome: 'busy', sip: 486, rang: true, answered: false, cause: 'Busy' };
  if (rest < 0.9) return { outcome: 'rejected', sip: 603, rang: true, answered: false, cause: 'Declined' };
  return { outcome: 'cancelled', sip: 487, rang: true, answered: false, cause: 'Cancelled by the caller' };
}

/** Today's demo history as rows (pure: the same inputs give the same rows). */
export function demoCallRows(
  anchorDayMs: number,
  trunks: { trunk: DemoTrunk; trunkId: string; userId: string; numbers: { id: string; number: string }[] }[],
): CallRow[] {
  const rand = generator(20261201);
  const rows: CallRow[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  for (let day = DEMO_HISTORY_DAYS; day >= 1; day--) {
    const dayMs = anchorDayMs - day * 86_400_000;
    const weekday = new Date(dayMs).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    for (const t of trunks) {
      const p = profileOf(t.trunk);
      if (!p || t.numbers.length === 0) continue;
      const count = Math.round(p.perDay * (weekend ? 0.15 : 0.7 + rand() * 0.6));
      for (let i = 0; i < count; i++) {
        // Busier mid-morning and mid-afternoon: two bumps over a 10-hour day.
        const hourShare = rand() < 0.5 ? 1 + rand() * 3 : 5 + rand() * 4;
        const start =
          dayMs + (p.dayStartUtc + hourShare) * 3_600_000 + (Math.floor(rand() * 3_600_000) % 3_600_000);
        const inbound = rand() < 0.18;
        const e = ending(rand(), p.degraded);
        const pdd =
          e.rang || e.sip === 486
            ? Math.round((p.degraded ? 1800 : 700) + rand() * (p.degraded ? 4000 : 1500))
            : null;
        const ring = e.answered ? 3_000 + Math.floor(rand() * 15_000) : 0;
        const talk = e.answered ? 20 + Math.floor(-Math.log(1 - rand() * 0.98) * 150) : 0;
        const endMs =
          start +
          (pdd ?? 500) +
          (e.answered
            ? ring + talk * 1000
            : e.outcome === 'no_answer'
              ? 30_000
              : 2_000 + Math.floor(rand() * 8_000));
        const answeredAt = e.answered ? start + (pdd ?? 0) + ring : null;
        const mos = e.answered
          ? Math.min(
              4.5,
              Math.max(1.5, (p.degraded ? 3.7 : 4.25) + (rand() - 0.6) * (p.degraded ? 1.6 : 0.7)),
            )
          : null;
        const number = t.numbers[Math.floor(rand() * t.numbers.length)]!;
        const prefix = p.destinations[Math.floor(rand() * p.destinations.length)]!;
        // E.164 lengths: 11 digits in the NANP (+1), 12 for the other destinations here.
        const digits = (prefix.startsWith('+1') ? 12 : 13) - prefix.length;
        const remote = prefix + String(Math.floor(rand() * 10 ** digits)).padStart(digits, '0');
        rows.push({
          id: `demo-call-${String(rows.length).padStart(5, '0')}`,
          user_id: t.userId,
          trunk_id: t.trunkId,
          phone_number_id: number.id,
          caller_number: number.number,
          remote_number: remote,
          direction: inbound ? 'inbound' : 'outbound',
          outcome: e.outcome,
          hangup_cause: e.cause,
          sip_code: e.sip,
          sip_call_id: `demo-${rows.length}@dialer.local`,
          started_at: iso(start),
          answered_at: answeredAt === null ? null : iso(answeredAt),
          ended_at: iso(endMs),
          duration_seconds: answeredAt === null ? null : Math.round((endMs - answeredAt) / 1000),
          mos: mos === null ? null : Math.round(mos * 100) / 100,
          jitter_ms: e.answered ? Math.round((p.degraded ? 12 : 3) + rand() * (p.degraded ? 40 : 12)) : null,
          packet_loss_pct: e.answered ? Math.round(rand() * rand() * (p.degraded ? 600 : 150)) / 100 : null,
          rtt_ms: e.answered ? Math.round((p.degraded ? 120 : 40) + rand() * 60) : null,
          invite_at: inbound ? null : iso(start),
          progress_at: pdd === null || inbound ? null : iso(start + pdd),
          ended_by: e.answered
            ? rand() < 0.5
              ? 'local'
              : 'remote'
            : e.outcome === 'cancelled'
              ? 'local'
              : 'remote',
          interruptions: 0,
          interrupted_at: null,
          recovered_after_ms: null,
          caller_verification: inbound ? 'verified' : null,
          is_emergency: 0,
          retry_of_call_id: null,
          last_seen_at: iso(endMs),
          created_at: iso(start),
          updated_at: iso(endMs),
        });
      }
    }
  }
  return rows;
}

/**
 * Writes the demo history once (after seedDemo() wrote the users, trunks and numbers). Returns how many
 * calls it wrote (0 when the history is already there).
 */
export async function seedDemoCalls(services: Pick<Services, 'repos' | 'clock'>): Promise<number> {
  const { repos } = services;
  if (await repos.calls.findById(FIRST_ID)) return 0;
  const trunks = [];
  for (const trunk of DEMO_TRUNKS) {
    const owner = await repos.users.findByEmail(DEMO_USERS[trunk.owner].email);
    const row = owner && (await repos.trunks.findSecretByOwnerAndName(owner.id, trunk.name));
    if (!owner || !row) continue;
    const numbers = [];
    for (const a of trunk.assignments.filter((x) => x.active)) {
      const n = await repos.phoneNumbers.findByNumber(a.number);
      if (n) numbers.push({ id: n.id, number: n.number });
    }
    trunks.push({ trunk, trunkId: row.id, userId: owner.id, numbers });
  }
  const now = services.clock.now().getTime();
  const rows = demoCallRows(now - (now % 86_400_000), trunks);
  for (let i = 0; i < rows.length; i += BATCH) await repos.calls.insertMany(rows.slice(i, i + BATCH));
  return rows.length;
}
