/**
 * Keyspace replication, as written in CASSANDRA_REPLICATION:
 * - `N` (a bare integer): SimpleStrategy with replication_factor N (fine for one data center);
 * - `dc1:3,dc2:2`: NetworkTopologyStrategy with a factor per data center (production).
 */
export type ReplicationSettings =
  | { strategy: 'SimpleStrategy'; replicationFactor: number }
  | { strategy: 'NetworkTopologyStrategy'; dataCenters: Record<string, number> };

// Data center names end up inside a CQL string literal; a strict alphabet keeps rendering safe.
const DC_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const FACTOR = /^[1-9][0-9]?$/;

export class ReplicationParseError extends Error {}

/** Parses CASSANDRA_REPLICATION; throws ReplicationParseError with a short reason. */
export function parseReplication(raw: string): ReplicationSettings {
  const text = raw.trim();
  if (FACTOR.test(text)) {
    return { strategy: 'SimpleStrategy', replicationFactor: Number(text) };
  }
  const dataCenters: Record<string, number> = {};
  for (const part of text.split(',')) {
    const [dc, factor, ...rest] = part.trim().split(':');
    if (rest.length > 0 || !dc || !factor || !DC_NAME.test(dc) || !FACTOR.test(factor)) {
      throw new ReplicationParseError(`cannot read "${part.trim()}"`);
    }
    if (dc in dataCenters) {
      throw new ReplicationParseError(`data center "${dc}" is listed twice`);
    }
    dataCenters[dc] = Number(factor);
  }
  return { strategy: 'NetworkTopologyStrategy', dataCenters };
}

/** Renders the CQL map literal for `CREATE KEYSPACE ... WITH replication = <this>`. */
export function renderReplication(settings: ReplicationSettings): string {
  const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;
  if (settings.strategy === 'SimpleStrategy') {
    return `{'class': 'SimpleStrategy', 'replication_factor': ${settings.replicationFactor}}`;
  }
  const entries = Object.entries(settings.dataCenters).map(([dc, factor]) => {
    if (!DC_NAME.test(dc) || !Number.isInteger(factor) || factor < 1) {
      throw new ReplicationParseError(`invalid data center entry "${dc}"`);
    }
    return `${quote(dc)}: ${factor}`;
  });
  return `{'class': 'NetworkTopologyStrategy', ${entries.join(', ')}}`;
}
