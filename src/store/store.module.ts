import { Module, Provider } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import { Connection } from 'mongoose';
import { AppConfig } from '../config/app-config';
import { BlogMetrics } from '../metrics/blog-metrics';
import { CassandraClient } from '../database/cassandra/cassandra-client';
import { BLOG_KINDS } from '../kinds/blog-kinds';
import { RecordKinds } from '../kinds/record-kinds';
import { CassandraCommentRecords } from './cassandra/cassandra-comment-records';
import { CassandraPostRecords } from './cassandra/cassandra-post-records';
import { CassandraPostStore } from './cassandra/cassandra-post-store';
import { CassandraReplica } from './cassandra/cassandra-replica';
import { ControlModule } from '../control/control.module';
import { CurrentPhase } from '../control/current-phase';
import { CassandraHintLog } from './hints/cassandra-hint-log';
import { HintLogs } from './hints/hint-logs';
import { MongoHintLog } from './hints/mongo-hint-log';
import { MongoCommentRecords } from './mongo/mongo-comment-records';
import { MongoPostRecords } from './mongo/mongo-post-records';
import { MongoPostStore } from './mongo/mongo-post-store';
import { MongoReplica } from './mongo/mongo-replica';
import { PhaseRoutedPostStore } from './phase-routed-post-store';
import { PostStore } from './post-store';
import { AccountStore } from './account-store';
import {
  CassandraAccountStore,
  cassandraAccountRecords,
  cassandraCredentialRecords,
} from './cassandra/cassandra-account-store';
import { CassandraAccountRecords } from './cassandra/cassandra-account-records';
import { CassandraVersionedRecords } from './cassandra/cassandra-versioned-records';
import {
  MongoAccountStore,
  mongoAccountRecords,
  mongoCredentialRecords,
} from './mongo/mongo-account-store';
import { MongoVersionedRecords } from './mongo/mongo-versioned-records';
import { PhaseRoutedAccountStore } from './phase-routed-account-store';
import { Account, Credential } from './account-store';
import { PostStoreRouter } from './post-store.router';
import { Replicas } from './replicas';

/**
 * The account and credential records of each store: the methods behind both its AccountStore
 * and its replica of those kinds.
 */
export class AccountRecordSet {
  constructor(
    readonly mongo: {
      accounts: MongoVersionedRecords<Account>;
      credentials: MongoVersionedRecords<Credential>;
    },
    readonly cassandra: {
      accounts: CassandraAccountRecords;
      credentials: CassandraVersionedRecords<Credential>;
    },
  ) {}
}

const providers: Provider[] = [
  {
    provide: AccountRecordSet,
    inject: [getConnectionToken(), MongoPostRecords, CassandraClient],
    useFactory: (connection: Connection, posts: MongoPostRecords, client: CassandraClient) =>
      new AccountRecordSet(
        {
          accounts: mongoAccountRecords(connection, posts.lock),
          credentials: mongoCredentialRecords(connection, posts.lock),
        },
        {
          accounts: cassandraAccountRecords(client),
          credentials: cassandraCredentialRecords(client),
        },
      ),
  },
  MongoHintLog,
  CassandraHintLog,
  {
    provide: MongoPostRecords,
    inject: [getConnectionToken()],
    useFactory: (connection: Connection) => new MongoPostRecords(connection),
  },
  {
    provide: MongoCommentRecords,
    inject: [MongoPostRecords],
    useFactory: (posts: MongoPostRecords) => new MongoCommentRecords(posts),
  },
  {
    provide: MongoPostStore,
    inject: [MongoPostRecords, MongoCommentRecords],
    useFactory: (posts: MongoPostRecords, comments: MongoCommentRecords) =>
      new MongoPostStore(posts, comments),
  },
  {
    provide: CassandraPostRecords,
    inject: [CassandraClient],
    useFactory: (client: CassandraClient) => new CassandraPostRecords(client),
  },
  {
    provide: CassandraCommentRecords,
    inject: [CassandraClient, CassandraPostRecords],
    useFactory: (client: CassandraClient, posts: CassandraPostRecords) =>
      new CassandraCommentRecords(client, posts),
  },
  {
    provide: CassandraPostStore,
    inject: [CassandraClient, CassandraPostRecords, CassandraCommentRecords],
    useFactory: (
      client: CassandraClient,
      posts: CassandraPostRecords,
      comments: CassandraCommentRecords,
    ) => new CassandraPostStore(client, posts, comments),
  },
  {
    provide: Replicas,
    inject: [
      getConnectionToken(),
      CassandraClient,
      MongoPostRecords,
      MongoCommentRecords,
      CassandraPostRecords,
      CassandraCommentRecords,
      AccountRecordSet,
    ],
    useFactory: (
      connection: Connection,
      client: CassandraClient,
      mongoPosts: MongoPostRecords,
      mongoComments: MongoCommentRecords,
      cassandraPosts: CassandraPostRecords,
      cassandraComments: CassandraCommentRecords,
      accounts: AccountRecordSet,
    ) =>
      new Replicas(new RecordKinds(BLOG_KINDS), {
        mongo: new MongoReplica(connection, [
          mongoPosts,
          mongoComments,
          accounts.mongo.accounts,
          accounts.mongo.credentials,
        ]),
        cassandra: new CassandraReplica(client, [
          cassandraPosts,
          cassandraComments,
          accounts.cassandra.accounts,
          accounts.cassandra.credentials,
        ]),
      }),
  },
  {
    provide: HintLogs,
    inject: [MongoHintLog, CassandraHintLog],
    useFactory: (mongo: MongoHintLog, cassandra: CassandraHintLog) =>
      new HintLogs(mongo, cassandra),
  },
  {
    provide: PostStoreRouter,
    inject: [
      CurrentPhase,
      AppConfig,
      MongoPostStore,
      CassandraPostStore,
      CassandraClient,
      AccountRecordSet,
      Replicas,
      HintLogs,
      BlogMetrics,
    ],
    useFactory: (
      phase: CurrentPhase,
      config: AppConfig,
      mongo: MongoPostStore,
      cassandra: CassandraPostStore,
      client: CassandraClient,
      accounts: AccountRecordSet,
      replicas: Replicas,
      hintLogs: HintLogs,
      metrics: BlogMetrics,
    ) =>
      new PostStoreRouter(
        phase,
        config,
        { mongo, cassandra },
        {
          mongo: new MongoAccountStore(accounts.mongo.accounts, accounts.mongo.credentials),
          cassandra: new CassandraAccountStore(
            client,
            accounts.cassandra.accounts,
            accounts.cassandra.credentials,
          ),
        },
        replicas,
        hintLogs,
        metrics,
      ),
  },
  {
    provide: AccountStore,
    inject: [PostStoreRouter],
    useFactory: (router: PostStoreRouter): AccountStore => new PhaseRoutedAccountStore(router),
  },
  {
    provide: PostStore,
    inject: [PostStoreRouter],
    useFactory: (router: PostStoreRouter): PostStore => new PhaseRoutedPostStore(router),
  },
];

/**
 * Each store's request store, record methods, replica and hint log, built from the record kinds;
 * the router that picks a phase's store (phasePlan), and PostStore, routed by phase, for features.
 */
@Module({
  imports: [ControlModule],
  providers,
  exports: [
    PostStore,
    AccountStore,
    PostStoreRouter,
    Replicas,
    HintLogs,
    MongoPostStore,
    CassandraPostStore,
    MongoPostRecords,
    MongoCommentRecords,
    CassandraPostRecords,
    CassandraCommentRecords,
    AccountRecordSet,
  ],
})
export class StoreModule {}
