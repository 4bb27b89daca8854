/**
 * A stand-alone entry for the sync commands only (`tsx src/cli/commands/sync-main.ts sync telnyx`), used
 * by the kill-mid-run test and the benchmark, so they do not depend on the whole CLI. `dialer sync ...`
 * is the same commands through src/cli/index.ts.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../../server/config.js';
import { CommandFailed, ExitCode, UsageError } from '../errors.js';
import { registerSyncCommands } from './sync.js';

const program = new Command('dialer').exitOverride();
registerSyncCommands(program);
for (const c of program.commands) {
  c.exitOverride();
  for (const sub of c.commands) sub.exitOverride();
}
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exitCode = err.exitCode === 0 ? 0 : ExitCode.Usage;
  else if (err instanceof UsageError || err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = ExitCode.Usage;
  } else if (err instanceof CommandFailed) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = ExitCode.Problem;
  }
}
