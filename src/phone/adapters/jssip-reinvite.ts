/**
 * A re-INVITE on an answered JsSIP call whose failure never ends the call by itself.
 *
 * JsSIP's own re-INVITE (`_sendReinvite`, behind renegotiate(), hold() and unhold()) hangs up when the
 * request times out or the transport fails (`onRequestTimeout` / `onTransportError` terminate the
 * session), and renegotiate() / hold() also hang up on any refusal. For the re-INVITEs that keep a call
 * alive across a network change (an ICE restart, or the refresh of our contact after the WebSocket
 * reconnected) that is the wrong answer: the call may be fine, or about to be. This sends the same
 * request (offer built and mangled for hold by the session, as JsSIP does) with handlers that only
 * report what happened. The one exception is 481: the far end no longer knows the dialog, so the call
 * is gone and JsSIP ends it as it would (RFC 3261 12.2.1.2).
 */
import type { RTCSession } from 'jssip/lib/RTCSession.js';

/**
 * `answered`: 2xx with an SDP answer, applied. `refused`: a final error (or an answer we could not
 * apply). `no_answer`: it timed out, or the transport failed. `gone`: 481, the call has ended.
 */
export type ReinviteOutcome = 'answered' | 'refused' | 'no_answer' | 'gone';

interface IncomingResponse {
  status_code: number;
  body?: string;
  hasHeader(name: string): boolean;
  getHeader(name: string): string;
}

/** The parts of JsSIP's RTCSession that its own re-INVITE uses (not in its typings). */
interface SessionInternals {
  _contact: string;
  _connection: RTCPeerConnection;
  _connectionPromiseQueue: Promise<unknown>;
  _createLocalDescription(type: 'offer', constraints: RTCOfferOptions | null): Promise<string>;
  _mangleOffer(sdp: string): string;
  onDialogError(): void;
  emit(event: string, data: unknown): void;
  sendRequest(
    method: string,
    options: {
      extraHeaders?: string[];
      body?: string;
      eventHandlers?: {
        onSuccessResponse?: (r: IncomingResponse) => void;
        onErrorResponse?: (r: IncomingResponse) => void;
        onTransportError?: () => void;
        onRequestTimeout?: () => void;
        onDialogError?: (r?: IncomingResponse) => void;
      };
    },
  ): unknown;
}

/**
 * Sends a re-INVITE with a new offer (`iceRestart`: new ICE credentials, so the media path is found
 * again). The caller checks `session.isReadyToReOffer()` first.
 */
export function sendReinvite(session: RTCSession, opts: { iceRestart: boolean }): Promise<ReinviteOutcome> {
  const s = session as unknown as SessionInternals;
  const constraints: RTCOfferOptions = {
    offerToReceiveAudio: true,
    ...(opts.iceRestart ? { iceRestart: true } : {}),
  };
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: ReinviteOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const onSuccess = (response: IncomingResponse): void => {
      if (session.isEnded()) return settle('gone');
      s.sendRequest('ACK', {}); // also for a retransmitted 2xx, as JsSIP does
      if (settled) return;
      const type = response.hasHeader('Content-Type') ? response.getHeader('Content-Type').toLowerCase() : '';
      if (!response.body || type !== 'application/sdp') return settle('refused');
      s.emit('sdp', { originator: 'remote', type: 'answer', sdp: response.body });
      const answer: RTCSessionDescriptionInit = { type: 'answer', sdp: response.body };
      s._connectionPromiseQueue = s._connectionPromiseQueue
        .then(() => s._connection.setRemoteDescription(answer))
        .then(
          () => settle('answered'),
          () => settle('refused'),
        );
    };
    s._connectionPromiseQueue = s._connectionPromiseQueue
      .then(() => s._createLocalDescription('offer', constraints))
      .then((offer) => {
        const sdp = s._mangleOffer(offer);
        s.emit('sdp', { originator: 'local', type: 'offer', sdp });
        s.sendRequest('INVITE', {
          extraHeaders: [`Contact: ${s._contact}`, 'Content-Type: application/sdp'],
          body: sdp,
          eventHandlers: {
            onSuccessResponse: onSuccess,
            onErrorResponse: () => settle('refused'),
            onTransportError: () => settle('no_answer'),
            onRequestTimeout: () => settle('no_answer'),
            // 408 or 481 (JsSIP's in-dialog rule): only 481 says the dialog is gone.
            onDialogError: (response) => {
              if (response?.status_code === 481) {
                settle('gone');
                s.onDialogError();
              } else settle('no_answer');
            },
          },
        });
      })
      .catch(() => settle('refused'));
  });
}
