import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MigrationPhase } from '../config/migration-phase';
import { MongoPostStore } from './mongo/mongo-post-store';
import { PostStore } from './post-store';

/** Thrown at start when a phase's store is not available in this build. */
export class UnsupportedPhaseError extends Error {
  constructor(phase: MigrationPhase) {
    super(
      `MIGRATION_PHASE=${phase}: the PostStore for this phase is not built yet (available: mongo)`,
    );
  }
}

/**
 * The one place that knows which store serves the current phase; every feature just injects
 * PostStore. Phase → store:
 *   mongo → MongoPostStore
 *   dual-write → DualWritePostStore(Mongo → Cassandra)          (coming with CassandraPostStore)
 *   cassandra-primary → DualWritePostStore(Cassandra → Mongo)   (coming)
 *   cassandra → CassandraPostStore                              (coming)
 */
@Global()
@Module({})
export class PostStoreModule {
  static forRoot(config: AppConfig): DynamicModule {
    const stores: Provider[] = config.stores.mongo ? [MongoPostStore] : [];
    const port: Provider = {
      provide: PostStore,
      inject: config.stores.mongo ? [MongoPostStore] : [],
      useFactory: (mongo?: MongoPostStore): PostStore => {
        if (config.migrationPhase === 'mongo' && mongo) return mongo;
        throw new UnsupportedPhaseError(config.migrationPhase);
      },
    };
    return {
      module: PostStoreModule,
      providers: [...stores, port],
      exports: [PostStore, ...stores],
    };
  }
}
