const BASE = 'http://this.invalid';

/**
 * Where to go after signing in: a path on this site only. Anything that a browser could read as
 * another site (`//evil`, `/\evil`, `https://evil`, control characters) is refused with undefined,
 * so `/login?next=` is never an open redirect.
 */
export function safeNextPath(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2000) return undefined;
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\')) return undefined;
  // eslint-disable-next-line no-control-regex -- browsers drop tabs and newlines inside URLs
  if (/[\u0000-\u001F\u007F\s]/.test(raw)) return undefined;
  try {
    const url = new URL(raw, BASE);
    if (url.origin !== BASE) return undefined;
    if (url.pathname === '/login') return undefined;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return undefined;
  }
}
