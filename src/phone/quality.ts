/**
 * Call quality from RTCPeerConnection.getStats().
 *
 * MOS uses the simplified ITU-T G.107 E-model: R = 93.2 − Id(delay) − Ie(loss), then the standard
 * R→MOS curve. A browser has no access to the codec's real impairment tables or the listener's
 * playout buffer, and getStats gives exactly the three inputs the simplified model needs (RTT, jitter,
 * loss); it is the formula commonly used by WebRTC monitoring tools, good for trends and comparing
 * trunks, not a lab-grade PESQ/POLQA score.
 */

export interface CallQuality {
  /** Mean opinion score 1 (bad) – 4.5 (best achievable by the model); null before any media. */
  mos: number | null;
  jitterMs: number | null;
  packetLossPct: number | null;
  rttMs: number | null;
  bytesSent: number;
  bytesReceived: number;
}

export const EMPTY_QUALITY: CallQuality = {
  mos: null,
  jitterMs: null,
  packetLossPct: null,
  rttMs: null,
  bytesSent: 0,
  bytesReceived: 0,
};

/** Simplified E-model. Inputs in ms and percent; returns MOS rounded to 2 decimals. */
export function estimateMos(rttMs: number, jitterMs: number, packetLossPct: number): number {
  // One-way "effective latency": half the RTT, jitter counts double (it costs jitter-buffer delay),
  // plus ~10 ms for codec framing.
  const effectiveLatency = rttMs / 2 + jitterMs * 2 + 10;
  const delayImpairment = effectiveLatency < 160 ? effectiveLatency / 40 : (effectiveLatency - 120) / 10;
  // Each percent of loss costs ~2.5 R points (Opus/G.711 with packet loss concealment).
  const lossImpairment = packetLossPct * 2.5;
  const r = Math.max(0, Math.min(100, 93.2 - delayImpairment - lossImpairment));
  const mos = 1 + 0.035 * r + 0.000007 * r * (r - 60) * (100 - r);
  return Math.round(Math.max(1, Math.min(4.5, mos)) * 100) / 100;
}

type Stat = Record<string, unknown> & { type: string; id: string };

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Reads audio RTP stats out of a getStats() report (works with the real RTCStatsReport or a Map). */
export function qualityFromStats(report: { forEach(cb: (value: Stat) => void): void }): CallQuality {
  let bytesSent = 0;
  let bytesReceived = 0;
  let jitterS: number | null = null;
  let lost = 0;
  let received = 0;
  let haveInbound = false;
  let rttS: number | null = null;
  let pairRttS: number | null = null;
  let remoteLoss: number | null = null;

  report.forEach((s) => {
    const kind = (s.kind ?? s.mediaType) as string | undefined;
    if (s.type === 'outbound-rtp' && kind === 'audio') {
      bytesSent += num(s.bytesSent) ?? 0;
    } else if (s.type === 'inbound-rtp' && kind === 'audio') {
      haveInbound = true;
      bytesReceived += num(s.bytesReceived) ?? 0;
      const j = num(s.jitter);
      if (j !== null) jitterS = Math.max(jitterS ?? 0, j);
      lost += Math.max(0, num(s.packetsLost) ?? 0);
      received += num(s.packetsReceived) ?? 0;
    } else if (s.type === 'remote-inbound-rtp' && kind === 'audio') {
      const r = num(s.roundTripTime);
      if (r !== null) rttS = r;
      const f = num(s.fractionLost);
      if (f !== null) remoteLoss = f * 100;
    } else if (
      s.type === 'candidate-pair' &&
      (s.nominated === true || s.selected === true) &&
      s.state === 'succeeded'
    ) {
      const r = num(s.currentRoundTripTime);
      if (r !== null) pairRttS = r;
    }
  });

  const rtt: number | null = rttS ?? pairRttS;
  const rttMs = rtt !== null ? Math.round(rtt * 1000 * 10) / 10 : null;
  const jitterMs = jitterS !== null ? Math.round((jitterS as number) * 1000 * 10) / 10 : null;
  let packetLossPct: number | null = null;
  if (haveInbound && lost + received > 0) packetLossPct = Math.round((lost / (lost + received)) * 1000) / 10;
  else if (remoteLoss !== null) packetLossPct = Math.round((remoteLoss as number) * 10) / 10;
  const mos = haveInbound && received > 0 ? estimateMos(rttMs ?? 0, jitterMs ?? 0, packetLossPct ?? 0) : null;
  return { mos, jitterMs, packetLossPct, rttMs, bytesSent, bytesReceived };
}

/** getStats() of a peer connection, never throwing (a closed connection yields the empty result). */
export async function qualityOf(
  pc: { getStats(): Promise<unknown> } | null | undefined,
): Promise<CallQuality> {
  if (!pc) return { ...EMPTY_QUALITY };
  try {
    const report = (await pc.getStats()) as { forEach(cb: (value: Stat) => void): void };
    return qualityFromStats(report);
  } catch {
    return { ...EMPTY_QUALITY };
  }
}
