import { Injectable } from '@nestjs/common';
import { AddressRateLimitGuard, COMMENTS } from './rate-limits';

export const TOO_MANY_COMMENTS_MESSAGE =
  'Too many comments from your address; wait a little and try again. Nothing was saved.';

/**
 * On the comment route: RATE_LIMIT_COMMENTS per minute per address, then 429 + Retry-After.
 * A comment is a write too, so it also counts toward RATE_LIMIT_WRITES (the global guard).
 */
@Injectable()
export class CommentRateLimitGuard extends AddressRateLimitGuard {
  protected readonly throttlerName = COMMENTS;

  protected refusal(): string {
    return TOO_MANY_COMMENTS_MESSAGE;
  }
}
