import { errors } from 'cassandra-driver';
import {
  connectFailureReason,
  isPermanentConnectFailure,
} from '../../../src/database/connect-errors';

function tlsError(code: string, reason: string): Error {
  return Object.assign(new Error(`80AC:error:0A00045C:SSL routines:${reason}:x.c:1601\n`), {
    code,
    reason,
  });
}

function noHost(inner: Record<string, Error>): errors.NoHostAvailableError {
  return new errors.NoHostAvailableError(inner);
}

describe('connection failures at start-up', () => {
  it('a refused Cassandra login is one line naming the host, and is not retried', () => {
    const error = noHost({
      '10.0.0.1:9042': new errors.AuthenticationError(
        'Provided username blog and/or password are incorrect',
      ),
    });
    // the driver's own message embeds the inner error's stack
    expect(error.message).toContain('\n');
    expect(connectFailureReason(error)).toBe(
      '10.0.0.1:9042: login refused: Provided username blog and/or password are incorrect',
    );
    expect(isPermanentConnectFailure(error)).toBe(true);
  });

  it('a failed TLS handshake says so with the reason, and is not retried', () => {
    const untrusted = Object.assign(new Error('self-signed certificate in certificate chain'), {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    const error = noHost({
      'a:9042': untrusted,
      'b:9042': tlsError(
        'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
        'tlsv13 alert certificate required',
      ),
    });
    expect(connectFailureReason(error)).toBe(
      'a:9042: TLS handshake failed: self-signed certificate in certificate chain; b:9042: TLS handshake failed: tlsv13 alert certificate required',
    );
    expect(isPermanentConnectFailure(error)).toBe(true);
  });

  it('a network error is kept short and retried', () => {
    const reset = Object.assign(new Error('read ECONNRESET\n    at TCP.onStreamRead'), {
      code: 'ECONNRESET',
    });
    const error = noHost({ 'a:9042': reset, 'b:9042': reset, 'c:9042': reset, 'd:9042': reset });
    expect(connectFailureReason(error)).toBe(
      'a:9042: read ECONNRESET; b:9042: read ECONNRESET; c:9042: read ECONNRESET (and 1 more hosts)',
    );
    expect(isPermanentConnectFailure(error)).toBe(false);
  });

  it('MongoDB: a refused login is permanent; any URL password is masked', () => {
    const auth = Object.assign(new Error('Authentication failed.'), { code: 18 });
    expect(isPermanentConnectFailure(auth)).toBe(true);
    const parse = new Error('cannot reach mongodb://blog:hunter2@db:27017/blog');
    expect(connectFailureReason(parse)).toBe('cannot reach mongodb://***@db:27017/blog');
    expect(isPermanentConnectFailure(parse)).toBe(false);
  });
});
