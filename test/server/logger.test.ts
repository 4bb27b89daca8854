/**
 * Log format: readable lines on a developer's terminal, JSON everywhere else; secrets are redacted the
 * same way in both. (serve.test.ts runs the real server on a pseudo-terminal and on a pipe.)
 */
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/server/config.js';
import { createLoggerOptions, wantsPrettyLogs } from '../../src/server/logger.js';

describe('wantsPrettyLogs', () => {
  it.each([
    ['development', true, true],
    ['test', true, true],
    ['production', true, false],
    ['development', false, false],
    ['development', undefined, false],
  ] as const)('%s with stdout.isTTY=%s -> %s', (env, isTTY, pretty) => {
    expect(wantsPrettyLogs({ env }, { isTTY })).toBe(pretty);
  });
});

function captured(pretty: boolean): { lines: string[]; log: ReturnType<typeof Fastify>['log'] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  const config = loadConfig({ LOG_LEVEL: 'info' });
  const app = Fastify({ logger: createLoggerOptions(config, stream, { pretty }) });
  return { lines, log: app.log };
}

// Shaped like the objects the server logs (a request body, a trunk, the Telnyx settings).
const secrets = {
  body: { password: 'hunter2-secret' },
  telnyx: { apiKey: 'KEY-secret' },
  trunk: { sipPassword: 'sip-secret' },
};

describe('createLoggerOptions', () => {
  it('writes readable lines with secrets redacted when pretty', async () => {
    const { lines, log } = captured(true);
    log.info(secrets, 'trunk saved');
    await vi.waitFor(() => expect(lines.join('\n')).toContain('trunk saved'));
    const text = lines.join('\n');
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: trunk saved$/);
    expect(text).not.toContain('{"level"');
    expect(text).toContain('[redacted]');
    expect(text).not.toMatch(/hunter2|KEY-secret|sip-secret/);
  });

  it('writes one JSON object per line with the same redaction otherwise', () => {
    const { lines, log } = captured(false);
    log.info(secrets, 'trunk saved');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 30,
      msg: 'trunk saved',
      body: { password: '[redacted]' },
      telnyx: { apiKey: '[redacted]' },
      trunk: { sipPassword: '[redacted]' },
    });
  });
});
