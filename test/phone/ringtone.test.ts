import { afterEach, describe, expect, it, vi } from 'vitest';

/** A minimal WebAudio stand-in: records oscillators and resume() calls. */
class FakeAudioContext {
  static instances: FakeAudioContext[] = [];
  state: 'suspended' | 'running' = 'suspended';
  currentTime = 0;
  destination = {};
  oscillators: { frequency: { value: number }; started: boolean; stopped: boolean }[] = [];
  resumes = 0;
  constructor() {
    FakeAudioContext.instances.push(this);
  }
  resume(): Promise<void> {
    this.resumes++;
    this.state = 'running';
    return Promise.resolve();
  }
  createGain() {
    return { gain: { value: 0 }, connect: () => undefined, disconnect: () => undefined };
  }
  createOscillator() {
    const o = {
      frequency: { value: 0 },
      started: false,
      stopped: false,
      connect: () => undefined,
      start: () => {
        o.started = true;
      },
      stop: (when?: number) => {
        if (when === undefined) o.stopped = true;
      },
    };
    this.oscillators.push(o);
    return o;
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
  vi.resetModules();
  FakeAudioContext.instances = [];
});

describe('ringtone', () => {
  it('primes the AudioContext on the first user interaction only', async () => {
    vi.stubGlobal('AudioContext', FakeAudioContext);
    const { primeAudioOnFirstInteraction, isAudioPrimed } = await import('../../src/phone/ringtone.js');
    const target = new EventTarget();
    primeAudioOnFirstInteraction(target);
    expect(isAudioPrimed()).toBe(false);
    target.dispatchEvent(new Event('pointerdown'));
    target.dispatchEvent(new Event('keydown'));
    await Promise.resolve();
    expect(FakeAudioContext.instances).toHaveLength(1);
    expect(FakeAudioContext.instances[0]!.resumes).toBe(1);
    expect(isAudioPrimed()).toBe(true);
  });

  it('rings 440+480 Hz in 2 s bursts every 6 s until stopped, with no audio file', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('AudioContext', FakeAudioContext);
    const { createRingtone } = await import('../../src/phone/ringtone.js');
    const ring = createRingtone();
    ring.start();
    const ctx = FakeAudioContext.instances[0]!;
    expect(ctx.oscillators.map((o) => o.frequency.value)).toEqual([440, 480]);
    vi.advanceTimersByTime(6000);
    expect(ctx.oscillators).toHaveLength(4);
    ring.stop();
    expect(ring.playing).toBe(false);
    expect(ctx.oscillators.slice(2).every((o) => o.stopped)).toBe(true);
    vi.advanceTimersByTime(12_000);
    expect(ctx.oscillators).toHaveLength(4);
  });

  it('does nothing without WebAudio (Node, old browsers)', async () => {
    const { createRingtone, listAudioDevices } = await import('../../src/phone/ringtone.js');
    const ring = createRingtone();
    expect(() => ring.start()).not.toThrow();
    ring.stop();
    expect(await listAudioDevices()).toEqual({ inputs: [], outputs: [], canSelectOutput: false });
  });
});
