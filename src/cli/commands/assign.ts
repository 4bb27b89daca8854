/**
 * `dialer assign import FILE.csv [--dry-run] [--json]` and `dialer assign export [--connection ID]`: the
 * admin console's CSV import and export of assignments (`number,connection,type,action`), for scripts.
 * Both go through the same service as the API: an import is checked as a whole and written all or
 * nothing (exit 0 when applied, or when a dry run found no problem; 1 with every problem listed and
 * nothing written); the export prints the CSV the import reads back.
 */
import fs from 'node:fs/promises';
import type { Command } from 'commander';
import type { CsvImportReportDto } from '../../shared/admin-api.js';
import { CSV_IMPORT_MAX_BYTES } from '../../shared/domain.js';
import { ValidationError } from '../../shared/errors.js';
import { id as idRule } from '../../shared/schemas/common.js';
import { csvStream } from '../../server/routes/call-csv.js';
import { withContext } from '../context.js';
import { CommandFailed, ExitCode, UsageError } from '../errors.js';
import type { Output } from '../output.js';

interface ImportOptions {
  dryRun?: boolean;
  json?: boolean;
}

/** A failure with a stable code: the CLI's one error path prints it (as the JSON document with --json). */
function fail(code: string, message: string, exitCode: number): never {
  throw new CommandFailed(message, exitCode, code);
}

async function readCsv(file: string): Promise<Buffer> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) fail('FILE_UNREADABLE', `${file} is not a file.`, ExitCode.Usage);
    if (stat.size > CSV_IMPORT_MAX_BYTES) {
      fail(
        'PAYLOAD_TOO_LARGE',
        `${file} is ${(stat.size / 1024 / 1024).toFixed(1)} MB; at most ${CSV_IMPORT_MAX_BYTES / 1024 / 1024} MB can be imported at once. Split it.`,
        ExitCode.Usage,
      );
    }
    return await fs.readFile(file);
  } catch (err) {
    if (err instanceof CommandFailed) throw err;
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    return fail('FILE_UNREADABLE', `${file} ${reason}.`, ExitCode.Usage);
  }
}

function printReport(output: Output, report: CsvImportReportDto): void {
  const c = report.counts;
  const verb = report.applied ? 'changed' : 'would change';
  output.out(
    `${report.rows} rows: ${c.changed} ${verb}, ${c.unchanged} unchanged, ${report.problems.length} problems.`,
  );
  for (const p of report.problems) output.err(`  line ${p.line}: ${p.message}`);
}

export function registerAssignCommands(program: Command, output: Output): void {
  const assign = program.command('assign').description('Assign numbers to connections in bulk (CSV)');
  assign
    .command('import')
    .description('Import assignments from a CSV file (number,connection,type,action): all rows or none')
    .argument('<file>', 'the CSV file (UTF-8; header number,connection,type,action)')
    .option('--dry-run', 'check the file and print what would change, writing nothing')
    .option('--json', 'print the report (or the error) as JSON')
    .action(async (file: string, opts: ImportOptions) => {
      const csv = await readCsv(file);
      await withContext(async ({ services }) => {
        let report: CsvImportReportDto;
        try {
          report = await services.admin.importer.importCsv(csv, { dryRun: opts.dryRun ?? false }, null);
        } catch (err) {
          // Applying a file with problems: nothing was written; the report says why.
          if (err instanceof ValidationError && isReport(err.details)) report = err.details;
          else throw err;
        }
        if (opts.json) output.out(JSON.stringify(report, null, 2));
        else printReport(output, report);
        if (report.problems.length > 0) {
          if (!opts.json) output.err('Nothing was written. Fix these lines and run the import again.');
          process.exitCode = ExitCode.Problem;
        } else if (!opts.json && report.dryRun) {
          output.out('Dry run: nothing was written. Run again without --dry-run to apply.');
        }
      });
    });

  assign
    .command('export')
    .description('Print the active assignments as CSV (the format import reads)')
    .option('--connection <id>', 'only the numbers actively assigned to this connection')
    .action(async (opts: { connection?: string }) => {
      if (opts.connection !== undefined && !idRule().safeParse(opts.connection).success) {
        throw new UsageError(
          `--connection must be a connection id (found ${JSON.stringify(opts.connection)}).`,
        );
      }
      await withContext(async ({ services }) => {
        if (opts.connection && !(await services.repos.trunks.findById(opts.connection))) {
          throw new UsageError(`No connection with the id ${opts.connection}.`);
        }
        const filters = opts.connection ? { trunkId: opts.connection } : {};
        // The same CSV as the API's export (RFC 4180, formulas neutralised), streamed.
        for await (const chunk of csvStream(services.admin.importer.exportRecords(filters))) {
          process.stdout.write(chunk as Buffer);
        }
      });
    });
}

function isReport(value: unknown): value is CsvImportReportDto {
  return typeof value === 'object' && value !== null && 'problems' in value && 'outcomes' in value;
}
