/**
 * Signs and checks call approvals: the server's word, given ahead of the click, that this user may call
 * from this connection with this caller ID (CallService.approve). The phone then sends the INVITE at once
 * and opens the call record alongside, handing the approval back; the record takes the id the approval
 * names, so one approval opens one record only.
 *
 * HMAC-SHA-256 with a key derived (HKDF) from the credentials key, so every app instance behind a load
 * balancer checks what any other signed, and the key is never used for two purposes.
 */
import crypto from 'node:crypto';

/** What an approval says. Times are milliseconds since the epoch. */
export interface CallApprovalClaims {
  /** The id the call record will have: one record per approval. */
  recordId: string;
  userId: string;
  connectionId: string;
  phoneNumberId: string;
  /** The caller ID, E.164. */
  callerNumber: string;
  expiresAt: number;
}

export interface CallApprovalSigner {
  sign(claims: CallApprovalClaims): string;
  /** The claims of an approval this server signed, or null (forged, altered, malformed). Expiry is the caller's. */
  verify(token: string): CallApprovalClaims | null;
}

const VERSION = 'v1';

/** The answer (409) to a second use of one approval. */
export const USED_APPROVAL_MESSAGE = 'This call approval was used already; each approval places one call.';

export function createCallApprovalSigner(masterKey: Buffer): CallApprovalSigner {
  const key = Buffer.from(
    crypto.hkdfSync('sha256', masterKey, Buffer.alloc(0), 'dialer call approval v1', 32),
  );
  const mac = (body: string): Buffer =>
    crypto.createHmac('sha256', key).update(`${VERSION}.${body}`).digest();
  return {
    sign(claims) {
      const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `${VERSION}.${body}.${mac(body).toString('base64url')}`;
    },
    verify(token) {
      const [version, body, signature, ...rest] = token.split('.');
      if (version !== VERSION || !body || !signature || rest.length > 0) return null;
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(body);
      if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
      try {
        return parseClaims(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
      } catch {
        return null;
      }
    },
  };
}

function parseClaims(value: unknown): CallApprovalClaims | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const text = (k: string): string | null => (typeof v[k] === 'string' ? v[k] : null);
  const recordId = text('recordId');
  const userId = text('userId');
  const connectionId = text('connectionId');
  const phoneNumberId = text('phoneNumberId');
  const callerNumber = text('callerNumber');
  const expiresAt = typeof v.expiresAt === 'number' ? v.expiresAt : null;
  if (!recordId || !userId || !connectionId || !phoneNumberId || !callerNumber || expiresAt === null)
    return null;
  return { recordId, userId, connectionId, phoneNumberId, callerNumber, expiresAt };
}
