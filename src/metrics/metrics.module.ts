import { Global, Module } from '@nestjs/common';
import { BlogMetrics } from './blog-metrics';

/**
 * The process's metrics. Global like config, because every layer counts something (requests,
 * store operations, copies, migration jobs) and there is exactly one registry per application.
 */
@Global()
@Module({ providers: [BlogMetrics], exports: [BlogMetrics] })
export class MetricsModule {}
