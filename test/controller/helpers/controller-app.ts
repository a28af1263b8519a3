import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CredentialsService } from '../../../src/accounts/credentials.service';
import { hashPassword } from '../../../src/accounts/passwords';
import { AppModule } from '../../../src/app.module';
import { CassandraAuditRecords, MongoAuditRecords } from '../../../src/audit/audit-records';
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
import { Account, AccountStore, Role } from '../../../src/store/account-store';
import { CassandraPostStore } from '../../../src/store/cassandra/cassandra-post-store';
import { CassandraShadowRecords, MongoShadowRecords } from '../../../src/shadow/shadow-records';
import { HintLogs } from '../../../src/store/hints/hint-logs';
import { MongoPostStore } from '../../../src/store/mongo/mongo-post-store';
import { bearer, csrfOf } from '../../support/http-fixtures';
import { MemoryAccountStore } from '../../support/memory-account-store';
import { MemoryAuditRecords } from '../../support/memory-audit-records';
import { MemoryShadowRecords } from '../../support/memory-shadow-records';
import { MemoryPostStore } from '../../support/memory-post-store';
import { testAccount } from '../../support/test-accounts';

/** Every test account's password (hashed once per file: scrypt is slow on purpose). */
export const PASSWORD = 'correct horse battery staple';

/** A signed-in browser: a supertest agent keeping its cookies, and its forms' `_csrf`. */
export interface Browser {
  agent: ReturnType<typeof request.agent>;
  csrf: string;
  account: Account;
}

export interface ControllerApp {
  config: AppConfig;
  app: NestExpressApplication;
  http: () => ReturnType<typeof request>;
  /** the in-memory stores behind the routed PostStore, by store name */
  stores: { mongo: MemoryPostStore; cassandra: MemoryPostStore };
  accounts: MemoryAccountStore;
  /** the audit trail as each store holds it */
  audit: { mongo: MemoryAuditRecords; cassandra: MemoryAuditRecords };
  /** the shadow reads' records (mismatches, samples) as each store holds them */
  shadow: { mongo: MemoryShadowRecords; cassandra: MemoryShadowRecords };
  /** what /health's store checks say (true: up) */
  healthy: { mongo: boolean; cassandra: boolean };
  /** bearer headers of `editor`, an admin made before each test */
  writer: Record<string, string>;
  /** stores an account with PASSWORD (no HTTP) */
  account(username: string, role?: Role, overrides?: Partial<Account>): Account;
  /** bearer headers of a new token of the account (made if missing) */
  tokenOf(username: string, role?: Role): Promise<Record<string, string>>;
  /** signs in through GET and POST /login, as a browser does */
  signIn(username: string, role?: Role): Promise<Browser>;
  /** a browser that has not signed in, with the `_csrf` of its visitor cookie */
  visitor(): Promise<{ agent: ReturnType<typeof request.agent>; csrf: string }>;
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
 * The real HTTP app (AppModule, configureApp: routes, pages, pipes, filters, guards, the phase
 * pin and the router) on in-memory stores: the two post store classes are overridden with
 * MemoryPostStore, AccountStore with MemoryAccountStore, and what would reach a database
 * (connections, the phase record, schema checks, hint logs, the migration state, the audit
 * trail, the shadow-read records, the health pings) answers from memory. Boots in about a
 * second. Before each test every store is emptied and `editor` (an admin with a bearer token:
 * `writer`) is made.
 */
export function useControllerApp(
  phase: MigrationPhase = 'mongo',
  env: Record<string, string> = {},
): ControllerApp {
  const holder = {
    stores: { mongo: new MemoryPostStore('mongo'), cassandra: new MemoryPostStore('cassandra') },
    accounts: new MemoryAccountStore(),
    audit: {
      mongo: new MemoryAuditRecords('mongo'),
      cassandra: new MemoryAuditRecords('cassandra'),
    },
    shadow: {
      mongo: new MemoryShadowRecords('mongo'),
      cassandra: new MemoryShadowRecords('cassandra'),
    },
    healthy: { mongo: true, cassandra: true },
  } as ControllerApp;
  let passwordHash = '';
  holder.account = (username, role = 'author', overrides = {}) => {
    const existing = [...holder.accounts.accounts.values()].find((a) => a.username === username);
    if (existing) return existing;
    const account = testAccount({ username, name: `${username} (name)`, role, passwordHash });
    holder.accounts.accounts.set(account.id, { ...account, ...overrides });
    return { ...account, ...overrides };
  };
  holder.tokenOf = async (username, role = 'author') => {
    const issued = await holder.app
      .get(CredentialsService)
      .issueToken(holder.account(username, role), 'test');
    return bearer(issued.value);
  };
  holder.visitor = async () => {
    const agent = request.agent(holder.app.getHttpServer());
    const page = await agent.get('/login').expect(200);
    return { agent, csrf: csrfOf(page.text) };
  };
  holder.signIn = async (username, role = 'author') => {
    const account = holder.account(username, role);
    const { agent, csrf } = await holder.visitor();
    await agent
      .post('/login')
      .type('form')
      .send({ username, password: PASSWORD, _csrf: csrf })
      .expect(303);
    const page = await agent.get('/account').expect(200);
    return { agent, csrf: csrfOf(page.text), account };
  };
  beforeAll(async () => {
    passwordHash = await hashPassword(PASSWORD);
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      MIGRATION_PHASE: phase,
      HINT_RETRY_INTERVAL: '0',
      RECONCILE_INTERVAL: '0',
      SESSION_SECRET: 'controller-tier-secret-of-at-least-32-chars',
      // one app per file, every request from 127.0.0.1: the per-address limits are off unless
      // the file sets them (the tests of the limits do)
      RATE_LIMIT_WRITES: '0',
      RATE_LIMIT_COMMENTS: '0',
      // no shadow reads: the controller tier's stores are in memory, with no record to keep them
      SHADOW_READ_RATE: '0',
      // as quiet as the Nest logger (logger: false): no access or error lines in the test output
      LOG_LEVEL: 'silent',
      ...env,
    });
    const state = new Map<string, unknown>();
    const module = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
      .overrideProvider(MongoPostStore)
      .useValue(holder.stores.mongo)
      .overrideProvider(CassandraPostStore)
      .useValue(holder.stores.cassandra)
      .overrideProvider(AccountStore)
      .useValue(holder.accounts)
      .overrideProvider(MongoAuditRecords)
      .useValue(holder.audit.mongo)
      .overrideProvider(CassandraAuditRecords)
      .useValue(holder.audit.cassandra)
      .overrideProvider(MongoShadowRecords)
      .useValue(holder.shadow.mongo)
      .overrideProvider(CassandraShadowRecords)
      .useValue(holder.shadow.cassandra)
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
  beforeEach(async () => {
    for (const store of Object.values(holder.stores)) store.clear();
    holder.accounts.clear();
    for (const trail of Object.values(holder.audit)) trail.clear();
    for (const records of Object.values(holder.shadow)) records.clear();
    holder.healthy.mongo = holder.healthy.cassandra = true;
    holder.writer = await holder.tokenOf('editor', 'admin');
  });
  afterAll(async () => {
    await holder.app?.close();
  });
  return holder;
}

export { createPost, csrfOf, JSON_HEADERS, postFields } from '../../support/http-fixtures';
