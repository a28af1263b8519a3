import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Request } from 'express';
import { Account, Credential } from '../store/account-store';

/** Who a request acts for, and what showed it: a session cookie or a bearer token. */
export interface Viewer {
  account: Account;
  credential: Credential;
  via: 'session' | 'token';
}

declare module 'express-serve-static-core' {
  interface Request {
    /** set by AuthMiddleware on every request: undefined for anonymous visitors */
    viewer?: Viewer;
  }
}

/** `@CurrentViewer() viewer: Viewer | undefined` in a handler. */
export const CurrentViewer = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Viewer | undefined =>
    context.switchToHttp().getRequest<Request>().viewer,
);

/** The viewer of a route that requires one (the guard has checked it). */
export function signedIn(viewer: Viewer | undefined): Viewer {
  if (!viewer) throw new Error('route needs a signed-in viewer but has no such access rule');
  return viewer;
}

/** Who the audit trail says acted: `account:<username>`. */
export function actorOf(viewer: Viewer | undefined): string {
  return `account:${signedIn(viewer).account.username}`;
}

export function isAdmin(viewer: Viewer | undefined): boolean {
  return viewer?.account.role === 'admin';
}

/** What the page header shows of the viewer (never the hash, never the credential). */
export function viewerView(viewer: Viewer | undefined) {
  if (!viewer) return undefined;
  const { username, name } = viewer.account;
  return { username, name, admin: isAdmin(viewer) };
}
