/**
 * Public surface of the softphone: the only module the page imports (lint enforces it). Adapters are
 * not exported: createSoftphone() loads the one a connection needs on demand.
 */
export { createSoftphone, preloadSoftphone, type SoftphoneKind } from './create-softphone.js';
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
  LineState,
  PhoneLogger,
  RegistrationState,
  Softphone,
  SoftphoneEvents,
  SoftphoneOptions,
} from './softphone.js';
export { DTMF_DIGIT } from './softphone.js';
export { PhoneErrorCode, PhoneErrorException, type PhoneError } from './errors.js';
export {
  CALL_STATES,
  END_CAUSES,
  LIVE_CALL_STATES,
  ANSWERED_CALL_STATES,
  isAnswered,
  describeEnd,
  outcomeOf,
  canTransition,
  lineStateOf,
} from './call-state.js';
export {
  createRingtone,
  listAudioDevices,
  onAudioDevicesChanged,
  primeAudioOnFirstInteraction,
  isAudioPrimed,
} from './ringtone.js';
