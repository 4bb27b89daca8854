/**
 * The phone's errors: one stable code per kind of failure (like mediasoup-client's errors.ts), carried
 * by the {@link PhoneErrorException} the softphone throws and by its `error` events. The page matches
 * the code by type (`e.code === PhoneErrorCode.TokenExpiring`), never by message text.
 */
export const PhoneErrorCode = {
  /** call() before the line is registered; the message says why (registering, failed: reason, ...). */
  NotRegistered: 'PHONE_NOT_REGISTERED',
  /** The destination or the caller ID is not an E.164 number. */
  InvalidNumber: 'PHONE_INVALID_NUMBER',
  /** A call is already up (one call at a time in this version). */
  BusyLine: 'PHONE_BUSY_LINE',
  /** register() did not end registered; the message is the plain reason. */
  RegistrationFailed: 'PHONE_REGISTRATION_FAILED',
  /** A registration for another provider was handed to this adapter. */
  WrongProvider: 'PHONE_WRONG_PROVIDER',
  /** The provider could not start the call. */
  CallFailed: 'PHONE_CALL_FAILED',
  /** An action on a call that does not exist. */
  NoCall: 'PHONE_NO_CALL',
  /** The softphone was destroyed; create a new one. */
  Destroyed: 'PHONE_DESTROYED',
  /** sendDtmf() with something that is not a keypad digit. */
  InvalidDtmf: 'PHONE_INVALID_DTMF',
  /** The microphone is missing or access to it was denied. */
  MediaDenied: 'PHONE_MEDIA_DENIED',
  /** The provider reported an error outside a call set-up (event only). */
  ProviderError: 'PHONE_PROVIDER_ERROR',
  /** Telnyx: the login token expires soon; register again with a fresh one when no call is up (event only). */
  TokenExpiring: 'PHONE_TOKEN_EXPIRING',
  /** transfer() was refused or failed; the call stays up. */
  TransferFailed: 'PHONE_TRANSFER_FAILED',
  /** This phone cannot do what was asked (e.g. transfer on Telnyx); the message says why. */
  NotSupported: 'PHONE_NOT_SUPPORTED',
  /** A state machine was asked for a move its diagram does not have (see call-state.ts). */
  InvalidTransition: 'PHONE_INVALID_TRANSITION',
} as const;
export type PhoneErrorCode = (typeof PhoneErrorCode)[keyof typeof PhoneErrorCode];

/** What the softphone reports: thrown as {@link PhoneErrorException}, or emitted as an `error` event. */
export interface PhoneError {
  code: PhoneErrorCode;
  /** Fit for the user. */
  message: string;
  callId?: string;
  cause?: unknown;
}

/** Error thrown by the softphone; `code` is stable, `message` is fit for the user. */
export class PhoneErrorException extends Error implements PhoneError {
  constructor(
    readonly code: PhoneErrorCode,
    message: string,
    readonly callId?: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'PhoneError';
  }
}
