import { Controller, Get, Header } from '@nestjs/common';
import { Access } from '../auth/access';
import { AuthorCount } from '../store/post-store';
import { publicStats } from './public-stats';
import { StatsReport, StatsService } from './stats.service';

/** Operators' JSON: sync status per store, and posts per author. */
@Access('public')
@Controller('api')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  /**
   * Phase, per-store totals (counted in the background, see `as_of`), in_sync, pending hints; a
   * failed count says only `count failed`.
   */
  @Get('stats')
  async report(): Promise<StatsReport> {
    return publicStats(await this.stats.report());
  }

  /** The same report with each failed count's reason, for operators (admins, or OPS_PORT). */
  @Get('stats/details')
  @Access('operator')
  @Header('Cache-Control', 'no-store')
  reportDetails(): Promise<StatsReport> {
    return this.stats.report();
  }

  /** `[{ author, posts }]`, most posts first, then by name, from the source of truth. */
  @Get('author-stats')
  authors(): Promise<AuthorCount[]> {
    return this.stats.authorStats();
  }
}
