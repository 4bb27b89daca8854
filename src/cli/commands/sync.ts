/**
 * `dialer sync telnyx`: import Telnyx connections and numbers, with a progress bar (on a terminal).
 * `dialer sync drift`: list every difference between the database and Telnyx as of the last sync.
 * `dialer sync runs`: the latest sync runs.
 * Thin over TelnyxSyncService, the same service the admin API and the background job use.
 */
import type { Command } from 'commander';
import { DomainError } from '../../shared/errors.js';
import type { DriftReportDto, SyncCounts, SyncRunDto } from '../../shared/telnyx.js';
import type { TelnyxServices } from '../../server/services/telnyx-services.js';
import { openContext, type CliContext } from '../context.js';
import { CommandFailed, ExitCode, UsageError } from '../errors.js';
import { consoleOutput, type Output } from '../output.js';

export interface SyncCommandDeps {
  output?: Output;
  /** Opens the database and services (default: the CLI's shared context). */
  open?: () => Promise<CliContext>;
}

export function formatCounts(c: SyncCounts): string[] {
  const e = (x: SyncCounts['connections']): string =>
    `${x.created} created, ${x.updated} updated, ${x.unchanged} unchanged, ${x.missing} marked missing`;
  return [
    `connections: ${e(c.connections)}`,
    `numbers:     ${e(c.numbers)}`,
    `assignments: ${c.assignments.created} created, ${c.assignments.unchanged} unchanged, ${c.assignments.conflicts} conflicting (see drift)`,
    `drift:       ${c.drift} difference(s)`,
  ];
}

export function printDrift(output: Output, report: DriftReportDto): void {
  const basis = report.basedOnSyncAt
    ? `as of the sync finished ${report.basedOnSyncAt}`
    : 'no finished sync yet';
  output.out(`Drift between the database and Telnyx (${basis}): ${report.count} difference(s)`);
  for (const item of report.items) output.out(`  [${item.kind}] ${item.message}`);
}

async function withTelnyx<T>(
  deps: SyncCommandDeps,
  fn: (t: TelnyxServices, ctx: CliContext) => Promise<T>,
): Promise<T> {
  const ctx = await (deps.open ?? (() => openContext()))();
  try {
    return await fn(ctx.services.telnyx, ctx);
  } finally {
    await ctx.close();
  }
}

function failOnDomain(err: unknown): never {
  if (err instanceof DomainError)
    throw new CommandFailed(`error: ${err.message}`, ExitCode.Problem, err.code);
  throw err;
}

export function registerSyncCommands(program: Command, deps: SyncCommandDeps | Output = {}): void {
  const d: SyncCommandDeps = 'out' in deps ? { output: deps } : deps;
  const output = d.output ?? consoleOutput;
  const sync = program.command('sync').description('Synchronise with Telnyx and report drift');

  sync
    .command('telnyx')
    .description('Import Telnyx credential connections, phone numbers and assignments (idempotent)')
    .option('--owner <email>', 'admin who owns newly imported trunks (default: the oldest active admin)')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the finished run as JSON')
    .action(async (opts: { owner?: string; progress: boolean; json?: boolean }) => {
      await withTelnyx(d, async (telnyx, ctx) => {
        let ownerId: string | null = null;
        if (opts.owner) {
          const user = await ctx.services.repos.users.findByEmail(opts.owner);
          if (!user) throw new UsageError(`No user with email ${opts.owner}`);
          ownerId = user.id;
        }
        const cliProgress =
          opts.progress && process.stderr.isTTY ? (await import('cli-progress')).default : null;
        const bar = cliProgress
          ? new cliProgress.SingleBar(
              {
                stream: process.stderr,
                format: 'Telnyx sync [{bar}] {value}/{total} pages | {phase} | {numbers} numbers',
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            )
          : null;
        let started = false;
        let run: SyncRunDto;
        try {
          run = await telnyx.sync.run({
            ownerId,
            onProgress: (p) => {
              if (!bar) return;
              const numbers =
                p.counts.numbers.created + p.counts.numbers.updated + p.counts.numbers.unchanged;
              const total = p.pagesTotal ?? p.pagesDone + 1;
              if (!started) {
                bar.start(total, p.pagesDone, { phase: p.phase, numbers });
                started = true;
              } else {
                bar.setTotal(total);
                bar.update(p.pagesDone, { phase: p.phase, numbers });
              }
            },
          });
        } catch (err) {
          failOnDomain(err);
        } finally {
          if (started) bar?.stop();
        }
        if (opts.json) output.out(JSON.stringify(run, null, 2));
        else {
          output.out(`Sync ${run.id} ${run.status} (${run.pagesDone}/${run.pagesTotal ?? '?'} pages)`);
          for (const line of formatCounts(run.counts)) output.out(`  ${line}`);
          for (const e of run.errors) output.err(`  error: ${e.message}`);
          if (run.counts.drift > 0) output.out('Run `dialer sync drift` to see the differences.');
        }
        if (run.status !== 'succeeded') {
          const why = `The sync ${run.status}: ${run.errors.at(-1)?.message ?? 'unknown error'}`;
          // With --json the run printed above is the whole answer (status and errors in it): one document.
          if (opts.json) process.exitCode = ExitCode.Problem;
          else throw new CommandFailed(why);
        }
      });
    });

  sync
    .command('drift')
    .description('List every difference between the database and Telnyx (as of the last sync)')
    .option('--json', 'print the report as JSON')
    .option('--exit-code', 'exit with 1 when there is any drift')
    .action(async (opts: { json?: boolean; exitCode?: boolean }) => {
      await withTelnyx(d, async (telnyx) => {
        const report = await telnyx.sync.driftReport().catch(failOnDomain);
        if (opts.json) output.out(JSON.stringify(report, null, 2));
        else printDrift(output, report);
        if (opts.exitCode && report.count > 0) process.exitCode = ExitCode.Problem;
      });
    });

  sync
    .command('runs')
    .description('The latest Telnyx sync runs')
    .option('--limit <n>', 'how many', '10')
    .option('--json', 'print the runs as JSON (newest first)')
    .action(async (opts: { limit: string; json?: boolean }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError('--limit must be a positive whole number');
      await withTelnyx(d, async (telnyx) => {
        const runs = await telnyx.sync.listRuns(limit);
        if (opts.json) {
          output.out(JSON.stringify(runs, null, 2));
          return;
        }
        if (runs.length === 0) output.out('No sync runs yet. Start one with `dialer sync telnyx`.');
        for (const r of runs) {
          output.out(
            `${r.startedAt}  ${r.id}  ${r.status.padEnd(11)} ${r.pagesDone}/${r.pagesTotal ?? '?'} pages` +
              (r.errors.length ? `  (${r.errors.at(-1)?.message})` : ''),
          );
        }
      });
    });
}
