import { Controller, Get } from '@nestjs/common';
import { Access } from '../auth/access';
import { AuthorCount } from '../store/post-store';
import { StatsReport, StatsService } from './stats.service';

/** Operators' JSON: sync status per store, and posts per author. */
@Access('public')
@Controller('api')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  /** Phase, per-store totals (counted in the background, see `as_of`), in_sync, pending hints. */
  @Get('stats')
  report(): Promise<StatsReport> {
    return this.stats.report();
  }

  /** `[{ author, posts }]`, most posts first, then by name, from the source of truth. */
  @Get('author-stats')
  authors(): Promise<AuthorCount[]> {
    return this.stats.authorStats();
  }
}
