import type { Command } from 'commander';
import { describeDatabase, openContext } from '../context.js';
import type { Output } from '../output.js';

export function registerMigrateCommand(program: Command, output: Output): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (forward only; existing data is kept)')
    .action(async () => {
      const ctx = await openContext();
      try {
        const where = describeDatabase(ctx.config);
        if (ctx.applied.length === 0) output.out(`${where}: already up to date`);
        else output.out(`${where}: applied ${ctx.applied.join(', ')}`);
      } finally {
        await ctx.close();
      }
    });
}
