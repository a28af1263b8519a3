import { loadConfig } from '../../../src/config/app-config';
import { MigrationPhase, StoreName } from '../../../src/config/migration-phase';
import { StoreConnections } from '../../../src/database/store-connections';
import {
  PhaseControl,
  PhaseUnknownError,
  nextPhases,
  recordStoresOf,
} from '../../../src/control/phase-control';
import { InstanceReport, PhaseRecord } from '../../../src/control/phase-record';
import {
  CassandraPhaseRecords,
  MongoPhaseRecords,
  PhaseRecords,
} from '../../../src/control/phase-records';

/** One store's records in memory; `down` makes every call fail like an unreachable server. */
class FakeRecords extends PhaseRecords {
  record?: PhaseRecord;
  reports = new Map<string, InstanceReport>();
  down = false;
  reads = 0;

  constructor(readonly store: StoreName) {
    super();
  }
  private check(): void {
    if (this.down) throw new Error(`${this.store} is down`);
  }
  readPhase(): Promise<PhaseRecord | undefined> {
    this.reads++;
    this.check();
    return Promise.resolve(this.record);
  }
  writePhase(record: PhaseRecord): Promise<void> {
    this.check();
    this.record = record;
    return Promise.resolve();
  }
  readInstances(): Promise<InstanceReport[]> {
    this.check();
    return Promise.resolve([...this.reports.values()]);
  }
  writeInstance(report: InstanceReport): Promise<void> {
    this.check();
    this.reports.set(report.id, report);
    return Promise.resolve();
  }
  removeInstance(id: string): Promise<void> {
    this.reports.delete(id);
    return Promise.resolve();
  }
}

/** Connections that open unless the store is down (an open one stays open, like a pool). */
class FakeConnections {
  readonly open = new Set<StoreName>();
  constructor(private readonly records: Record<StoreName, FakeRecords>) {}
  isOpen(store: StoreName): boolean {
    return this.open.has(store);
  }
  ensure(store: StoreName): Promise<void> {
    if (this.open.has(store)) return Promise.resolve();
    if (this.records[store].down) return Promise.reject(new Error(`${store} unreachable`));
    this.open.add(store);
    return Promise.resolve();
  }
}

function record(phase: MigrationPhase, version: number, previous: MigrationPhase): PhaseRecord {
  return {
    phase,
    previous,
    version,
    set_at: new Date(version).toISOString(),
    set_by: 'test',
    forced: false,
  };
}

function setup(initial: MigrationPhase) {
  const mongo = new FakeRecords('mongo');
  const cassandra = new FakeRecords('cassandra');
  const connections = new FakeConnections({ mongo, cassandra });
  const control = new PhaseControl(
    loadConfig({ MIGRATION_PHASE: initial }),
    connections as unknown as StoreConnections,
    mongo as unknown as MongoPhaseRecords,
    cassandra as unknown as CassandraPhaseRecords,
  );
  return { mongo, cassandra, connections, control };
}

describe('PhaseControl', () => {
  it('moves one step at a time, forward or back', () => {
    expect(nextPhases('mongo')).toEqual(['dual-write']);
    expect(nextPhases('dual-write')).toEqual(['mongo', 'cassandra-primary']);
    expect(nextPhases('cassandra-primary')).toEqual(['dual-write', 'cassandra']);
    expect(nextPhases('cassandra')).toEqual(['cassandra-primary']);
  });

  it('every phase has one record store, which every record after it is written to', () => {
    expect(recordStoresOf('mongo')).toEqual(['mongo']);
    expect(recordStoresOf('dual-write')).toEqual(['mongo']);
    expect(recordStoresOf('cassandra-primary')).toEqual(['cassandra']);
    expect(recordStoresOf('cassandra')).toEqual(['cassandra']);
  });

  it('without any record the phase is MIGRATION_PHASE, read from the stores it uses only', async () => {
    const { control, cassandra, connections } = setup('mongo');
    await expect(control.read()).resolves.toEqual({ phase: 'mongo', record: undefined });
    expect(cassandra.reads).toBe(0);
    expect(connections.isOpen('cassandra')).toBe(false);
  });

  it('follows records from store to store until the newest', async () => {
    // started as mongo; the fleet has since moved to dual-write, then cassandra-primary, then
    // cassandra, and MongoDB missed the last record (it was unreachable then)
    const { control, mongo, cassandra } = setup('mongo');
    mongo.record = record('cassandra-primary', 2000, 'dual-write');
    cassandra.record = record('cassandra', 3000, 'cassandra-primary');
    const effective = await control.read();
    expect(effective.phase).toBe('cassandra');
    expect(effective.record?.version).toBe(3000);
  });

  it('does not need a store the phase does not use', async () => {
    // phase 3 after MongoDB was removed, with a stale MIGRATION_PHASE=cassandra-primary
    const { control, mongo, cassandra } = setup('cassandra-primary');
    mongo.down = true;
    cassandra.record = record('cassandra', 3000, 'cassandra-primary');
    await expect(control.read()).resolves.toMatchObject({ phase: 'cassandra' });
  });

  it('a following instance polls only the record store of its phase', async () => {
    // an instance in phase 2 started long ago with MIGRATION_PHASE=mongo, both stores open;
    // MongoDB is too slow to answer (the live backup under load), which must not matter
    const { control, connections, mongo, cassandra } = setup('mongo');
    connections.open.add('mongo').add('cassandra');
    mongo.down = true;
    cassandra.record = record('cassandra', 3000, 'cassandra-primary');
    const from = recordStoresOf('cassandra-primary');
    await expect(control.read({ from })).resolves.toMatchObject({ phase: 'cassandra' });
    expect(mongo.reads).toBe(0);
  });

  it('knows the phase without the store its record store makes unnecessary', async () => {
    // dual-write: whatever comes next is written to MongoDB, so Cassandra being down is no doubt
    const { control, mongo, cassandra } = setup('mongo');
    mongo.record = record('dual-write', 1000, 'mongo');
    cassandra.down = true;
    await expect(control.read()).resolves.toMatchObject({ phase: 'dual-write' });
    expect(cassandra.reads).toBe(0);
  });

  it('refuses to guess when the record store of the phase cannot be read', async () => {
    // cassandra-primary: a newer record (cassandra) would be in Cassandra only
    const { control, mongo, cassandra } = setup('mongo');
    mongo.record = record('cassandra-primary', 2000, 'dual-write');
    cassandra.down = true;
    await expect(control.read()).rejects.toThrow(PhaseUnknownError);
    await expect(control.read()).rejects.toThrow(/cassandra: cassandra unreachable/);
  });

  it('writes the record into every store the new phase uses, and the other when it can', async () => {
    const { control, mongo, cassandra } = setup('dual-write');
    const current = await control.read();
    const { record: written, skipped } = await control.write('mongo', current, false);
    expect(written).toMatchObject({ phase: 'mongo', previous: 'dual-write', forced: false });
    expect(mongo.record).toEqual(written);
    expect(cassandra.record).toEqual(written);
    expect(skipped).toEqual([]);

    // back to dual-write, then down to mongo while Cassandra is unreachable
    const back = await control.write('dual-write', await control.read(), true);
    expect(back.record.version).toBeGreaterThan(written.version);
    cassandra.down = true;
    const current2 = { phase: 'dual-write' as const, record: back.record };
    const down = await control.write('mongo', current2, false);
    expect(mongo.record).toEqual(down.record);
    expect(cassandra.record).toEqual(back.record);
    expect(down.skipped).toEqual(['cassandra (cassandra is down)']);
  });

  it('fails, writing nowhere it must not, when a store the new phase uses is down', async () => {
    const { control, mongo, cassandra } = setup('mongo');
    cassandra.down = true;
    await expect(control.write('dual-write', await control.read(), false)).rejects.toThrow(
      /cassandra unreachable/,
    );
    expect(mongo.record).toBeUndefined();
  });

  it('versions always increase, even with a clock behind the last writer', async () => {
    const { control, mongo } = setup('mongo');
    const future = Date.now() + 3_600_000;
    mongo.record = record('mongo', future, 'dual-write');
    const { record: written } = await control.write('dual-write', await control.read(), false);
    expect(written.version).toBe(future + 1);
  });

  it('merges instance reports from the open stores, newest per instance', async () => {
    const { control, mongo, cassandra, connections } = setup('dual-write');
    await control.read();
    expect([...connections.open].sort()).toEqual(['cassandra', 'mongo']);
    const report = (seen: string, phase: MigrationPhase): InstanceReport => ({
      id: 'a',
      host: 'h',
      pid: 1,
      phase,
      draining: 0,
      started_at: seen,
      seen_at: seen,
    });
    mongo.reports.set('a', report('2026-01-01T00:00:02Z', 'dual-write'));
    cassandra.reports.set('a', report('2026-01-01T00:00:01Z', 'mongo'));
    expect(await control.instances()).toEqual([report('2026-01-01T00:00:02Z', 'dual-write')]);
  });
});
