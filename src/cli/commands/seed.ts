import type { Command } from 'commander';
import { loadConfig, type Config } from '../../server/config.js';
import type { SeedDemoResult } from '../../server/seed/demo-seed.js';
import { describeDatabase, withContext } from '../context.js';
import { UsageError } from '../errors.js';
import type { Output } from '../output.js';

/** The demo users have published passwords: never in a production deployment. */
export function refuseDemoInProduction(config: Config): void {
  if (config.env === 'production') {
    throw new UsageError(
      'The demo data is refused when NODE_ENV=production: its users have published passwords. ' +
        'Create real users with `dialer user create` instead.',
    );
  }
}

/**
 * The demo logins are printed to the terminal by the CLI, once, when this run created or reset a demo
 * user; never through the server's logger, and not again on every start. Returns whether it printed them.
 * `logins`: formatDemoLogins() of the demo seed (passed in so this module stays light for `--help`).
 */
export function printSeedResult(output: Output, result: SeedDemoResult, logins: string[]): boolean {
  const kinds = ['users', 'trunks', 'numbers', 'assignments'] as const;
  const summary = kinds
    .map(
      (k) =>
        `${k} ${result.created[k]} created, ${result.updated[k]} updated, ${result.unchanged[k]} unchanged`,
    )
    .join('; ');
  output.out(
    result.noChanges ? 'Demo data already in place (nothing changed).' : `Demo data written: ${summary}.`,
  );
  if (result.created.users + result.updated.users === 0) {
    output.out('The demo logins are unchanged (listed in the README, "Quick start").');
    return false;
  }
  output.out('Demo logins (demo only, never use these passwords in production):');
  for (const line of logins) output.out(line);
  return true;
}

/** One line when the demo call history was written (nothing when it was already there). */
export function printDemoCalls(output: Output, written: number): void {
  if (written > 0) output.out(`Demo call history written: ${written} calls over the last 90 days.`);
}

export function registerSeedCommand(program: Command, output: Output): void {
  program
    .command('seed')
    .description(
      'Write the demo users, trunks, numbers and assignments (idempotent: a second run changes nothing)',
    )
    .option('--sip-ws-server <url>', 'WebSocket server of the demo SIP trunks (default ws://127.0.0.1:5066)')
    .option('--sip-domain <domain>', 'SIP domain of the demo SIP trunks (default dialer.local)')
    .action(async (opts: { sipWsServer?: string; sipDomain?: string }) => {
      const config = loadConfig();
      refuseDemoInProduction(config);
      const { formatDemoLogins, seedDemo, seedDemoCalls } = await import('../../server/seed/demo-seed.js');
      await withContext(
        async (ctx) => {
          output.out(`Seeding ${describeDatabase(ctx.config)}`);
          const result = await seedDemo(ctx.services, {
            sipWsServer: opts.sipWsServer,
            sipDomain: opts.sipDomain,
          });
          printSeedResult(output, result, formatDemoLogins());
          printDemoCalls(output, await seedDemoCalls(ctx.services));
        },
        { config },
      );
    });
}
