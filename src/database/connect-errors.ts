import { errors as cassandraErrors } from 'cassandra-driver';
import { redactUrls } from '../common/redact';

/** Node's TLS verification failures (the server's certificate or the handshake itself). */
const TLS_CODES =
  /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|EPROTO)/;

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function isTlsFailure(error: unknown): boolean {
  return TLS_CODES.test(codeOf(error));
}

/** The per-host causes of a Cassandra connection failure (one entry for other errors). */
function causes(error: unknown): Array<[string | undefined, unknown]> {
  if (error instanceof cassandraErrors.NoHostAvailableError) {
    const inner = Object.entries((error.innerErrors ?? {}) as Record<string, unknown>);
    if (inner.length > 0) return inner;
  }
  return [[undefined, error]];
}

function describe(cause: unknown): string {
  const message = firstLine(cause instanceof Error ? cause.message : String(cause));
  if (cause instanceof cassandraErrors.AuthenticationError) return `login refused: ${message}`;
  if (isTlsFailure(cause)) {
    const reason = (cause as { reason?: unknown }).reason;
    return `TLS handshake failed: ${typeof reason === 'string' ? reason : message}`;
  }
  return message;
}

/**
 * Why a store could not be connected, as one line without stack traces or passwords: per
 * Cassandra host, a refused login, a failed TLS handshake (untrusted or misnamed certificate,
 * client certificate missing) or the network error.
 */
export function connectFailureReason(error: unknown): string {
  const all = causes(error);
  const shown = all
    .slice(0, 3)
    .map(([host, cause]) => (host ? `${host}: ${describe(cause)}` : describe(cause)));
  const more = all.length > 3 ? ` (and ${all.length - 3} more hosts)` : '';
  return redactUrls(`${shown.join('; ')}${more}`);
}

/**
 * A failure that trying again cannot fix: the credentials or certificates are wrong. Boot
 * stops at once instead of retrying.
 */
export function isPermanentConnectFailure(error: unknown): boolean {
  // MongoDB's AuthenticationFailed
  if ((error as { code?: unknown } | null)?.code === 18) return true;
  return causes(error).some(
    ([, cause]) => cause instanceof cassandraErrors.AuthenticationError || isTlsFailure(cause),
  );
}
