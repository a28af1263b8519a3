/** What a redacted value is replaced with in a log line. */
export const REDACTED = '[redacted]';

// Secrets by name: credentials a request carries (cookies, bearer tokens, CSRF tokens), the
// passwords of forms and CLI commands, and bodies as a whole (a post's text is not a log's
// business). Paths are pino's (fast-redact): one `*` is one level of nesting.
const SECRET_KEYS = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'secret',
  '_csrf',
  'csrf',
  'cookie',
  'authorization',
  'body',
];

const HEADER_PATHS = [
  'headers.cookie',
  'headers.authorization',
  'headers["x-csrf-token"]',
  'headers["set-cookie"]',
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

/**
 * The paths pino censors in every log line, app and CLI alike: at the top level, one and two
 * levels down (`{ account: { password } }`, `{ req: { body: { password } } }`), and the headers
 * that carry credentials.
 */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  ...SECRET_KEYS.map((key) => `*.*.${key}`),
  ...HEADER_PATHS,
];
