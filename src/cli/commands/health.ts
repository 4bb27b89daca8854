/**
 * `dialer health check [--connection ID] [--json]`: probes now (the same probes and rules as the server's
 * health job) and prints each connection's state, latency and reason. Exit code 1 when an active
 * connection is down, 2 for an unknown connection id.
 */
import type { Command } from 'commander';
import type { HealthCheckItemDto } from '../../shared/health.js';
import { withContext } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import type { Output } from '../output.js';

function line(i: HealthCheckItemDto): string {
  const latency = i.latencyMs !== null ? `${i.latencyMs} ms` : '-';
  return `${i.state.padEnd(9)} ${latency.padStart(8)}  ${i.name} (${i.connectionId})${i.active ? '' : ' [not active]'}: ${i.reason ?? ''}`;
}

export function registerHealthCommands(program: Command, output: Output): void {
  const health = program.command('health').description('Trunk health');
  health
    .command('check')
    .description('Probe the connections now and print their state, latency and reason')
    .option('--connection <id>', 'only this connection (active or not)')
    .option('--json', 'print JSON: one item per connection')
    .action(async (opts: { connection?: string; json?: boolean }) => {
      await withContext(async ({ services }) => {
        let items: HealthCheckItemDto[];
        try {
          items = await services.health.checkAll(opts.connection ? { connectionId: opts.connection } : {});
        } catch (err) {
          if (opts.connection && err instanceof Error && /not found/i.test(err.message)) {
            throw new UsageError(`No connection with the id ${opts.connection}.`);
          }
          throw err;
        }
        const json = items.map(({ connectionId, name, state, latencyMs, checkedAt, reason, active }) => ({
          connectionId,
          name,
          state,
          latencyMs,
          checkedAt,
          reason,
          active,
        }));
        if (opts.json) output.out(JSON.stringify(json, null, 2));
        else {
          for (const i of items) output.out(line(i));
          if (items.length === 0) output.out('No active connections to probe.');
        }
        if (items.some((i) => i.active && i.state === 'down')) process.exitCode = ExitCode.Problem;
      });
    });
}
