import { execFileSync } from 'node:child_process';
import { BenchServers } from './bench-stack';

/** The ports of the bench's MongoDB and Cassandra servers. */
function serverPorts(servers: BenchServers): number[] {
  const mongoPort = Number(new URL(servers.mongoUrl).port || 27017);
  const cassandraPorts = servers.cassandraContactPoints
    .split(',')
    .map((point) => Number(/:(\d+)$/.exec(point.trim())?.[1] ?? 9042));
  return [mongoPort, ...cassandraPorts];
}

/**
 * The pids of the database servers, for waitUntilIdle: benchServers knows them when it started
 * the test stack; for servers given by BENCH_MONGO_URL / BENCH_CASSANDRA_CONTACT_POINTS they are
 * the local processes listening on those ports (`ss -ltnp`), or none when they run elsewhere.
 */
export function serverPids(servers: BenchServers): number[] {
  if (servers.pids.length > 0) return servers.pids;
  let listing: string;
  try {
    listing = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const ports = new Set(serverPorts(servers));
  const pids = new Set<number>();
  for (const line of listing.split('\n')) {
    const local = line.trim().split(/\s+/)[3] ?? '';
    if (!ports.has(Number(local.slice(local.lastIndexOf(':') + 1)))) continue;
    for (const match of line.matchAll(/pid=(\d+)/g)) pids.add(Number(match[1]));
  }
  return [...pids];
}
