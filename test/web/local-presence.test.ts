/**
 * Local presence ("Auto (local match)" caller ID): which of a connection's numbers a call goes out with,
 * per destination — the shared rule, and the dialer's caller ID following what the agent types.
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { localPresence } from '../../src/shared/local-presence.js';
import { AUTO_CALLER_ID, useConnectionsStore } from '../../src/web/stores/connections.js';
import { useDialerStore } from '../../src/web/stores/dialer.js';
import { aConnection, aList, aNumber } from './factories.js';
import { installFakeFetch, json } from './fake-fetch.js';

const chicago = aNumber('+13125550100', 'primary');
const chicagoToo = aNumber('+13125550101', 'secondary');
const newYork = aNumber('+12125550110', 'secondary');
const boston = aNumber('+16175550150', 'backup');
const london = aNumber('+442079460130', 'backup', { country: 'GB' });
const numbers = [chicago, chicagoToo, newYork, boston, london];

describe('localPresence', () => {
  it('takes the number with the destination’s area code, the first such in the caller’s order', () => {
    expect(localPresence(numbers, '+16175551234')).toEqual({ number: boston, match: 'area' });
    expect(localPresence(numbers, '+12125559876')).toEqual({ number: newYork, match: 'area' });
    expect(localPresence(numbers, '+13125550199')).toEqual({ number: chicago, match: 'area' });
    expect(localPresence(numbers, '+442071234567')).toEqual({ number: london, match: 'area' });
  });

  it('else a number of the same country, else the first (primary) number', () => {
    // Los Angeles: no 213 number, US numbers exist -> the first US one.
    expect(localPresence(numbers, '+12135550100')).toEqual({ number: chicago, match: 'country' });
    // Manchester: no 161 number, a London one exists.
    expect(localPresence(numbers, '+441612345678')).toEqual({ number: london, match: 'country' });
    // Paris: nothing French.
    expect(localPresence(numbers, '+33142685300')).toEqual({ number: chicago, match: 'none' });
    // Canada shares +1 with the US but is another country: not "same country".
    expect(localPresence([london, chicago], '+14165550100')).toEqual({ number: london, match: 'none' });
  });

  it('has nothing to choose from without numbers', () => {
    expect(localPresence([], '+16175551234')).toBeNull();
  });
});

describe('the dialer’s caller ID in auto mode', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.unstubAllGlobals());

  async function loaded() {
    installFakeFetch({
      'GET /api/connections': () =>
        json(200, aList([aConnection('c1', { numbers }), aConnection('c2', { numbers: [chicago] })])),
    });
    const connections = useConnectionsStore();
    await connections.load();
    return { connections, dialer: useDialerStore() };
  }

  it('follows the number being typed, and shows the first number until it is a number', async () => {
    const { connections, dialer } = await loaded();
    connections.selectCallerId(AUTO_CALLER_ID);
    expect(connections.autoCallerId).toBe(true);
    expect(dialer.callerIdMatch).toEqual({ number: chicago, match: 'none' });
    dialer.setInput('617555');
    expect(dialer.callerId).toEqual(chicago);
    dialer.setInput('6175551234');
    expect(dialer.callerIdMatch).toEqual({ number: boston, match: 'area' });
    expect(dialer.callerId).toEqual(boston);
    dialer.setInput('+33142685300');
    expect(dialer.callerIdMatch).toEqual({ number: chicago, match: 'none' });
  });

  it('an emergency number goes out with the first number, whose country decides what is an emergency', async () => {
    const { connections, dialer } = await loaded();
    connections.selectCallerId(AUTO_CALLER_ID);
    dialer.setInput('911');
    expect(dialer.destination).toMatchObject({ kind: 'valid', emergency: true });
    expect(dialer.callerId).toEqual(chicago);
  });

  it('stays on across connections with numbers; picking a number turns it off', async () => {
    const { connections, dialer } = await loaded();
    connections.selectCallerId(AUTO_CALLER_ID);
    connections.selectConnection('c2');
    expect(connections.autoCallerId).toBe(true);
    dialer.setInput('6175551234');
    expect(dialer.callerIdMatch).toEqual({ number: chicago, match: 'country' });
    connections.selectConnection('c1');
    connections.selectCallerId(chicagoToo.phoneNumberId);
    expect(connections.autoCallerId).toBe(false);
    expect(dialer.callerIdMatch).toBeNull();
    expect(dialer.callerId).toEqual(chicagoToo);
  });
});
