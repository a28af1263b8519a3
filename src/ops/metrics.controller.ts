import { Controller, Get, Res } from '@nestjs/common';
import { Response } from 'express';
import { Access } from '../auth/access';
import { BlogMetrics } from '../metrics/blog-metrics';

/**
 * `GET /metrics`: every metric of this instance in Prometheus' text format (docs/metrics.md).
 * Read on OPS_PORT without a session, else by an admin or with `Authorization: Bearer
 * <METRICS_TOKEN>` (`@Access('metrics')`); anyone else gets the 401/403 of the operators' routes.
 */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: BlogMetrics) {}

  @Get()
  @Access('metrics')
  async scrape(@Res() res: Response): Promise<void> {
    const text = await this.metrics.text();
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Type', this.metrics.contentType);
    res.send(text);
  }
}
