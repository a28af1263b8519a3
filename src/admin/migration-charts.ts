import { HistorySample } from '../metrics/metrics-history';
import { ChartSeries, lineChart } from './svg-chart';

/** A chart as the page shows it: the SVG, and a legend the page writes as text. */
export interface ChartView {
  id: string;
  heading: string;
  svg: string;
  legend: { name: string; className: string; last: string }[];
  /** nothing was measured in the hour (the chart is a flat line or empty) */
  empty: boolean;
}

const perMinute = (count: number, seconds: number) => (count * 60) / seconds;
const count = (value: number) => `${compact(value)}/min`;
const ms = (seconds: number) => `${compact(seconds * 1000)} ms`;
const percent = (value: number) => `${compact(value)} %`;

/** A number short enough for an axis label on a phone: 0.4, 12, 3.5k, 1.2M. */
export function compact(value: number): string {
  const round1 = (n: number) => String(Math.round(n * 10) / 10);
  if (value >= 1e6) return `${round1(value / 1e6)}M`;
  if (value >= 1e3) return `${round1(value / 1e3)}k`;
  return value >= 10 ? String(Math.round(value)) : round1(value);
}

function lastOf(series: ChartSeries, format: (value: number) => string): string {
  const last = [...series.points].reverse().find((point) => point.v !== null);
  return last?.v === null || last === undefined ? 'none' : format(last.v);
}

function chart(
  id: string,
  heading: string,
  desc: string,
  window: { from: number; to: number },
  series: ChartSeries[],
  format: (value: number) => string,
  minMax: number,
): ChartView {
  const empty = series.every((line) => line.points.every((point) => !point.v));
  const legend = series.map((line) => ({
    name: line.name,
    className: line.className,
    last: lastOf(line, format),
  }));
  // the latest values in words too: what a screen reader says of the chart
  const latest = `Latest: ${legend.map((entry) => `${entry.name} ${entry.last}`).join(', ')}.`;
  return {
    id,
    heading,
    svg: lineChart({
      id,
      title: heading,
      desc: `${desc} ${latest}`,
      ...window,
      series,
      format,
      minMax,
    }),
    legend,
    empty,
  };
}

/**
 * The dashboard's four charts over the samples of the last hour (this instance's history).
 * `secondary`: the store copies go to in the current phase (undefined: a one-store phase, whose
 * copy charts stay flat).
 */
export function migrationCharts(
  samples: readonly HistorySample[],
  secondary: string | undefined,
  now: number,
  windowMs: number,
): ChartView[] {
  const window = { from: now - windowMs, to: now };
  const shown = samples.filter((sample) => sample.at >= window.from);
  const line = (
    name: string,
    className: string,
    value: (sample: HistorySample) => number | null,
  ): ChartSeries => ({
    name,
    className,
    points: shown.map((sample) => ({ t: sample.at, v: value(sample) })),
  });
  const copies = (outcome: 'written' | 'hinted' | 'failed') => (sample: HistorySample) =>
    perMinute(
      Object.values(sample.copies).reduce((sum, byOutcome) => sum + byOutcome[outcome], 0),
      sample.seconds,
    );
  const latency = (which: 'p50' | 'p99') => (sample: HistorySample) =>
    secondary ? (sample.writeLatency[secondary]?.[which] ?? null) : null;
  const where = secondary ? `to ${secondary}` : '(no secondary store in this phase)';
  return [
    chart(
      'chart-copies',
      `Secondary copies ${where}`,
      'Copies to the secondary store per minute over the last hour, by outcome: written, hinted (kept for the retry) and failed.',
      window,
      [
        line('written', 'series-ok', copies('written')),
        line('hinted', 'series-warn', copies('hinted')),
        line('failed', 'series-bad', copies('failed')),
      ],
      count,
      1,
    ),
    chart(
      'chart-copy-latency',
      `Copy latency ${where}`,
      `Median (p50) and 99th percentile (p99) time of the write operations of the secondary store${secondary ? ` (${secondary})` : ''} per sample over the last hour; gaps: nothing was written.`,
      window,
      [line('p50', 'series-ok', latency('p50')), line('p99', 'series-warn', latency('p99'))],
      ms,
      0.01,
    ),
    chart(
      'chart-shadow',
      'Shadow reads',
      'Shadow-read samples compared per minute over the last hour, and the mismatches among them.',
      window,
      [
        line('samples', 'series-ok', (sample) =>
          perMinute(
            sample.shadow.match + sample.shadow.mismatch + sample.shadow.error,
            sample.seconds,
          ),
        ),
        line('mismatches', 'series-bad', (sample) =>
          perMinute(sample.shadow.mismatch, sample.seconds),
        ),
      ],
      count,
      1,
    ),
    chart(
      'chart-errors',
      'Request error rate',
      'Share of HTTP requests this instance answered with a 5xx status per sample over the last hour; gaps: no request.',
      window,
      [
        line('5xx', 'series-bad', (sample) =>
          sample.requests.total > 0 ? (100 * sample.requests.errors) / sample.requests.total : null,
        ),
      ],
      percent,
      1,
    ),
  ];
}
