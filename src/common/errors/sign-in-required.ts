import { UnauthorizedException } from '@nestjs/common';

export const SIGN_IN_MESSAGE = 'Sign in to do this; nothing was changed.';

/**
 * The route needs a signed-in account and the request has none: JSON clients get 401
 * `{message}`, people a 303 to `/login?next=<next>` (the exception filter decides).
 */
export class SignInRequiredException extends UnauthorizedException {
  constructor(readonly next: string) {
    super({ statusCode: 401, message: SIGN_IN_MESSAGE });
  }
}
