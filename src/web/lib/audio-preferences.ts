/**
 * The agent's microphone, speaker and ringer, remembered per user in localStorage (this browser only:
 * device ids are per browser profile, so the server has nothing useful to keep).
 */
import type { AudioDevices } from '../../phone/index.js';

const KEY_PREFIX = 'dialer.audioDevices.';

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage disabled (privacy settings): nothing is remembered
  }
}

/** The saved choice of `userId`, or null when there is none. */
export function loadAudioDevices(userId: string | null): AudioDevices | null {
  if (!userId) return null;
  const raw = storage()?.getItem(KEY_PREFIX + userId);
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    const pick = (k: string): string | undefined => (typeof parsed[k] === 'string' ? parsed[k] : undefined);
    return { input: pick('input'), output: pick('output'), ringer: pick('ringer') };
  } catch {
    return null;
  }
}

export function saveAudioDevices(userId: string, devices: AudioDevices): void {
  storage()?.setItem(KEY_PREFIX + userId, JSON.stringify(devices));
}
