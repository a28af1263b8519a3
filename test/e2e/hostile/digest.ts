import { createHash } from 'node:crypto';
import { types } from 'cassandra-driver';
import { AppConfig } from '../../../src/config/app-config';
import { withCassandra, withMongo } from '../../integration/helpers/stores';

/**
 * Every collection and table of the stores the phase keeps, as sorted JSON lines: equal digests
 * mean no request changed anything. Two things change by themselves and are left out:
 * - a credential's `used_at` (and its `version`, which grows with it): the app records a
 *   session's or token's use at most once a minute, so the suite's own fixtures touch it;
 * - the `leases` table: the background jobs' locks, taken and released on a timer with a TTL;
 * - each app instance's heartbeat (`app_instances`, and `instance:` records in MongoDB's
 *   `migration_control`), rewritten every second by the instance itself;
 * - the audit trail (`audit_log`, `audit_days`): it records refused attempts too (an admin
 *   demoting the last admin is refused and audited), which is the point of it, not a change.
 */
export interface StoreDigest {
  /** "mongo.posts" / "cassandra.posts_by_id" → sha256 of its sorted lines */
  hashes: Record<string, string>;
  lines: Record<string, string[]>;
}

const SKIPPED_TABLES = new Set([
  'cassandra.leases',
  'cassandra.app_instances',
  'cassandra.audit_log',
  'cassandra.audit_days',
  'mongo.audit_log',
]);
const isHeartbeat = (name: string, record: Record<string, unknown>) =>
  name === 'mongo.migration_control' && String(record._id).startsWith('instance:');
const TOUCHED_FIELDS: Record<string, string[]> = {
  'mongo.credentials': ['used_at', 'version'],
  'cassandra.credentials': ['used_at', 'version'],
};

function plain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'object' && !Array.isArray(value)) {
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto !== Object.prototype && proto !== null) return String(value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

function line(name: string, record: Record<string, unknown>): string {
  const skip = TOUCHED_FIELDS[name] ?? [];
  const keys = Object.keys(record)
    .filter((key) => !skip.includes(key))
    .sort();
  return JSON.stringify(keys.map((key) => [key, plain(record[key])]));
}

export async function storeDigest(config: AppConfig): Promise<StoreDigest> {
  const lines: Record<string, string[]> = {};
  if (config.stores.mongo) {
    await withMongo(config, async (db) => {
      const collections = await db.listCollections({}, { nameOnly: true }).toArray();
      for (const { name } of collections) {
        const key = `mongo.${name}`;
        if (SKIPPED_TABLES.has(key)) continue;
        const docs = await db.collection(name).find({}).toArray();
        lines[key] = docs
          .map((doc) => doc as Record<string, unknown>)
          .filter((doc) => !isHeartbeat(key, doc))
          .map((doc) => line(key, doc))
          .sort();
      }
    });
  }
  if (config.stores.cassandra) {
    await withCassandra(config, async (client) => {
      const tables = await client.execute(
        'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?',
        [config.cassandraKeyspace],
        { prepare: true },
      );
      for (const row of tables.rows) {
        const table = row.get('table_name') as string;
        const key = `cassandra.${table}`;
        if (SKIPPED_TABLES.has(key)) continue;
        const out: string[] = [];
        const query = `SELECT * FROM ${config.cassandraKeyspace}.${table}`;
        let pageState: string | undefined;
        do {
          const page: types.ResultSet = await client.execute(query, [], {
            fetchSize: 5000,
            pageState,
          });
          for (const r of page.rows) {
            out.push(line(key, Object.fromEntries(r.keys().map((k) => [k, r.get(k)]))));
          }
          pageState = page.pageState ?? undefined;
        } while (pageState);
        lines[key] = out.sort();
      }
    });
  }
  const hashes = Object.fromEntries(
    Object.entries(lines).map(([key, rows]) => [
      key,
      createHash('sha256').update(rows.join('\n')).digest('hex'),
    ]),
  );
  return { hashes, lines };
}

/** What differs between two digests: per collection, lines gone and lines new (a few of each). */
export function digestDiff(before: StoreDigest, after: StoreDigest): string[] {
  const names = new Set([...Object.keys(before.hashes), ...Object.keys(after.hashes)]);
  const out: string[] = [];
  for (const name of [...names].sort()) {
    if (before.hashes[name] === after.hashes[name]) continue;
    const was = new Set(before.lines[name] ?? []);
    const now = new Set(after.lines[name] ?? []);
    const gone = [...was].filter((l) => !now.has(l));
    const added = [...now].filter((l) => !was.has(l));
    out.push(`${name}: ${gone.length} gone, ${added.length} new`);
    for (const l of gone.slice(0, 3)) out.push(`  - ${l.slice(0, 400)}`);
    for (const l of added.slice(0, 3)) out.push(`  + ${l.slice(0, 400)}`);
  }
  return out;
}
