/**
 * `dialer`: the command line of the server. Every command is a thin layer over the same services the HTTP
 * API uses (see commands/*). Exit codes: 0 ok, 1 a problem was found or the command failed, 2 usage or
 * configuration error (see errors.ts).
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../server/config.js';
import { registerAssignCommands } from './commands/assign.js';
import { registerBackupCommand } from './commands/backup.js';
import { registerDemoPhoneCommand } from './commands/demo-phone.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerReportCommands } from './commands/report.js';
import { registerSeedCommand } from './commands/seed.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSyncCommands } from './commands/sync.js';
import { registerHealthCommands } from './commands/health.js';
import { registerTestSipTrunkCommand } from './commands/test-sip-trunk.js';
import { registerUserCommands } from './commands/user.js';
import { CommandFailed, ExitCode, UsageError } from './errors.js';
import { consoleOutput, type Output } from './output.js';

export function createProgram(output: Output = consoleOutput): Command {
  const program = new Command('dialer')
    .description('Dialer: a self-hosted browser dialer for teams that own their SIP trunks')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  registerServeCommand(program, output);
  registerMigrateCommand(program, output);
  registerSeedCommand(program, output);
  registerUserCommands(program, output);
  registerTestSipTrunkCommand(program, output);
  registerSyncCommands(program, { output });
  registerBackupCommand(program, output);
  registerHealthCommands(program, output);
  registerReportCommands(program, output);
  registerAssignCommands(program, output);
  registerDemoPhoneCommand(program, output);
  // Usage mistakes at any depth (`dialer sync telnyx --bogus`) must reach reportError, not exit(1).
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  return program;
}

/** Maps an error to its message and exit code; no stack traces for errors the user can fix. */
export function reportError(err: unknown, output: Output = consoleOutput): number {
  if (err instanceof CommanderError) {
    // Commander already printed its message (or the help text).
    return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  }
  if (err instanceof ConfigError) {
    output.err('The configuration is invalid; fix these environment variables:');
    for (const p of err.problems) output.err(`  ${p}`);
    return ExitCode.Usage;
  }
  if (err instanceof UsageError) {
    output.err(err.message);
    return ExitCode.Usage;
  }
  if (err instanceof CommandFailed) {
    output.err(err.message);
    return err.exitCode;
  }
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ECONNREFUSED') {
    output.err(`Cannot reach the database: ${e.message}. Is PostgreSQL running, and is DATABASE_URL right?`);
  } else if (e?.code === 'EADDRINUSE') {
    output.err(`The port is already in use (${e.message}). Set PORT to a free port.`);
  } else {
    output.err(`error: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.DIALER_DEBUG && err instanceof Error && err.stack) output.err(err.stack);
  }
  return ExitCode.Problem;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    await createProgram().parseAsync(argv);
    return Number(process.exitCode ?? ExitCode.Ok);
  } catch (err) {
    return reportError(err);
  }
}

// `dialer ... | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main();
