import { randomUUID } from 'node:crypto';

/** The header a request id arrives in and is answered with. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Longest id taken from a client: room for a UUID, a trace id or a proxy's own format. */
export const MAX_REQUEST_ID_LENGTH = 128;

// Token characters only: no spaces, quotes, control characters or anything a log viewer, a
// terminal or an HTML page would interpret. A proxy's id (UUID, hex, base64url) fits.
const SANE_REQUEST_ID = new RegExp(
  `^[A-Za-z0-9][A-Za-z0-9._~:@+=/-]{0,${MAX_REQUEST_ID_LENGTH - 1}}$`,
);

/**
 * The request id a request is known by: the incoming `X-Request-Id` when it is a sane token
 * (so a proxy's or a caller's id ties their logs to ours), else a new random UUID. A hostile or
 * malformed value is dropped, never echoed: it would otherwise reach the response headers, every
 * log line and the error page.
 */
export function requestIdFrom(header: unknown): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}
