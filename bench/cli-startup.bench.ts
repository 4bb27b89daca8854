/**
 * Start-up of the `dialer` command (bench/run.ts contract: `run()` writes bench/results/cli-startup.json
 * and cli-startup.md). Target: a command that does no work returns in ≤ 400 ms.
 *
 * Wall time from spawn to exit, as a shell user sees it, for the compiled bin (bin/dialer.js ->
 * dist/node): `dialer --help`, and `dialer sync runs` on an empty, migrated SQLite database (opens the
 * database, checks the migrations, builds the services, lists nothing). Against the floor, `node -e 0`,
 * and the development path the CLI used before it was compiled (tsx loading the TypeScript source).
 * The commands are interleaved round by round so the machine's load falls on all of them alike.
 *
 * Run alone: `npm run bench -- cli-startup`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import buildNodeIfStale from '../test/support/build-node.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = path.join(ROOT, 'bench/results');
const BIN = path.join(ROOT, 'bin/dialer.js');
const ROUNDS = 20;
/** tsx takes seconds per start; a few rounds show the difference well enough. */
const TSX_ROUNDS = 5;
const TARGET_MS = 400;

interface Command {
  name: string;
  args: string[];
  rounds: number;
  target: boolean;
}

const COMMANDS: Command[] = [
  { name: 'node -e 0 (floor)', args: ['-e', '0'], rounds: ROUNDS, target: false },
  { name: 'dialer --help', args: [BIN, '--help'], rounds: ROUNDS, target: true },
  { name: 'dialer sync runs (empty SQLite)', args: [BIN, 'sync', 'runs'], rounds: ROUNDS, target: true },
  {
    name: 'tsx src/cli/index.ts sync runs (development path)',
    args: ['--import', 'tsx', path.join(ROOT, 'src/cli/index.ts'), 'sync', 'runs'],
    rounds: TSX_ROUNDS,
    target: false,
  },
];

function timeOnce(args: string[], env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const res = spawnSync(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - started;
  if (res.status !== 0) throw new Error(`${args.join(' ')} exited ${res.status}: ${res.stderr.toString()}`);
  return ms;
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const round1 = (n: number): number => Math.round(n * 10) / 10;

export async function run(): Promise<Record<string, unknown>> {
  await buildNodeIfStale();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-bench-cli-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
  };
  try {
    // The first command creates and migrates the database; measured once, apart.
    const firstRunMs = timeOnce([BIN, 'sync', 'runs'], env);
    const samples = new Map<string, number[]>(COMMANDS.map((c) => [c.name, []]));
    const loadBefore = os.loadavg();
    for (let r = 0; r < ROUNDS; r++) {
      for (const c of COMMANDS) if (r < c.rounds) samples.get(c.name)!.push(timeOnce(c.args, env));
    }
    const loadAfter = os.loadavg();
    const floorMedian = quantile(
      [...samples.get(COMMANDS[0]!.name)!].sort((a, b) => a - b),
      0.5,
    );
    const rows = COMMANDS.map((c) => {
      const sorted = [...samples.get(c.name)!].sort((a, b) => a - b);
      const median = quantile(sorted, 0.5);
      return {
        command: c.name,
        runs: sorted.length,
        medianMs: round1(median),
        p90Ms: round1(quantile(sorted, 0.9)),
        maxMs: round1(sorted.at(-1)!),
        overFloorMs: round1(median - floorMedian),
        targetMet: c.target ? quantile(sorted, 0.9) <= TARGET_MS : null,
      };
    });
    const result = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      cpus: `${os.cpus()[0]?.model ?? 'unknown'} x ${os.cpus().length}`,
      loadAverage: { before: loadBefore.map(round1), after: loadAfter.map(round1) },
      targetMs: TARGET_MS,
      firstRunMigratingMs: round1(firstRunMs),
      rows,
    };
    fs.mkdirSync(RESULTS, { recursive: true });
    fs.writeFileSync(path.join(RESULTS, 'cli-startup.json'), JSON.stringify(result, null, 2) + '\n');
    fs.writeFileSync(
      path.join(RESULTS, 'cli-startup.md'),
      [
        '## `dialer` start-up (`bench/cli-startup.bench.ts`)',
        '',
        `Wall time from spawn to exit, ${ROUNDS} rounds interleaved (tsx: ${TSX_ROUNDS}). ` +
          `Measured ${result.measuredAt} on ${result.cpus}, Node ${result.node}; ` +
          `load average ${result.loadAverage.before.join(' ')} → ${result.loadAverage.after.join(' ')}.`,
        `Target: a command that does no work returns in ≤ ${TARGET_MS} ms (p90). ` +
          `The first \`sync runs\` on a new data directory (creates and migrates the database): ${result.firstRunMigratingMs} ms.`,
        '',
        '| command | runs | median ms | p90 ms | max ms | median over the floor ms | target met |',
        '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
        ...rows.map(
          (r) =>
            `| ${r.command} | ${r.runs} | ${r.medianMs} | ${r.p90Ms} | ${r.maxMs} | ${r.overFloorMs} | ` +
            `${r.targetMet === null ? '' : r.targetMet ? `≤ ${TARGET_MS} ms: yes` : `≤ ${TARGET_MS} ms: **no**`} |`,
        ),
        '',
        'The compiled CLI is one Rolldown bundle with a chunk per lazily imported part: `--help` loads',
        'commander and the command definitions only; `sync runs` adds the configuration, Kysely, better-sqlite3',
        'and the services (whose Telnyx chunk includes the SDK). Under tsx every start first compiles the source.',
        '',
      ].join('\n'),
    );
    return Object.fromEntries(rows.map((r) => [r.command, { medianMs: r.medianMs, p90Ms: r.p90Ms }]));
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
