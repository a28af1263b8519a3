import { getConnectionToken } from '@nestjs/mongoose';
import { Test, TestingModule } from '@nestjs/testing';
import { Connection } from 'mongoose';
import { AuditModule } from '../../../src/audit/audit.module';
import { AuditEntry, auditIdAt } from '../../../src/audit/audit-entry';
import { CassandraAuditRecords, MongoAuditRecords } from '../../../src/audit/audit-records';
import { AuditTrail } from '../../../src/audit/audit-trail';
import { AppConfig, loadConfig } from '../../../src/config/app-config';
import { AppConfigModule } from '../../../src/config/app-config.module';
import { StoresUsed } from '../../../src/config/migration-phase';
import { DatabaseModule } from '../../../src/database/database.module';
import { SchemaModule } from '../../../src/schema/schema.module';
import { SchemaService } from '../../../src/schema/schema.service';
import { testEnv } from '../../support/test-env';
import { dropTestStores } from '../helpers/stores';

const DAY = 86_400_000;

/**
 * AuditTrail on the real servers, as each phase has its stores open: phase `mongo` (MongoDB
 * only), a dual phase (both), `cassandra` (Cassandra only), over one database and keyspace.
 */
describe('AuditTrail (real servers)', () => {
  let config: AppConfig;
  const modules: TestingModule[] = [];

  async function opened(stores: StoresUsed): Promise<TestingModule> {
    const module = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule.forRoot(config, stores),
        SchemaModule,
        AuditModule,
      ],
    }).compile();
    await module.init();
    modules.push(module);
    return module;
  }

  let both: TestingModule;
  let mongoOnly: TestingModule;
  let cassandraOnly: TestingModule;

  beforeAll(async () => {
    config = loadConfig(testEnv('audit_trail', { MIGRATION_PHASE: 'dual-write' }));
    both = await opened({ mongo: true, cassandra: true });
    await both.get(SchemaService).migrate({});
    mongoOnly = await opened({ mongo: true, cassandra: false });
    cassandraOnly = await opened({ mongo: false, cassandra: true });
  });
  afterAll(async () => {
    for (const module of modules) await module.close();
    if (config) await dropTestStores(config);
  });

  const record = (action: string) => ({
    actor: 'cli:op@host',
    action,
    outcome: 'ok' as const,
    details: { n: 1 },
  });
  const actions = (entries: AuditEntry[]) => entries.map((e) => e.action);

  it('each phase writes where its stores are, and every reader sees what its stores hold', async () => {
    expect((await mongoOnly.get(AuditTrail).record(record('in mongo'))).written).toEqual(['mongo']);
    expect((await both.get(AuditTrail).record(record('in both'))).written.sort()).toEqual([
      'cassandra',
      'mongo',
    ]);
    expect((await cassandraOnly.get(AuditTrail).record(record('in cassandra'))).written).toEqual([
      'cassandra',
    ]);

    expect(actions(await both.get(AuditTrail).list())).toEqual([
      'in mongo',
      'in both',
      'in cassandra',
    ]);
    expect(actions(await mongoOnly.get(AuditTrail).list())).toEqual(['in mongo', 'in both']);
    expect(actions(await cassandraOnly.get(AuditTrail).list())).toEqual([
      'in both',
      'in cassandra',
    ]);
    const [entry] = await cassandraOnly.get(AuditTrail).list({ limit: 1 });
    expect(entry).toMatchObject({ actor: 'cli:op@host', outcome: 'ok', details: { n: 1 } });
    expect(await mongoOnly.get(MongoAuditRecords).list({}, 1)).toEqual(
      await both.get(MongoAuditRecords).list({}, 1),
    );
  });

  it('Cassandra reads walk the day partitions newest first, bounded by since and before', async () => {
    const cassandra = both.get(CassandraAuditRecords);
    const base = Date.parse('2026-01-10T12:00:00Z');
    const old = [0, 1, 1, 2].map((day, i) => ({
      // ids of the past, made by hand (newAuditId never goes back before this process's last one)
      id: `${auditIdAt(base + day * DAY + i)}-0000-0000000${i}`,
      at: new Date(base + day * DAY + i).toISOString(),
      actor: 'cli:op@host',
      action: `day ${day} #${i}`,
      outcome: 'ok' as const,
      details: {},
    }));
    for (const entry of old) await cassandra.append(entry);
    const trail = both.get(AuditTrail);
    const range = { since: base, before: auditIdAt(base + 3 * DAY) };
    expect(actions(await trail.list(range))).toEqual(old.map((e) => e.action));
    expect(actions(await trail.list({ ...range, since: base + DAY }))).toEqual([
      'day 1 #1',
      'day 1 #2',
      'day 2 #3',
    ]);
    expect(actions(await trail.list({ ...range, limit: 2 }))).toEqual(['day 1 #2', 'day 2 #3']);
    expect(actions(await trail.list({ ...range, before: old[2].id }))).toEqual([
      'day 0 #0',
      'day 1 #1',
    ]);
  });

  it('copies what only MongoDB has into Cassandra; the trail is whole once MongoDB drops it', async () => {
    const trail = both.get(AuditTrail);
    const before = actions(await trail.list());
    const copied = await trail.copyMongoOnlyToCassandra();
    expect(copied).toBe(1); // 'in mongo', from the first test
    expect(await trail.copyMongoOnlyToCassandra()).toBe(0);
    await both.get<Connection>(getConnectionToken()).db!.dropCollection('audit_log');
    expect(actions(await trail.list())).toEqual(before);
    expect(actions(await cassandraOnly.get(AuditTrail).list())).toEqual(before);
    // MongoDB without its trail (removed after cleanup): skipped, never re-created by a write
    const gone = await trail.record(record('mongo gone'));
    expect({ written: gone.written, skipped: gone.skipped }).toEqual({
      written: ['cassandra'],
      skipped: ['mongo'],
    });
    const db = both.get<Connection>(getConnectionToken()).db!;
    expect(await db.listCollections({ name: 'audit_log' }).toArray()).toEqual([]);
    before.push('mongo gone');
    // a restored MongoDB (audit_log re-created empty): reads still merge Cassandra's entries
    await both.get(SchemaService).migrate({});
    await both.get<Connection>(getConnectionToken()).db!.createCollection('audit_log');
    await trail.record(record('after restore'));
    expect(actions(await trail.list())).toEqual([...before, 'after restore']);
  });
});
