import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CassandraHealthIndicator } from './cassandra.health';
import { HealthController } from './health.controller';
import { MongoHealthIndicator } from './mongo.health';

/** Health checks for the stores the current phase uses. Needs DatabaseModule and PhaseModule. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' })],
  controllers: [HealthController],
  providers: [MongoHealthIndicator, CassandraHealthIndicator],
})
export class HealthModule {}
