import { AuditTrail } from '../../../src/audit/audit-trail';
import { CassandraAuditRecords, MongoAuditRecords } from '../../../src/audit/audit-records';
import { AppConfig } from '../../../src/config/app-config';
import { StoreName } from '../../../src/config/migration-phase';
import { StoreConnections } from '../../../src/database/store-connections';
import { MemoryAuditRecords } from '../../support/memory-audit-records';

/** AuditTrail's rules over two in-memory stores: where entries go, how reads merge. */
function trail(open: StoreName[]) {
  const stores = {
    mongo: new MemoryAuditRecords('mongo'),
    cassandra: new MemoryAuditRecords('cassandra'),
  };
  const connections = {
    isOpen: (store: StoreName) => open.includes(store),
    ensure: async (store: StoreName) => {
      if (!open.includes(store)) open.push(store);
    },
  } as unknown as StoreConnections;
  const config = { stores: { mongo: true, cassandra: false } } as AppConfig;
  const audit = new AuditTrail(
    config,
    connections,
    stores.mongo as unknown as MongoAuditRecords,
    stores.cassandra as unknown as CassandraAuditRecords,
  );
  return { audit, stores, open };
}

const record = (action: string) => ({ actor: 'cli:op@host', action, outcome: 'ok' as const });

describe('AuditTrail', () => {
  it('writes every entry to every open store, and reads them once each', async () => {
    const { audit, stores } = trail(['mongo', 'cassandra']);
    await audit.record(record('a'));
    await audit.record(record('b'));
    expect(stores.mongo.entries).toHaveLength(2);
    expect(stores.cassandra.entries).toEqual(stores.mongo.entries);
    expect((await audit.list()).map((e) => e.action)).toEqual(['a', 'b']);
  });

  it('phase mongo: MongoDB only; with nothing open it connects the stores of MIGRATION_PHASE', async () => {
    const { audit, stores, open } = trail([]);
    const write = await audit.record(record('a'));
    expect(write.written).toEqual(['mongo']);
    expect(open).toEqual(['mongo']);
    expect(stores.cassandra.entries).toEqual([]);
  });

  it('merges entries only one store has, in id order (cleanup, restore, a missed write)', async () => {
    const { audit, stores, open } = trail(['mongo']);
    await audit.record(record('mongo-only'));
    open.push('cassandra');
    stores.mongo.failing = new Error('down');
    const write = await audit.record(record('cassandra-only'));
    expect(write.failed).toEqual(['mongo (down)']);
    expect(write.written).toEqual(['cassandra']);
    stores.mongo.failing = undefined;
    await audit.record(record('both'));
    expect((await audit.list()).map((e) => e.action)).toEqual([
      'mongo-only',
      'cassandra-only',
      'both',
    ]);
    expect((await audit.list({ limit: 2 })).map((e) => e.action)).toEqual([
      'cassandra-only',
      'both',
    ]);
  });

  it('a store that cannot be read is named, the other still answers', async () => {
    const { audit, stores } = trail(['mongo', 'cassandra']);
    await audit.record(record('a'));
    stores.cassandra.failing = new Error('timed out');
    const read = await audit.read();
    expect(read.entries.map((e) => e.action)).toEqual(['a']);
    expect(read.unreadable).toEqual(['cassandra (timed out)']);
  });

  it('never throws when no store takes the entry: the action is done, the failure is returned', async () => {
    const { audit, stores } = trail(['mongo']);
    stores.mongo.failing = new Error('down');
    const write = await audit.record(record('a'));
    expect(write.written).toEqual([]);
    expect(write.failed).toEqual(['mongo (down)']);
  });

  it('copies the entries only MongoDB has into Cassandra, once', async () => {
    const { audit, stores } = trail(['mongo']);
    await audit.record(record('phase mongo 1'));
    await audit.record(record('phase mongo 2'));
    await audit.record({ ...record('secret'), details: { password: 'x', role: 'admin' } });
    expect(await audit.copyMongoOnlyToCassandra()).toBe(3);
    expect(await audit.copyMongoOnlyToCassandra()).toBe(0);
    expect(stores.cassandra.entries.map((e) => e.action)).toEqual([
      'phase mongo 1',
      'phase mongo 2',
      'secret',
    ]);
    expect(stores.cassandra.entries[2].details).toEqual({ role: 'admin' });
  });

  it('since and before bound the range', async () => {
    const { audit } = trail(['mongo']);
    const first = await audit.record(record('old'));
    const second = await audit.record(record('new'));
    expect((await audit.list({ before: second.entry.id })).map((e) => e.action)).toEqual(['old']);
    expect(await audit.list({ since: Date.now() + 1000 })).toEqual([]);
    expect((await audit.list({ since: Date.parse(first.entry.at) })).length).toBe(2);
  });
});
