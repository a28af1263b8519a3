import { DynamicModule, Module, Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config';
import { CassandraHealthIndicator } from './cassandra.health';
import { HealthController } from './health.controller';
import { MongoHealthIndicator } from './mongo.health';

/** Health checks for the stores the phase uses. Needs DatabaseModule. */
@Module({})
export class HealthModule {
  static forRoot(config: AppConfig): DynamicModule {
    const providers: Provider[] = [];
    if (config.stores.mongo) providers.push(MongoHealthIndicator);
    if (config.stores.cassandra) providers.push(CassandraHealthIndicator);
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' })],
      controllers: [HealthController],
      providers,
      exports: providers,
    };
  }
}
