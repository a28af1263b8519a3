import { Response } from 'express';

/**
 * The only messages a flash can carry. The cookie holds one of these keys, never user text, so
 * it can neither inject markup nor leak what someone wrote.
 */
export const FLASH_MESSAGES = {
  created: 'Your post was published.',
  updated: 'Your changes were saved.',
  deleted: 'The post and its comments were deleted.',
  commented: 'Your comment was added.',
  commentDeleted: 'The comment was deleted.',
  signedIn: 'You are signed in.',
  signedOut: 'You are signed out.',
  nameChanged: 'Your display name was changed.',
  passwordChanged: 'Your password was changed; your other sessions were ended.',
  accountCreated: 'The account was created.',
  accountChanged: 'The account was changed.',
  phaseChanged: 'The phase was changed; every app instance follows it within a poll.',
} as const;

export type FlashKey = keyof typeof FLASH_MESSAGES;

export interface Flash {
  key: FlashKey;
  text: string;
}

export const FLASH_COOKIE = 'flash';

// Long enough to survive the redirect, short enough not to pop up on some later visit.
const FLASH_MAX_AGE_MS = 60_000;

/** Leaves a message for the next page (the one a 303 redirect leads to). */
export function setFlash(res: Response, key: FlashKey): void {
  res.cookie(FLASH_COOKIE, key, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    maxAge: FLASH_MAX_AGE_MS,
  });
}

/** The raw flash cookie from a Cookie header, or undefined (no cookie-parser needed for one). */
export function flashCookie(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === FLASH_COOKIE) return rest.join('=');
  }
  return undefined;
}

/** The message for a cookie value; anything outside the fixed list is ignored. */
export function flashFor(value: string | undefined): Flash | undefined {
  if (value === undefined || !Object.hasOwn(FLASH_MESSAGES, value)) return undefined;
  const key = value as FlashKey;
  return { key, text: FLASH_MESSAGES[key] };
}

export function clearFlash(res: Response): void {
  res.clearCookie(FLASH_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/' });
}
