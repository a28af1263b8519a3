import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ControlModule } from '../control/control.module';
import { PhaseModule } from '../phase/phase.module';
import { CassandraHealthIndicator } from './cassandra.health';
import { HealthController } from './health.controller';
import { MongoHealthIndicator } from './mongo.health';

/** Health checks for the stores the current phase uses, and whether this instance follows the phase. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' }), ControlModule, PhaseModule],
  controllers: [HealthController],
  providers: [MongoHealthIndicator, CassandraHealthIndicator],
})
export class HealthModule {}
