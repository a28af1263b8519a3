import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../../src/app.module';
import { AppConfig, loadConfig } from '../../../src/config/app-config';
import { MigrationPhase } from '../../../src/config/migration-phase';
import { configureApp } from '../../../src/configure-app';
import { MigrationState } from '../../../src/control/migration-state';
import { PhaseControl } from '../../../src/control/phase-control';
import { CassandraClient } from '../../../src/database/cassandra/cassandra-client';
import { StoreConnections } from '../../../src/database/store-connections';
import { CassandraHealthIndicator } from '../../../src/health/cassandra.health';
import { MongoHealthIndicator } from '../../../src/health/mongo.health';
import { SchemaStartupCheck } from '../../../src/schema/schema-startup.check';
import { CassandraPostStore } from '../../../src/store/cassandra/cassandra-post-store';
import { HintLogs } from '../../../src/store/hints/hint-logs';
import { MongoPostStore } from '../../../src/store/mongo/mongo-post-store';
import { MemoryPostStore } from '../../support/memory-post-store';

export interface ControllerApp {
  config: AppConfig;
  app: NestExpressApplication;
  http: () => ReturnType<typeof request>;
  /** the in-memory stores behind the routed PostStore, by store name */
  stores: { mongo: MemoryPostStore; cassandra: MemoryPostStore };
  /** what /health's store checks say (true: up) */
  healthy: { mongo: boolean; cassandra: boolean };
}

/** A health indicator that answers as the test says, without a database. */
function indicator(key: 'mongo' | 'cassandra', healthy: ControllerApp['healthy']) {
  return {
    isHealthy: async () =>
      healthy[key]
        ? { [key]: { status: 'up' } }
        : { [key]: { status: 'down', message: 'down (test)' } },
  };
}

/**
 * The real HTTP app (AppModule, configureApp: routes, pages, pipes, filters, the phase pin and
 * the router) on in-memory stores: the two store classes are overridden with MemoryPostStore,
 * and what would reach a database (connections, the phase record, schema checks, hint logs,
 * the migration state, the health pings) answers from memory. Boots in about a second.
 */
export function useControllerApp(phase: MigrationPhase = 'mongo'): ControllerApp {
  const holder = {
    stores: { mongo: new MemoryPostStore('mongo'), cassandra: new MemoryPostStore('cassandra') },
    healthy: { mongo: true, cassandra: true },
  } as ControllerApp;
  beforeAll(async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      MIGRATION_PHASE: phase,
      HINT_RETRY_INTERVAL: '0',
      RECONCILE_INTERVAL: '0',
    });
    const state = new Map<string, unknown>();
    const module = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
      .overrideProvider(MongoPostStore)
      .useValue(holder.stores.mongo)
      .overrideProvider(CassandraPostStore)
      .useValue(holder.stores.cassandra)
      .overrideProvider(StoreConnections)
      .useValue({ ensure: async () => undefined, isOpen: () => true })
      .overrideProvider(CassandraClient)
      .useValue({ shutdown: async () => undefined })
      .overrideProvider(PhaseControl)
      .useValue({
        read: async () => ({ phase }),
        instances: async () => [],
        report: async () => undefined,
        forget: async () => undefined,
      })
      .overrideProvider(SchemaStartupCheck)
      .useValue({ check: async () => undefined })
      .overrideProvider(HintLogs)
      .useValue({ get: (store: string) => ({ store, pending: async () => 0 }) })
      .overrideProvider(MigrationState)
      .useValue({
        get: async (name: string) => state.get(name),
        put: async (name: string, body: unknown) => void state.set(name, body),
      })
      .overrideProvider(MongoHealthIndicator)
      .useValue(indicator('mongo', holder.healthy))
      .overrideProvider(CassandraHealthIndicator)
      .useValue(indicator('cassandra', holder.healthy))
      .compile();
    holder.config = config;
    holder.app = module.createNestApplication<NestExpressApplication>({ logger: false });
    configureApp(holder.app);
    await holder.app.init();
    holder.http = () => request(holder.app.getHttpServer());
  });
  beforeEach(() => {
    for (const store of Object.values(holder.stores)) store.clear();
    holder.healthy.mongo = holder.healthy.cassandra = true;
  });
  afterAll(async () => {
    await holder.app?.close();
  });
  return holder;
}

export { createPost, JSON_HEADERS, postFields } from '../../support/http-fixtures';
