import { ExecutionContext, HttpException, Injectable } from '@nestjs/common';
import {
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerOptions,
} from '@nestjs/throttler';
import { Response } from 'express';
import { AppConfig } from '../config/app-config';

/** The throttlers (one budget each per client address): every write, and comments. */
export const WRITES = 'writes';
export const COMMENTS = 'comments';

const MINUTE_MS = 60_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * RATE_LIMIT_WRITES and RATE_LIMIT_COMMENTS for ThrottlerModule, kept in its default storage:
 * this process's memory, so each app instance counts on its own. `blockDuration: 0` makes each a
 * sliding window: at most `limit` requests in any minute, and a refused one is not counted, so a
 * client that waits Retry-After is served again. The guards set their own headers.
 */
export function rateLimitOptions(config: AppConfig): ThrottlerModuleOptions {
  const perMinute = (name: string, limit: number): ThrottlerOptions => ({
    name,
    limit,
    ttl: MINUTE_MS,
    blockDuration: 0,
  });
  return {
    throttlers: [
      perMinute(WRITES, config.rateLimitWrites),
      perMinute(COMMENTS, config.rateLimitComments),
    ],
    setHeaders: false,
  };
}

/**
 * One of the throttlers, per client address (req.ip: the connection's peer, or what a proxy
 * named in TRUST_PROXY says), over every route it guards together. Past it: 429 with
 * Retry-After (seconds) and `{statusCode: 429, message}` (an error page for a browser), thrown
 * before the handler runs, so nothing is changed. A limit of 0 turns the guard off.
 */
@Injectable()
export abstract class AddressRateLimitGuard extends ThrottlerGuard {
  protected abstract readonly throttlerName: string;

  /** The refusal's message, for a wait of `seconds`. */
  protected abstract refusal(limit: number, seconds: number): string;

  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    this.throttlers = this.throttlers.filter(
      (throttler) => throttler.name === this.throttlerName && Number(throttler.limit) > 0,
    );
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(context.getType() !== 'http' || this.throttlers.length === 0);
  }

  /** One budget per address and throttler, shared by all the routes it guards. */
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string) {
    return `${name}:${tracker}`;
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(seconds));
    const message = this.refusal(detail.limit, seconds);
    throw new HttpException({ statusCode: 429, message }, 429);
  }
}

/** Global (APP_GUARD): RATE_LIMIT_WRITES on every POST, PUT, PATCH and DELETE route. */
@Injectable()
export class WriteRateLimitGuard extends AddressRateLimitGuard {
  protected readonly throttlerName = WRITES;

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (await super.shouldSkip(context)) return true;
    return SAFE_METHODS.has(context.switchToHttp().getRequest<{ method: string }>().method);
  }

  protected refusal(limit: number, seconds: number): string {
    return `Too many changes from your address (at most ${limit} a minute); try again in ${seconds} s. Nothing was saved.`;
  }
}
