import { Controller, Get, Header } from '@nestjs/common';
import { Access } from '../auth/access';
import { AuthorStatsReport, AuthorStatsService } from './author-stats.service';
import { publicStats } from './public-stats';
import { StatsReport, StatsService } from './stats.service';

/** Operators' JSON: sync status per store, and posts per author. */
@Access('public')
@Controller('api')
export class StatsController {
  constructor(
    private readonly stats: StatsService,
    private readonly authorStats: AuthorStatsService,
  ) {}

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

  /**
   * `{ as_of, authors: [{ author, posts }], top, truncated }`: the AUTHOR_STATS_TOP authors with
   * the most posts, counted in the background (see `as_of`); 503 until the first count is done.
   */
  @Get('author-stats')
  authors(): Promise<AuthorStatsReport> {
    return this.authorStats.report();
  }
}
