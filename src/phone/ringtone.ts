/**
 * Incoming-call ringtone made with WebAudio (no audio file to fetch), and audio device helpers.
 *
 * Browsers start an AudioContext "suspended" unless it is created or resumed during a user gesture,
 * so a call that arrives while the user is idle would ring silently. {@link primeAudioOnFirstInteraction}
 * resumes the shared context on the first click/key/touch; the ringtone then plays whenever a call comes.
 */

type AudioContextCtor = new () => AudioContext;

let sharedContext: AudioContext | null = null;

function audioContextCtor(): AudioContextCtor | null {
  const g = globalThis as unknown as {
    AudioContext?: AudioContextCtor;
    webkitAudioContext?: AudioContextCtor;
  };
  return g.AudioContext ?? g.webkitAudioContext ?? null;
}

/** The page-wide AudioContext (null outside a browser). */
export function getAudioContext(): AudioContext | null {
  if (sharedContext) return sharedContext;
  const Ctor = audioContextCtor();
  if (!Ctor) return null;
  sharedContext = new Ctor();
  return sharedContext;
}

/**
 * Resume the AudioContext on the user's first interaction so later ringing is not blocked by autoplay
 * rules. Call once at app start-up; safe to call repeatedly. Returns a function that removes the hooks.
 */
export function primeAudioOnFirstInteraction(
  target: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | null = typeof document !==
  'undefined'
    ? document
    : null,
): () => void {
  if (!target) return () => undefined;
  const events = ['pointerdown', 'keydown', 'touchstart'] as const;
  const prime = (): void => {
    const ctx = getAudioContext();
    if (!ctx) return;
    if (ctx.state !== 'running') void ctx.resume().catch(() => undefined);
    remove();
  };
  const remove = (): void => {
    for (const e of events) target.removeEventListener(e, prime, true);
  };
  for (const e of events) target.addEventListener(e, prime, true);
  return remove;
}

/** True once audio may play without a gesture. */
export function isAudioPrimed(): boolean {
  return sharedContext?.state === 'running';
}

export interface Ringtone {
  start(): void;
  stop(): void;
  readonly playing: boolean;
  /** Route the ringtone to an output device (Chrome: AudioContext.setSinkId). */
  setSinkId(deviceId: string): Promise<void>;
}

/**
 * A North-American style ring (440 + 480 Hz, 2 s on, 4 s off), generated on the fly.
 * Does nothing (and never throws) where WebAudio is missing.
 */
export function createRingtone(opts: { volume?: number; onMs?: number; offMs?: number } = {}): Ringtone {
  const volume = opts.volume ?? 0.15;
  const onMs = opts.onMs ?? 2000;
  const offMs = opts.offMs ?? 4000;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let nodes: { oscs: OscillatorNode[]; gain: GainNode } | null = null;
  let playing = false;

  const burst = (): void => {
    const ctx = getAudioContext();
    if (!ctx || !playing) return;
    if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
    const gain = ctx.createGain();
    gain.gain.value = volume;
    gain.connect(ctx.destination);
    const oscs = [440, 480].map((f) => {
      const o = ctx.createOscillator();
      o.frequency.value = f;
      o.connect(gain);
      o.start();
      o.stop(ctx.currentTime + onMs / 1000);
      return o;
    });
    nodes = { oscs, gain };
    timer = setTimeout(burst, onMs + offMs);
  };

  const silence = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (nodes) {
      for (const o of nodes.oscs) {
        try {
          o.stop();
        } catch {
          /* already stopped */
        }
      }
      nodes.gain.disconnect();
      nodes = null;
    }
  };

  return {
    get playing() {
      return playing;
    },
    start() {
      if (playing) return;
      playing = true;
      burst();
    },
    stop() {
      playing = false;
      silence();
    },
    async setSinkId(deviceId: string) {
      // AudioContext.setSinkId is Chrome 110+ and not in every DOM lib version.
      const ctx: (AudioContext & { setSinkId?: (id: string) => Promise<void> }) | null = getAudioContext();
      if (ctx?.setSinkId) await ctx.setSinkId(deviceId === 'default' ? '' : deviceId);
    },
  };
}

export interface AudioDeviceList {
  inputs: MediaDeviceInfo[];
  outputs: MediaDeviceInfo[];
  /** False when the browser cannot choose the speaker (no HTMLMediaElement.setSinkId, e.g. Firefox < 116). */
  canSelectOutput: boolean;
}

/**
 * Microphones and speakers. Labels are empty until the page has microphone permission; pass
 * `requestPermission: true` to ask for it first (opens and immediately stops a mic stream).
 */
export async function listAudioDevices(opts: { requestPermission?: boolean } = {}): Promise<AudioDeviceList> {
  const md = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
  if (!md) return { inputs: [], outputs: [], canSelectOutput: false };
  if (opts.requestPermission) {
    const stream = await md.getUserMedia({ audio: true });
    for (const t of stream.getTracks()) t.stop();
  }
  const all = await md.enumerateDevices();
  return {
    inputs: all.filter((d) => d.kind === 'audioinput'),
    outputs: all.filter((d) => d.kind === 'audiooutput'),
    canSelectOutput: typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype,
  };
}

/** Subscribe to device plug/unplug; returns the unsubscribe function. */
export function onAudioDevicesChanged(listener: () => void): () => void {
  const md = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
  if (!md) return () => undefined;
  md.addEventListener('devicechange', listener);
  return () => md.removeEventListener('devicechange', listener);
}
