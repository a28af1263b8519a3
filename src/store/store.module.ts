import { Module, Provider } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import { Connection } from 'mongoose';
import { AppConfig } from '../config/app-config';
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
import { PostStoreRouter } from './post-store.router';
import { Replicas } from './replicas';

const NEST_HOOKS: ReadonlySet<string | symbol> = new Set([
  'onModuleInit',
  'onApplicationBootstrap',
  'onModuleDestroy',
  'beforeApplicationShutdown',
  'onApplicationShutdown',
]);

const providers: Provider[] = [
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
    ],
    useFactory: (
      connection: Connection,
      client: CassandraClient,
      mongoPosts: MongoPostRecords,
      mongoComments: MongoCommentRecords,
      cassandraPosts: CassandraPostRecords,
      cassandraComments: CassandraCommentRecords,
    ) =>
      new Replicas(new RecordKinds(BLOG_KINDS), {
        mongo: new MongoReplica(connection, [mongoPosts, mongoComments]),
        cassandra: new CassandraReplica(client, [cassandraPosts, cassandraComments]),
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
    inject: [CurrentPhase, AppConfig, MongoPostStore, CassandraPostStore, Replicas, HintLogs],
    useFactory: (
      phase: CurrentPhase,
      config: AppConfig,
      mongo: MongoPostStore,
      cassandra: CassandraPostStore,
      replicas: Replicas,
      hintLogs: HintLogs,
    ) => new PostStoreRouter(phase, config, { mongo, cassandra }, replicas, hintLogs),
  },
  {
    provide: PostStore,
    inject: [PostStoreRouter],
    useFactory: (router: PostStoreRouter): PostStore => new PhaseRoutedPostStore(router),
  },
  // TODO(base14): the account stores, being built on their own branch
  {
    provide: AccountStore,
    useFactory: (): AccountStore =>
      new Proxy({} as AccountStore, {
        // no `then` (Nest awaits a factory's value: a thenable that never resolves hangs the
        // boot) and no lifecycle hooks; every method rejects when called
        get: (_target, property) =>
          property === 'then' || typeof property === 'symbol' || NEST_HOOKS.has(property)
            ? undefined
            : () => Promise.reject(new Error('AccountStore: not built yet')),
      }),
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
  ],
})
export class StoreModule {}
