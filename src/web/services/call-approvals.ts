/**
 * Call approvals held for the next call (no reactive state: the call store drives it). The server checks
 * that this user may call from a connection with a caller ID before anything is sent; asking for that
 * when the caller ID is chosen ({@link CallApprovals.prepare}), rather than when Call is pressed, lets the
 * INVITE leave at once on the approval ({@link CallApprovals.take}) while the record opens alongside.
 *
 * Each approval opens one record, so a taken one is replaced at once for the call after; one close to its
 * expiry is renewed ahead. Without a fresh approval the call store opens the record first and sends the
 * INVITE after, as every call did before approvals.
 */
import type { AssignedNumberDto } from '../../shared/api.js';
import type { CallApprovalDto } from '../../shared/call-api.js';
import { approveCall } from '../api/call-records.js';

/** An approval this close to its expiry is not used: the record must open before it runs out. */
export const APPROVAL_MARGIN_MS = 20_000;
/** Caller IDs kept approved at once (the agent's choice, or the numbers "Auto (local match)" moved between). */
const MAX_HELD = 8;

type Caller = Pick<AssignedNumberDto, 'phoneNumberId' | 'number'>;

interface Held {
  approval: CallApprovalDto | null;
  pending: boolean;
  renew: ReturnType<typeof setTimeout> | null;
}

export class CallApprovals {
  private readonly held = new Map<string, Held>();
  /** Bumped by clear(): answers to requests made before are dropped. */
  private generation = 0;

  constructor(
    private readonly ask: typeof approveCall = approveCall,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Have an approval ready for a call from `connectionId` with `caller` (asks the server if none is). */
  prepare(connectionId: string, caller: Caller): void {
    const key = keyOf(connectionId, caller);
    const h = this.held.get(key);
    if (h && (h.pending || (h.approval && this.fresh(h.approval)))) return;
    this.fetch(key, connectionId, caller);
  }

  /**
   * The approval for this call, used up (null when none is fresh: then the record must open before the
   * INVITE). The caller asks for the next one (prepare) once its call is on its way.
   */
  take(connectionId: string, caller: Caller): string | null {
    const key = keyOf(connectionId, caller);
    const h = this.held.get(key);
    const approval = h?.approval && this.fresh(h.approval) ? h.approval.approval : null;
    if (h) h.approval = null;
    return approval;
  }

  /** Forget every approval (another connection, another user). */
  clear(): void {
    this.generation++;
    for (const key of [...this.held.keys()]) this.drop(key);
  }

  private fresh(a: CallApprovalDto): boolean {
    return Date.parse(a.expiresAt) - this.now() > APPROVAL_MARGIN_MS;
  }

  /** Ask for an approval for `key`; one still held stays usable until the new one arrives. */
  private fetch(key: string, connectionId: string, caller: Caller): void {
    let h = this.held.get(key);
    if (!h) {
      h = { approval: null, pending: false, renew: null };
      this.held.set(key, h);
      while (this.held.size > MAX_HELD) this.drop(this.held.keys().next().value!);
    }
    if (h.renew) clearTimeout(h.renew);
    h.renew = null;
    h.pending = true;
    const entry = h;
    const gen = this.generation;
    this.ask({ connectionId, phoneNumberId: caller.phoneNumberId, callerNumber: caller.number })
      .then((approval) => {
        if (gen !== this.generation || this.held.get(key) !== entry) return;
        entry.approval = approval;
        entry.pending = false;
        // Renewed ahead of its margin, so an agent who waits before calling still has a fresh one.
        const due = Date.parse(approval.expiresAt) - this.now() - APPROVAL_MARGIN_MS - 5_000;
        entry.renew = setTimeout(
          () => {
            if (this.held.get(key) === entry) this.fetch(key, connectionId, caller);
          },
          Math.max(1_000, due),
        );
      })
      .catch(() => {
        // Refused (the number is no longer assigned, ...) or unreachable: the call will open its record
        // first, and the server's answer to that is what the agent sees.
        if (this.held.get(key) !== entry) return;
        entry.pending = false;
        if (!entry.approval || !this.fresh(entry.approval)) this.drop(key);
      });
  }

  private drop(key: string): void {
    const h = this.held.get(key);
    if (h?.renew) clearTimeout(h.renew);
    this.held.delete(key);
  }
}

function keyOf(connectionId: string, caller: Caller): string {
  return `${connectionId} ${caller.phoneNumberId} ${caller.number}`;
}
