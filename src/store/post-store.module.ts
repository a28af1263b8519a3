import {
  DynamicModule,
  Global,
  Injectable,
  MiddlewareConsumer,
  Module,
  NestMiddleware,
  NestModule,
} from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
import { CassandraPostStore } from './cassandra/cassandra-post-store';
import { CassandraHintLog } from './hints/cassandra-hint-log';
import { MongoHintLog } from './hints/mongo-hint-log';
import { MongoPostStore } from './mongo/mongo-post-store';
import { PhaseRoutedPostStore } from './phase-routed-post-store';
import { PostStore } from './post-store';
import { PostStoreRouter } from './post-store.router';

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
    const stores = [MongoPostStore, MongoHintLog, CassandraPostStore, CassandraHintLog];
    const port = {
      provide: PostStore,
      inject: [PostStoreRouter],
      useFactory: (router: PostStoreRouter): PostStore => new PhaseRoutedPostStore(router),
    };
    return {
      module: PostStoreModule,
      providers: [...stores, PostStoreRouter, PhasePinMiddleware, port],
      exports: [PostStore, PostStoreRouter, ...stores],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(PhasePinMiddleware).forRoutes('{*splat}');
  }
}
