import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import {
  FaultsJson,
  FaultsTestJson,
  RESULTS_DIR,
  resultsMeta,
  writeResults,
} from '../../../bench/support/results';
import { Stack } from '../../../scripts/stack/stack';
import { testStack } from '../../support/test-stack';

/**
 * Prints one test's numbers and keeps them in bench/results/faults.json under the test's name,
 * with when, on which code, under which load and on which MongoDB stand-in it ran; `npm run
 * bench:docs` renders them into docs/faults.md (bench/support/faults-docs.ts). A run of one file
 * replaces only its own tests' entries (and drops the notes, written for the results before). `stack`: the stack the test ran on (the cluster tests
 * pass theirs).
 */
export async function report(
  test: string,
  numbers: Record<string, unknown>,
  stack: Stack = testStack(),
): Promise<void> {
  console.log(`faults | ${test} | ${JSON.stringify(numbers)}`);
  const file = path.join(process.env.BENCH_RESULTS_DIR ?? RESULTS_DIR, 'faults.json');
  let tests: FaultsJson['tests'] = {};
  try {
    // the other tests' entries stay; hand-written notes go, as they were about the old results
    tests = (JSON.parse(readFileSync(file, 'utf8')) as Partial<FaultsJson>).tests ?? {};
  } catch {
    // no report yet (or one this code cannot read): start afresh
  }
  const meta = {
    ...resultsMeta('faults', {}),
    servers:
      "the fault tier's stacks (scripts/stack): one Cassandra node, and three for test/faults/cluster",
  };
  tests[test] = {
    at: meta.date ?? new Date().toISOString(),
    commit: meta.commit,
    dirty: meta.dirty,
    load_average: Math.round(loadavg()[0] * 10) / 10,
    mongo: stack.settings.mongoBackend,
    ...numbers,
  } as FaultsTestJson;
  await writeResults('faults', { meta, tests } satisfies FaultsJson);
}
