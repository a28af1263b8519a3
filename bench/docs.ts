/**
 * `npm run bench:docs`: regenerates the result tables of docs/benchmarks.md and docs/faults.md
 * from bench/results/<name>.json (written by each benchmark at the end of a run, faults.json by
 * the fault tier's tests), between the markers
 * `<!-- bench:<name>:begin -->` and `<!-- bench:<name>:end -->`; the text around them is left as
 * it is. Running it twice changes nothing. `--check`: change nothing, exit 1 when the document
 * is not what the results give (for CI or a pre-commit look).
 *
 * Options (env): BENCH_RESULTS_DIR (default bench/results), BENCH_DOC (default: both documents).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { generateBenchmarkDoc } from './support/bench-docs';
import { RESULTS_DIR, formatLikePrettier } from './support/results';

const ROOT = path.resolve(__dirname, '..');
/** The documents with result blocks: the benchmarks', and the fault tier's (bench/results/faults.json). */
const DOCS = ['docs/benchmarks.md', 'docs/faults.md'];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg !== '--check');
  if (unknown.length) throw new Error(`unknown argument(s): ${unknown.join(' ')} (known: --check)`);
  const check = args.includes('--check');
  const docs = process.env.BENCH_DOC ? [process.env.BENCH_DOC] : DOCS;
  const resultsDir = process.env.BENCH_RESULTS_DIR ?? RESULTS_DIR;
  const results = path.relative(ROOT, resultsDir);
  for (const doc of docs.map((file) => path.resolve(ROOT, file))) {
    const before = readFileSync(doc, 'utf8');
    const after = await formatLikePrettier(generateBenchmarkDoc(before, resultsDir), doc);
    const name = path.relative(ROOT, doc);
    if (after === before) {
      console.log(`bench:docs: ${name} is up to date with ${results}/`);
    } else if (check) {
      console.error(`bench:docs: ${name} differs from ${results}/: run npm run bench:docs`);
      process.exitCode = 1;
    } else {
      writeFileSync(doc, after);
      console.log(`bench:docs: ${name} regenerated from ${results}/`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(`bench:docs: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
