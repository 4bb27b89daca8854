import type { Command } from 'commander';
import { loadConfig } from '../../server/config.js';
import { describeDatabase } from '../context.js';
import { installGracefulShutdown } from '../graceful-shutdown.js';
import type { Output } from '../output.js';
import { printDemoCalls, printSeedResult, refuseDemoInProduction } from './seed.js';

export function registerServeCommand(program: Command, output: Output): void {
  program
    .command('serve')
    .description('Start the HTTP server (migrates the database first)')
    .option(
      '--seed-demo',
      'also write the demo data (idempotent; refused in production) and print the demo logins when it creates them; same as SEED_DEMO=true',
    )
    .action(async (opts: { seedDemo?: boolean }) => {
      const config = loadConfig();
      const withDemo = Boolean(opts.seedDemo || config.seedDemo);
      if (withDemo) refuseDemoInProduction(config);
      const [{ startServer }, { seedDemo, seedDemoCalls, formatDemoLogins }] = await Promise.all([
        import('../../server/main.js'),
        import('../../server/seed/demo-seed.js'),
      ]);
      const server = await startServer(config);
      const shutdown = installGracefulShutdown(server, config.shutdownGraceMs);

      output.out(`Dialer is listening on ${server.url} (database: ${describeDatabase(config)})`);
      if (withDemo) {
        const result = await shutdown.hold(seedDemo(server.services));
        if (shutdown.closing) return;
        const printed = printSeedResult(output, result, formatDemoLogins());
        printDemoCalls(output, await shutdown.hold(seedDemoCalls(server.services)));
        if (shutdown.closing) return;
        output.out(
          `Open ${server.url} and log in with one of the demo accounts ${printed ? 'above' : '(listed in the README)'}.`,
        );
      }
    });
}
