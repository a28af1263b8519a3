import { StatsReport } from './stats.service';

/** What `/api/stats` says in place of a failed count's reason (driver errors name hosts). */
export const COUNT_FAILED = 'count failed';

/**
 * The report anyone may read (the seed's sync check: phase, per-store counts, in sync or not):
 * a store whose last count failed says only that, never the driver's error text with its
 * addresses. Operators read the reason at `/api/stats/details`.
 */
export function publicStats(report: StatsReport): StatsReport {
  const stores = Object.fromEntries(
    Object.entries(report.stores).map(([name, count]) => [
      name,
      count.error === undefined ? count : { ...count, error: COUNT_FAILED },
    ]),
  );
  return { ...report, stores };
}
