/**
 * The page's entry point to calling. Adapters are loaded with dynamic import() so the dialer route only
 * downloads the SDK the selected connection needs (JsSIP ~100 KB or @telnyx/webrtc ~270 KB minified).
 */
import type { Provider } from '../shared/domain.js';
import type { Softphone, SoftphoneOptions } from './softphone.js';

export type SoftphoneKind = Provider | 'fake';

/**
 * Create the softphone for a connection's provider. Then `await phone.register(registrationDto)`.
 * One phone per selected connection: `await old.destroy()` before creating the next.
 */
export async function createSoftphone(
  provider: SoftphoneKind,
  options: SoftphoneOptions = {},
): Promise<Softphone> {
  switch (provider) {
    case 'sip': {
      const { JsSipSoftphone } = await loadSip();
      return new JsSipSoftphone(options);
    }
    case 'telnyx': {
      const { TelnyxSoftphone } = await loadTelnyx();
      return new TelnyxSoftphone(options);
    }
    case 'fake': {
      const { FakeSoftphone } = await import('./adapters/fake-adapter.js');
      return new FakeSoftphone(options);
    }
  }
}

const loadSip = () => import('./adapters/jssip-adapter.js');
const loadTelnyx = () => import('./adapters/telnyx-adapter.js');

/**
 * Start loading a provider's adapter and SDK without creating a phone (the page knows which one it will
 * need before it has what to register with); createSoftphone() then finds it loaded.
 */
export function preloadSoftphone(provider: Provider): void {
  void (provider === 'sip' ? loadSip() : loadTelnyx()).catch(() => undefined);
}
