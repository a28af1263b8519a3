/**
 * bench:scale's figures from its rounds: per size and route the median of the rounds, the ratios
 * of the largest size to the smallest (target ≤ 1.30; the control's has none: it shows the
 * machine's noise), and the same ratio round by round. Pure, so it is unit-tested.
 */
import type { LoadFigures, Ratio, ScaleRoundRatioJson } from './results';
import { CONTROL_ROUTE } from './scale-routes';

export const SCALE_TARGET = 1.3;

export type ScaleRow = LoadFigures & { posts: number; route: string };
export type ScaleRoundRow = ScaleRow & { round: number };

/** 1000000 → 1M, 100000 → 100k, 1100 → 1100. */
export const sizeLabel = (n: number): string =>
  n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n % 1000 === 0 ? `${n / 1000}k` : String(n);

/** The middle value (the mean of the two middle ones for an even count); null for none. */
export function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * One row per size and route: the median over the rounds of p50, p99 and req/s (a round in
 * which no request completed has no latency and is left out of those), requests and unexpected
 * answers summed. Sizes in `sizes` order, routes in `routes` order.
 */
export function medianRows(
  roundRows: ScaleRoundRow[],
  sizes: number[],
  routes: readonly string[],
): ScaleRow[] {
  const out: ScaleRow[] = [];
  for (const posts of sizes) {
    for (const route of routes) {
      const of = roundRows.filter((r) => r.posts === posts && r.route === route);
      if (!of.length) continue;
      const answered = of.filter((r) => r.p50_ms !== null);
      const sum = (pick: (r: ScaleRoundRow) => number | null) =>
        of.every((r) => pick(r) !== null) ? of.reduce((s, r) => s + (pick(r) ?? 0), 0) : null;
      out.push({
        posts,
        route,
        connections: of[0].connections,
        requests_per_second: median(of.map((r) => r.requests_per_second)) ?? 0,
        p50_ms: median(answered.map((r) => r.p50_ms as number)),
        p99_ms: median(answered.map((r) => r.p99_ms as number)),
        requests: sum((r) => r.requests),
        unexpected: sum((r) => r.unexpected),
      });
    }
  }
  return out;
}

/** p50 at the largest size over p50 at the smallest, per route (the control without target). */
export function scaleRatios(rows: ScaleRow[], sizes: number[], routes: readonly string[]): Ratio[] {
  if (sizes.length < 2) return [];
  const [small, large] = [sizes[0], sizes[sizes.length - 1]];
  const p50 = (posts: number, route: string) =>
    rows.find((r) => r.posts === posts && r.route === route)?.p50_ms ?? null;
  return routes.map((route) => {
    const [numerator, denominator] = [p50(large, route), p50(small, route)];
    const value =
      numerator === null || denominator === null || denominator === 0
        ? null
        : numerator / denominator;
    const control = route === CONTROL_ROUTE;
    return {
      name: `${route} p50, ${sizeLabel(large)} / ${sizeLabel(small)}${control ? " (the machine's noise)" : ''}`,
      numerator,
      denominator,
      value,
      target: control ? null : `≤ ${SCALE_TARGET.toFixed(2)}`,
      met: control || value === null ? null : value <= SCALE_TARGET,
    };
  });
}

/** The same ratio within each round: how much of a ratio is the round it was measured in. */
export function roundRatios(
  roundRows: ScaleRoundRow[],
  sizes: number[],
  routes: readonly string[],
): ScaleRoundRatioJson[] {
  if (sizes.length < 2) return [];
  const [small, large] = [sizes[0], sizes[sizes.length - 1]];
  const rounds = [...new Set(roundRows.map((r) => r.round))].sort((a, b) => a - b);
  const p50 = (round: number, posts: number, route: string) =>
    roundRows.find((r) => r.round === round && r.posts === posts && r.route === route)?.p50_ms ??
    null;
  return rounds.flatMap((round) =>
    routes.map((route) => {
      const [a, b] = [p50(round, large, route), p50(round, small, route)];
      return { round, route, value: a === null || b === null || b === 0 ? null : a / b };
    }),
  );
}

/** The order the sizes are measured in round `round` (1-based): rotated, so none is always first. */
export function roundOrder<T>(sizes: T[], round: number): T[] {
  const shift = (round - 1) % sizes.length;
  return [...sizes.slice(shift), ...sizes.slice(0, shift)];
}
