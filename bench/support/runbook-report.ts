import { LoadWindow, SteadyLoad } from './runbook-load';
import { StepResult } from './runbook-steps';
import { OptionValue, ResultsMeta, RunbookJson } from './results';

function table(header: string[], rows: string[][], right: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    `| ${cells
      .map((cell, i) =>
        i === cells.length - 1
          ? cell
          : right[i]
            ? cell.padStart(widths[i])
            : cell.padEnd(widths[i]),
      )
      .join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i === widths.length - 1 ? '---' : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

const loadCell = (w: LoadWindow) => (w.requests ? `${w.requests}/${w.failed}/${w.maxMs}` : '');

/** The steps as one table; the load's requests / failures / slowest ms while each ran. */
export function printRunbook(results: StepResult[], load?: SteadyLoad): void {
  const rows = results.map((r) => [
    r.step,
    r.command,
    r.seconds.toFixed(1),
    r.exitCode === null ? '' : String(r.exitCode),
    r.peakRssMb ? r.peakRssMb.toFixed(0) : '',
    load ? loadCell(load.window(r.from, r.to)) : '',
    r.key,
  ]);
  const header = ['step', 'command', 's', 'exit', 'RSS MiB', 'load req/fail/max ms', 'key line'];
  console.log(table(header, rows, [true, false, true, true, true, true, false]));
}

/** The load as a whole, and every failed request. */
export function printLoad(load: SteadyLoad, from: number, to: number): void {
  const all = load.window(from, to + 1);
  const seconds = (to - from) / 1000;
  console.log(
    `load: ${all.requests} requests in ${seconds.toFixed(0)} s (${(all.requests / seconds).toFixed(1)}/s) over both instances, ${all.failed} failed, slowest ${all.maxMs} ms`,
  );
  for (const failure of load.failures.slice(0, 50)) console.log(`  FAILED ${failure}`);
  if (load.failures.length > 50) console.log(`  … ${load.failures.length - 50} more`);
}

/** bench/results/runbook.json: one run, every step with its load window, the load's totals. */
export function runbookJson(
  meta: ResultsMeta,
  run: {
    label: string;
    options: Record<string, OptionValue>;
    results: StepResult[];
    load: SteadyLoad;
    from: number;
    to: number;
    appPeakRssMb: Array<number | undefined>;
  },
): RunbookJson {
  const all = run.load.window(run.from, run.to + 1);
  return {
    meta,
    runs: [
      {
        label: run.label,
        options: run.options,
        steps: run.results.map((r) => {
          const window = run.load.window(r.from, r.to);
          return {
            step: r.step,
            command: r.command,
            seconds: r.seconds,
            exit_code: r.exitCode,
            peak_rss_mb: r.peakRssMb ?? null,
            load: window.requests
              ? { requests: window.requests, failed: window.failed, max_ms: window.maxMs }
              : null,
            key: r.key,
          };
        }),
        load: {
          requests: all.requests,
          failed: all.failed,
          slowest_ms: all.maxMs,
          seconds: (run.to - run.from) / 1000,
        },
        app_peak_rss_mb: run.appPeakRssMb.every((mb) => mb !== undefined) ? run.appPeakRssMb : null,
        failures: run.load.failures.slice(0, 20),
      },
    ],
  };
}
