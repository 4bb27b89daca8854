import type { Command } from 'commander';
import { loadConfig } from '../../server/config.js';
import { describeDatabase } from '../context.js';
import { installGracefulShutdown } from '../graceful-shutdown.js';
import type { Output } from '../output.js';
import { printSeedResult } from './seed.js';

export function registerServeCommand(program: Command, output: Output): void {
  program
    .command('serve')
    .description('Start the HTTP server (migrates the database first)')
    .option(
      '--seed-demo',
      'also write the demo data (idempotent) and print the demo logins; same as SEED_DEMO=true',
    )
    .action(async (opts: { seedDemo?: boolean }) => {
      const config = loadConfig();
      const [{ startServer }, { seedDemo, formatDemoLogins }] = await Promise.all([
        import('../../server/main.js'),
        import('../../server/seed/demo-seed.js'),
      ]);
      const server = await startServer(config);
      installGracefulShutdown(server, config.shutdownGraceMs);

      output.out(`Dialer is listening on ${server.url} (database: ${describeDatabase(config)})`);
      if (opts.seedDemo || config.seedDemo) {
        const result = await seedDemo(server.services);
        printSeedResult(output, result, formatDemoLogins());
        output.out(`Open ${server.url} and log in with one of the demo accounts above.`);
      }
    });
}
