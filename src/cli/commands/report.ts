/**
 * `dialer report kpis`: the Analytics page's KPI table for scripts (ASR, NER, ACD, PDD, MOS… per
 * connection, number or agent, over every user's calls). Thin over AnalyticsService, like the API.
 */
import type { Command } from 'commander';
import type { KpiRowDto } from '../../shared/analytics-api.js';
import { withContext } from '../context.js';
import { UsageError } from '../errors.js';
import type { Output } from '../output.js';

interface KpiOptions {
  from?: string;
  to?: string;
  by: string;
  tz?: string;
  json?: boolean;
}

/** Rows per request when the command reads the whole table (the API's largest page). */
const PAGE = 500;

const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
const fixed = (v: number | null, digits: number) => (v === null ? '–' : v.toFixed(digits));

function table(rows: KpiRowDto[]): string[] {
  const header = ['name', 'calls', 'answered', 'ASR', 'NER', 'ACD s', 'PDD median ms', 'MOS', 'minutes'];
  const body = rows.map((r) => [
    r.name ?? r.key ?? '(none)',
    String(r.calls),
    String(r.answered),
    pct(r.asr),
    pct(r.ner),
    fixed(r.acdSeconds, 1),
    fixed(r.pddMsMedian, 0),
    fixed(r.mosAvg, 2),
    fixed(r.minutesUsed, 1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...body.map(line)];
}

export function registerReportCommands(program: Command, output: Output): void {
  const report = program.command('report').description('Reports over the call records');
  report
    .command('kpis')
    .description("ASR, NER, ACD, PDD, MOS and minutes per connection, number or agent (every user's calls)")
    .option('--from <date>', 'first day, YYYY-MM-DD (default: 29 days before --to)')
    .option('--to <date>', 'last day, YYYY-MM-DD (default: today)')
    .option('--by <group>', 'connection, number or agent', 'connection')
    .option('--tz <zone>', "IANA time zone of the dates (default: this machine's)")
    .option('--json', 'print the rows as JSON (ratios 0–1, null when undefined)')
    .action(async (opts: KpiOptions) => {
      const { kpiQuery } = await import('../../shared/schemas/analytics.js');
      if (!['connection', 'number', 'agent'].includes(opts.by)) {
        throw new UsageError('--by must be connection, number or agent');
      }
      const parsed = kpiQuery.safeParse({
        from: opts.from,
        to: opts.to,
        by: opts.by,
        tz: opts.tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
        userId: 'all',
      });
      if (!parsed.success) {
        throw new UsageError(parsed.error.issues.map((i) => i.message).join('\n'));
      }
      await withContext(async (ctx) => {
        // Every row, page after page (the API answers one page of the table at a time).
        const actor = { id: 'cli', role: 'admin' } as const;
        const first = await ctx.services.analytics.kpis(actor, { ...parsed.data, pageSize: PAGE });
        const rows = [...first.rows];
        for (let page = 2; (page - 1) * PAGE < first.total; page++) {
          rows.push(
            ...(await ctx.services.analytics.kpis(actor, { ...parsed.data, pageSize: PAGE, page })).rows,
          );
        }
        if (opts.json) {
          output.out(JSON.stringify(rows, null, 2));
          return;
        }
        output.out(`KPIs by ${first.by}, ${first.from} to ${first.to} (${first.timeZone})`);
        for (const l of table([...rows, { ...first.totals, name: 'total' }])) output.out(l);
      });
    });
}
