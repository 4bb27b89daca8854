/**
 * Runs the fake Telnyx API on its own (for the browser tests and by hand):
 *   tsx test/fakes/telnyx-api/main.ts [--port 0] [--numbers 300] [--connections 4] [--connection-ids a,b] [--api-key KEY]
 *     [--delay-ms 0]   (every answer waits this long, as a real API across a network does)
 * Prints one JSON line `{ "baseUrl": ..., "apiKey": ... }` once it listens.
 */
import { parseArgs } from 'node:util';
import { startFakeTelnyx } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    numbers: { type: 'string', default: '300' },
    connections: { type: 'string', default: '4' },
    'connection-ids': { type: 'string' },
    'api-key': { type: 'string', default: 'test-telnyx-key' },
    'delay-ms': { type: 'string', default: '0' },
  },
});
const fake = await startFakeTelnyx({
  port: Number(values.port),
  numbers: Number(values.numbers),
  connections: Number(values.connections),
  apiKey: values['api-key'],
  ...(values['connection-ids'] ? { connectionIds: values['connection-ids'].split(',') } : {}),
});
fake.setDelay(Number(values['delay-ms']));
process.stdout.write(`${JSON.stringify({ baseUrl: fake.baseUrl, apiKey: fake.apiKey })}\n`);
const shutdown = (): void => {
  void fake.close().then(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
