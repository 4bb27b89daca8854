/**
 * A call's quality samples for the softphone: periodic samples while the call is up, the last good
 * sample kept for after the peer connection closes (so the call record still gets MOS/jitter/loss), and
 * the final sample taken at hang-up, before the provider closes the peer connection.
 */
import { EMPTY_QUALITY, qualityOf, type CallQuality } from './quality.js';

/** Anything with getStats(): the RTCPeerConnection of a call, or a fake. */
export interface StatsSource {
  getStats(): Promise<unknown>;
}

const hasMedia = (q: CallQuality): boolean => q.bytesReceived > 0 || q.bytesSent > 0;

export class QualityMonitor {
  /** One sampling timer per answered call (two lines: a held call keeps its own). */
  private readonly timers = new Map<string, ReturnType<typeof setInterval>>();
  private readonly lastGood = new Map<string, CallQuality>();
  private readonly finals = new Map<string, Promise<CallQuality>>();

  /** `source` finds the stats of a call still known to the softphone (null: unknown call). */
  constructor(private readonly source: (callId: string) => StatsSource | null | undefined) {}

  /** Fresh stats while the peer connection is open; once it is closed, the last good sample. */
  async sample(callId: string): Promise<CallQuality> {
    const stats = this.source(callId);
    if (stats === undefined) return { ...EMPTY_QUALITY };
    const q = await qualityOf(stats);
    if (hasMedia(q)) {
      this.lastGood.set(callId, q);
      return q;
    }
    return this.lastGood.get(callId) ?? q;
  }

  /** Sample every `everyMs` while `live()` holds; one timer per call. */
  start(callId: string, everyMs: number, live: () => boolean, onSample: (q: CallQuality) => void): void {
    this.stop(callId);
    if (everyMs <= 0) return;
    this.timers.set(
      callId,
      setInterval(() => {
        if (!live()) return;
        void this.sample(callId).then(onSample);
      }, everyMs),
    );
  }

  /** Stop sampling one call, or every call. */
  stop(callId?: string): void {
    for (const [id, timer] of this.timers) {
      if (callId !== undefined && id !== callId) continue;
      clearInterval(timer);
      this.timers.delete(id);
    }
  }

  /** Take the final sample now (at hang-up, before the peer connection closes). */
  captureFinal(callId: string): void {
    this.finals.set(callId, this.sample(callId));
  }

  /** The call ended: its final sample (captured at hang-up, else taken now), only if media flowed. */
  async final(callId: string): Promise<CallQuality | null> {
    const final = this.finals.get(callId) ?? this.sample(callId);
    this.finals.delete(callId);
    const quality = await final;
    return hasMedia(quality) ? quality : null;
  }

  forget(callId: string): void {
    this.lastGood.delete(callId);
  }
}
