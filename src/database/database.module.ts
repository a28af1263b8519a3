import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AppConfig } from '../config/app-config';
import { StoresUsed } from '../config/migration-phase';
import { CassandraClient } from './cassandra/cassandra-client';

/** Mongoose options shared by the app and the CLI. */
export const MONGOOSE_OPTIONS = {
  // Indexes and collections belong to migrations/mongo, never to schema classes at boot.
  autoIndex: false,
  autoCreate: false,
  // Fail fast instead of queueing queries while disconnected; the driver still reconnects.
  bufferCommands: false,
  serverSelectionTimeoutMS: 5000,
  // Initial connection: a few quick retries rather than @nestjs/mongoose's default 9 x 3 s.
  retryAttempts: 3,
  retryDelay: 1000,
} as const;

/**
 * Connects to the stores the migration phase uses, and only those: in phase `mongo` there is no
 * CassandraClient provider at all, in phase `cassandra` no Mongoose connection. The migration
 * commands pass `stores` to connect both, whatever the phase.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig, stores: StoresUsed = config.stores): DynamicModule {
    const { mongo, cassandra } = stores;
    const providers: Provider[] = cassandra ? [CassandraClient] : [];
    const imports = mongo ? [MongooseModule.forRoot(config.mongoUrl, MONGOOSE_OPTIONS)] : [];
    return {
      module: DatabaseModule,
      imports,
      providers,
      exports: [...providers, ...imports],
    };
  }
}
