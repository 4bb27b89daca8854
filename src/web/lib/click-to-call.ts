/**
 * Click to call: `tel:` and `sip:` links elsewhere (a CRM, an e-mail signature) open the dialer with the
 * number filled in, through `/dial?to=<link>`. Nothing is dialled until the agent presses Call.
 */
import { cleanPastedNumber } from './phone-number.js';

/** The schemes the browser lets a site handle (both are on the HTML standard's safelist). */
export const PHONE_LINK_SCHEMES = ['tel', 'sip'] as const;

/**
 * The dial string of a link: `tel:+1-312-555-0100`, `tel:%2B13125550100;ext=1`, `sip:+13125550100@host;user=phone`,
 * `sips:…`, `web+sip:…`, or a bare number. Null when the link holds no phone number (e.g. `sip:alice@host`).
 */
export function numberFromLink(link: string): string | null {
  let value = link.trim();
  try {
    value = decodeURIComponent(value);
  } catch {
    /* not encoded: use as is */
  }
  const sip = /^(?:web\+)?sips?:([^@;?]+)(?:@|;|\?|$)/i.exec(value);
  if (sip) value = sip[1] ?? '';
  value = value.replace(/^tel:/i, '');
  if (!/\d/.test(value.replace(/;.*$/, '')) || /[a-z]/i.test(value.replace(/;.*$/, ''))) return null;
  const number = cleanPastedNumber(value);
  return /\d{3,}/.test(number) ? number : null;
}

export function canHandlePhoneLinks(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.registerProtocolHandler === 'function';
}

/**
 * Ask the browser to open `tel:` and `sip:` links with this dialer (it asks the user to confirm).
 * Returns the schemes the browser accepted the request for.
 */
export function handlePhoneLinks(origin: string = window.location.origin): string[] {
  if (!canHandlePhoneLinks()) return [];
  const done: string[] = [];
  for (const scheme of PHONE_LINK_SCHEMES) {
    try {
      navigator.registerProtocolHandler(scheme, `${origin}/dial?to=%s`);
      done.push(scheme);
    } catch {
      // A browser may refuse one scheme (e.g. outside a secure context); the other may still work.
    }
  }
  return done;
}
