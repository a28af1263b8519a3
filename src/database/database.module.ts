import { DynamicModule, Global, Module } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import { Connection } from 'mongoose';
import { AppConfig } from '../config/app-config';
import { StoresUsed } from '../config/migration-phase';
import { CassandraClient } from './cassandra/cassandra-client';
import { StoreConnections, mongoConnectionProvider } from './store-connections';

/**
 * Both database connections, opened by StoreConnections: `required` at boot (boot fails if one
 * is unreachable), the other only once a phase needs it. Providers inject CassandraClient and
 * `@InjectConnection()` as before; a query on a store that was never opened fails at once.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig, required: StoresUsed = config.stores): DynamicModule {
    const connections = {
      provide: StoreConnections,
      inject: [AppConfig, CassandraClient, getConnectionToken()],
      useFactory: (appConfig: AppConfig, cassandra: CassandraClient, mongo: Connection) =>
        new StoreConnections(appConfig, cassandra, mongo, required),
    };
    const providers = [CassandraClient, mongoConnectionProvider, connections];
    return {
      module: DatabaseModule,
      providers,
      exports: [CassandraClient, getConnectionToken(), StoreConnections],
    };
  }
}
