/**
 * `npm run bench`: runs every bench/*.bench.ts in sequence (name order; `npm run bench -- connections`
 * runs only the ones whose file name contains an argument).
 *
 * Contract of a bench module: `export async function run(): Promise<Record<string, unknown>>`, returning
 * a short summary; it writes its own full results to bench/results/<name>.json and, optionally, a
 * Markdown section to bench/results/<name>.md. This runner joins those sections into
 * bench/results/README.md, so each bench owns its files and none overwrites another's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const RESULTS_DIR = path.join(BENCH_DIR, 'results');

interface BenchModule {
  run(): Promise<Record<string, unknown>>;
}

function writeReadme(): void {
  const sections = fs.existsSync(RESULTS_DIR)
    ? fs
        .readdirSync(RESULTS_DIR)
        .filter((f) => f.endsWith('.md') && f !== 'README.md')
        .sort()
        .map((f) => fs.readFileSync(path.join(RESULTS_DIR, f), 'utf8').trim())
    : [];
  const text = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts); the raw figures are in the JSON files beside this one.',
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'README.md'), text);
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = fs
    .readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  if (files.length === 0) {
    console.error(`No bench/*.bench.ts matches ${filters.join(', ')}`);
    return 2;
  }
  const summary: Record<string, unknown> = {};
  let failed = false;
  for (const file of files) {
    const name = file.replace(/\.bench\.ts$/, '');
    const started = Date.now();
    console.log(`bench ${name}`);
    try {
      const mod = (await import(pathToFileURL(path.join(BENCH_DIR, file)).href)) as BenchModule;
      summary[name] = await mod.run();
      console.log(`bench ${name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
      failed = true;
      summary[name] = { error: err instanceof Error ? err.message : String(err) };
      console.error(`bench ${name} failed:`, err);
    }
  }
  writeReadme();
  console.log(JSON.stringify(summary, null, 2));
  return failed ? 1 : 0;
}

process.exitCode = await main();
