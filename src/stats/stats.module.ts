import { Module } from '@nestjs/common';
import { ControlModule } from '../control/control.module';
import { MigrationModule } from '../migration/migration.module';
import { StoreModule } from '../store/store.module';
import { AuthorStatsService } from './author-stats.service';
import { StatsController } from './stats.controller';
import { StatsService } from './stats.service';

/** `/api/stats` and `/api/author-stats`. */
@Module({
  imports: [ControlModule, StoreModule, MigrationModule],
  controllers: [StatsController],
  providers: [StatsService, AuthorStatsService],
  exports: [StatsService],
})
export class StatsModule {}
