import { Injectable, Logger } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config';

/** The form field and the header (for scripts) that carry the token. */
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** HMAC-SHA256 of what the token is bound to, base64url: nobody without the key can make one. */
export function csrfToken(key: Buffer, binding: string): string {
  return createHmac('sha256', key).update(binding).digest('base64url');
}

/** Constant-time comparison of a sent token with the expected one; anything not a string fails. */
export function tokensMatch(sent: unknown, expected: string | undefined): boolean {
  if (typeof sent !== 'string' || !expected) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * CSRF tokens bound to a session (its credential id) or, before sign-in, to the visitor cookie:
 * a token taken from one browser is worthless in another, and a signed-out session's forms stop
 * working. Keyed with SESSION_SECRET, so every instance of the app accepts every other's tokens.
 */
@Injectable()
export class CsrfTokens {
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    if (config.sessionSecret) {
      this.key = Buffer.from(config.sessionSecret, 'utf8');
    } else {
      // only outside production (the config requires it there): tokens then last one process
      this.key = randomBytes(32);
      new Logger('CsrfTokens').warn(
        'SESSION_SECRET is not set: forms are signed with a key of this process only',
      );
    }
  }

  forSession(credentialId: string): string {
    return csrfToken(this.key, `session:${credentialId}`);
  }

  forVisitor(visitor: string): string {
    return csrfToken(this.key, `visitor:${visitor}`);
  }
}
