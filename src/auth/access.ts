import { SetMetadata } from '@nestjs/common';

/**
 * Who may call a route: anyone (`public`), any signed-in account (`signed-in`; finer rules such
 * as "the post's owner" are the feature's), admins only (`admin`), operators (`operator`:
 * admins, or anyone on the internal OPS_PORT listener, see src/ops/), or operators and the
 * Prometheus server (`metrics`: also a request with `Authorization: Bearer <METRICS_TOKEN>`).
 * Every route states one, on its handler or its controller; AccessGuard refuses a route that
 * does not.
 */
export type AccessRule = 'public' | 'signed-in' | 'admin' | 'operator' | 'metrics';

export const ACCESS_RULE = 'access-rule';

export const Access = (rule: AccessRule) => SetMetadata(ACCESS_RULE, rule);
