/**
 * The `<audio>` element that plays the other party: the page's own (SoftphoneOptions.audioElement)
 * or, when it gave none, a hidden one this phone creates on first use and removes on release().
 */
export class RemoteAudio {
  private el: HTMLAudioElement | null;
  private owned = false;

  constructor(pageElement: HTMLAudioElement | null) {
    this.el = pageElement;
  }

  /** The element, created on first use in a browser (null outside one). */
  element(outputDeviceId?: string): HTMLAudioElement | null {
    if (this.el) return this.el;
    if (typeof document === 'undefined') return null;
    const el = document.createElement('audio');
    el.autoplay = true;
    el.setAttribute('data-phone-remote-audio', '');
    el.style.display = 'none';
    document.body.appendChild(el);
    this.el = el;
    this.owned = true;
    if (outputDeviceId) void setSink(el, outputDeviceId);
    return el;
  }

  play(stream: MediaStream | null, outputDeviceId?: string): void {
    const el = this.element(outputDeviceId);
    if (!el) return;
    if (el.srcObject !== stream) el.srcObject = stream;
    if (stream) void el.play().catch(() => undefined);
  }

  /** Route the remote audio to a speaker (setSinkId); a no-op before the element exists. */
  async setOutput(deviceId: string): Promise<void> {
    if (this.el) await setSink(this.el, deviceId);
  }

  /** Stop playing; remove the element when this phone created it. */
  release(): void {
    if (this.el) this.el.srcObject = null;
    if (this.owned) this.el?.remove();
    this.el = null;
    this.owned = false;
  }
}

async function setSink(el: HTMLAudioElement, deviceId: string): Promise<void> {
  const withSink = el as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
  if (typeof withSink.setSinkId !== 'function') return;
  try {
    await withSink.setSinkId(deviceId === 'default' ? '' : deviceId);
  } catch {
    /* device gone or not permitted: keep the current output */
  }
}
