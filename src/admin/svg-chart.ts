/** One line of a chart; a null value is a gap (nothing was measured then). */
export interface ChartSeries {
  name: string;
  /** CSS class of its line (colours live in the stylesheet: the CSP allows no inline style) */
  className: string;
  points: { t: number; v: number | null }[];
}

export interface ChartSpec {
  /** unique on the page: the ids of the <title> and <desc> derive from it */
  id: string;
  title: string;
  /** what the chart shows, in words, for people who cannot see it */
  desc: string;
  /** the time axis, ms since the epoch */
  from: number;
  to: number;
  series: ChartSeries[];
  /** the y axis' label for a value ("12/min", "35 ms", "2 %") */
  format: (value: number) => string;
  /** the y axis reaches at least this (a flat 0 line still gets a scale) */
  minMax?: number;
}

const WIDTH = 360;
const HEIGHT = 150;
const LEFT = 56;
const RIGHT = 8;
const TOP = 8;
const BOTTOM = 22;

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
  );
}

/** The smallest 1, 2 or 5 × 10^n at or above `value` (a y axis that reads well). */
export function niceMax(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value * (1 - 1e-9)) return step * power;
  return 10 * power;
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * A line chart as an SVG string, drawn on the server: no script, no inline style, scales to
 * its container (viewBox), with a <title> and <desc> the SVG is labelled by. Every text it
 * holds is escaped here, since the page inserts the result as markup.
 */
export function lineChart(spec: ChartSpec): string {
  const span = Math.max(spec.to - spec.from, 1);
  const values = spec.series.flatMap((series) =>
    series.points.map((point) => point.v).filter((v): v is number => v !== null),
  );
  const max = niceMax(Math.max(spec.minMax ?? 0, ...values));
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const x = (t: number) => round(LEFT + (plotWidth * (t - spec.from)) / span);
  const y = (v: number) => round(TOP + plotHeight - (plotHeight * Math.min(v, max)) / max);
  const titleId = `${spec.id}-title`;
  const descId = `${spec.id}-desc`;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${escapeXml(spec.id)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${escapeXml(titleId)} ${escapeXml(descId)}">`,
    `<title id="${escapeXml(titleId)}">${escapeXml(spec.title)}</title>`,
    `<desc id="${escapeXml(descId)}">${escapeXml(spec.desc)}</desc>`,
  ];
  // the y axis: 0, half and the top, with gridlines
  for (const value of [0, max / 2, max]) {
    const at = y(value);
    parts.push(
      `<line class="grid" x1="${LEFT}" y1="${at}" x2="${WIDTH - RIGHT}" y2="${at}" stroke="#e4e7eb" />`,
      `<text class="axis" x="${LEFT - 4}" y="${round(at + 4)}" text-anchor="end" font-size="11" fill="#616e7c">${escapeXml(spec.format(value))}</text>`,
    );
  }
  const minutes = Math.round(span / 60_000);
  const ticks: [number, string][] = [
    [spec.from, `-${minutes} min`],
    [spec.from + span / 2, `-${Math.round(minutes / 2)} min`],
    [spec.to, 'now'],
  ];
  ticks.forEach(([t, label], index) => {
    const anchor = index === 0 ? 'start' : index === ticks.length - 1 ? 'end' : 'middle';
    parts.push(
      `<text class="axis" x="${x(t)}" y="${HEIGHT - 6}" text-anchor="${anchor}" font-size="11" fill="#616e7c">${escapeXml(label)}</text>`,
    );
  });
  spec.series.forEach((series, index) => {
    for (const run of segments(series.points)) {
      const className = `line ${series.className}`;
      if (run.length === 1) {
        const [point] = run;
        parts.push(
          `<circle class="${escapeXml(className)}" data-series="${index}" cx="${x(point.t)}" cy="${y(point.v)}" r="2" />`,
        );
        continue;
      }
      const points = run.map((point) => `${x(point.t)},${y(point.v)}`).join(' ');
      parts.push(
        `<polyline class="${escapeXml(className)}" data-series="${index}" fill="none" stroke-width="2" points="${points}" />`,
      );
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The runs of measured points between gaps, inside the chart's time range. */
function segments(points: { t: number; v: number | null }[]): { t: number; v: number }[][] {
  const runs: { t: number; v: number }[][] = [];
  let run: { t: number; v: number }[] = [];
  for (const point of [...points].sort((a, b) => a.t - b.t)) {
    if (point.v === null || !Number.isFinite(point.v)) {
      if (run.length > 0) runs.push(run);
      run = [];
      continue;
    }
    run.push({ t: point.t, v: point.v });
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
