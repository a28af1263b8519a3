import {
  DynamicModule,
  Global,
  Injectable,
  MiddlewareConsumer,
  Module,
  Provider,
  NestMiddleware,
  NestModule,
} from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
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
import { PostStoreRouter } from './post-store.router';
import { Replicas } from './replicas';

/** Methods that never write (every write route is a POST). */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Pins each request to the phase served when it arrives (it finishes on that phase's store),
 * and shows that phase in the page footer.
 */
@Injectable()
export class PhasePinMiddleware implements NestMiddleware {
  constructor(private readonly router: PostStoreRouter) {}

  use(request: Request, response: Response, next: NextFunction): void {
    this.router.pin(
      (phase) => {
        response.locals.migrationPhase = phase;
        next();
      },
      {
        writes: !READS.has(request.method),
        onEnd: (ended) => response.once('close', ended),
      },
    );
  }
}

/**
 * Provides PostStore (routed by phase, see PostStoreRouter) and the plain stores for the
 * migration module. Needs DatabaseModule and PhaseModule (CurrentPhase).
 */
@Global()
@Module({})
export class PostStoreModule implements NestModule {
  static forRoot(): DynamicModule {
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
      PhasePinMiddleware,
    ];
    return {
      module: PostStoreModule,
      providers,
      exports: providers,
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(PhasePinMiddleware).forRoutes('{*splat}');
  }
}
