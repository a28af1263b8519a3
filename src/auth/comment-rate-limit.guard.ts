import { CanActivate, ExecutionContext, HttpException, Injectable } from '@nestjs/common';
import { Request, Response } from 'express';
import { CommentRateLimit } from './limits';
import { retryAfterSeconds } from './sliding-window';

export const TOO_MANY_COMMENTS_MESSAGE =
  'Too many comments from your address; wait a little and try again. Nothing was saved.';

/** On the comment route: RATE_LIMIT_COMMENTS per minute per address, then 429 + Retry-After. */
@Injectable()
export class CommentRateLimitGuard implements CanActivate {
  constructor(private readonly limit: CommentRateLimit) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const wait = this.limit.take(req.ip ?? 'unknown');
    if (wait === 0) return true;
    context
      .switchToHttp()
      .getResponse<Response>()
      .setHeader('Retry-After', String(retryAfterSeconds(wait)));
    throw new HttpException({ statusCode: 429, message: TOO_MANY_COMMENTS_MESSAGE }, 429);
  }
}
