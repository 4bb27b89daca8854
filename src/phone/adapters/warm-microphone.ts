/**
 * A microphone opened ahead of a call (prepareMedia(): when the number to call is complete), so pressing
 * Call does not wait for getUserMedia. It waits a few seconds for its call, then is closed.
 */

/** How long a microphone opened by prepareMedia() waits for its call. */
const WARM_STREAM_MS = 5_000;

export function stopStream(stream: MediaStream): void {
  for (const t of stream.getTracks()) t.stop();
}

export class WarmMicrophone {
  private warm: { stream: MediaStream; timer: ReturnType<typeof setTimeout> } | null = null;

  /** Keep `stream` for the next call (closing any earlier one). */
  keep(stream: MediaStream): void {
    this.release();
    this.warm = { stream, timer: setTimeout(() => this.release(), WARM_STREAM_MS) };
  }

  /** A live stream is kept: it waits its full time again from now (nothing new is opened). */
  extend(): boolean {
    const warm = this.warm;
    if (!warm || !warm.stream.getAudioTracks().some((t) => t.readyState === 'live')) return false;
    clearTimeout(warm.timer);
    warm.timer = setTimeout(() => this.release(), WARM_STREAM_MS);
    return true;
  }

  /** The kept stream if its microphone is still live; the caller then owns it. */
  take(): MediaStream | null {
    const warm = this.warm;
    if (!warm) return null;
    clearTimeout(warm.timer);
    this.warm = null;
    return warm.stream.getAudioTracks().some((t) => t.readyState === 'live') ? warm.stream : null;
  }

  release(): void {
    const stream = this.take();
    if (stream) stopStream(stream);
  }
}
