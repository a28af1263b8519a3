import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { StoresUsed } from '../config/migration-phase';
import { CassandraPostStore } from './cassandra/cassandra-post-store';
import { CurrentPhase } from './current-phase';
import { CassandraHintLog } from './hints/cassandra-hint-log';
import { MongoHintLog } from './hints/mongo-hint-log';
import { MongoPostStore } from './mongo/mongo-post-store';
import { PhaseRoutedPostStore } from './phase-routed-post-store';
import { PostStore } from './post-store';
import { PostStoreRouter } from './post-store.router';

/**
 * Provides PostStore (routed by phase, see PostStoreRouter) and the plain stores of the
 * connected databases for the migration module. Needs DatabaseModule.
 */
@Global()
@Module({})
export class PostStoreModule {
  static forRoot(config: AppConfig, connected: StoresUsed = config.stores): DynamicModule {
    const stores: Provider[] = [
      ...(connected.mongo ? [MongoPostStore, MongoHintLog] : []),
      ...(connected.cassandra ? [CassandraPostStore, CassandraHintLog] : []),
    ];
    const port: Provider = {
      provide: PostStore,
      inject: [PostStoreRouter],
      useFactory: (router: PostStoreRouter): PostStore => {
        router.current(); // a phase whose stores are not connected fails at boot, not later
        return new PhaseRoutedPostStore(router);
      },
    };
    return {
      module: PostStoreModule,
      providers: [...stores, CurrentPhase, PostStoreRouter, port],
      exports: [PostStore, PostStoreRouter, CurrentPhase, ...stores],
    };
  }
}
