/**
 * How Telnyx's vocabulary maps to ours (pure functions; used by the sync and the fallback list).
 */
import type { DtmfMode, NumberType, TrunkSettings } from '../../../shared/domain.js';
import type { TelnyxConnection } from './telnyx-repository.js';

export const TELNYX_SIP_DOMAIN = 'sip.telnyx.com';

export function dtmfModeFromTelnyx(dtmfType: string | null): DtmfMode | undefined {
  if (dtmfType === 'SIP INFO') return 'info';
  if (dtmfType === 'RFC 2833') return 'rfc2833';
  return undefined;
}

export function numberTypeFromTelnyx(type: string | null): NumberType {
  switch (type ?? '') {
    case 'local':
    case 'landline':
    case 'longcode':
      return 'local';
    case 'toll_free':
    case 'tollfree':
      return 'toll_free';
    case 'mobile':
      return 'mobile';
    case 'national':
      return 'national';
    case 'shared_cost':
      return 'shared_cost';
    default:
      return 'unknown';
  }
}

export function numberStatusFromTelnyx(status: string): 'active' | 'inactive' | 'pending' | 'released' {
  if (status === 'active') return 'active';
  if (status === 'deleted' || status === 'ported-out') return 'released';
  if (status.endsWith('-pending') || status.startsWith('requirement-info')) return 'pending';
  return 'inactive';
}

export function settingsFromTelnyx(c: TelnyxConnection): TrunkSettings {
  const settings: TrunkSettings = {};
  if (c.codecs?.length) settings.codecs = c.codecs;
  const dtmf = dtmfModeFromTelnyx(c.dtmfType);
  if (dtmf) settings.dtmfMode = dtmf;
  return settings;
}

export function sipUriFor(c: TelnyxConnection): string | null {
  return c.userName ? `sip:${c.userName}@${TELNYX_SIP_DOMAIN}` : null;
}
