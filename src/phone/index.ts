/** Public surface of the softphone for the page. Adapters are not exported: use createSoftphone(). */
export { createSoftphone, type SoftphoneKind } from './create-softphone.js';
export type {
  AudioDevices,
  Call,
  CallEnd,
  CallQuality,
  CallQualityEvent,
  CallState,
  CallStateEvent,
  DialOptions,
  EndCause,
  PhoneError,
  RegistrationState,
  Softphone,
  SoftphoneEvents,
  SoftphoneOptions,
} from './softphone.js';
export { PhoneErrorException, E164, DTMF_DIGIT } from './softphone.js';
export { CALL_STATES, END_CAUSES, describeEnd, outcomeOf, canTransition } from './call-state.js';
export {
  createRingtone,
  listAudioDevices,
  onAudioDevicesChanged,
  primeAudioOnFirstInteraction,
  isAudioPrimed,
} from './ringtone.js';
