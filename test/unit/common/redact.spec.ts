import { redactUrls } from '../../../src/common/redact';

describe('redactUrls', () => {
  it('masks the user part of a URL, wherever it is in the text', () => {
    expect(redactUrls('using mongodb://blog:s3cret@db.example.net:27017/blog now')).toBe(
      'using mongodb://***@db.example.net:27017/blog now',
    );
    expect(redactUrls('mongodb+srv://u:p%40ss@cluster0.example.net/blog?tls=true')).toBe(
      'mongodb+srv://***@cluster0.example.net/blog?tls=true',
    );
    expect(redactUrls('a: http://x:y@h/ b: mongodb://q:w@k/d')).toBe(
      'a: http://***@h/ b: mongodb://***@k/d',
    );
  });

  it('masks query options that carry a password, secret or token', () => {
    const url =
      'mongodb://h/db?tls=true&tlsCertificateKeyFilePassword=hunter2&authMechanismProperties=AWS_SESSION_TOKEN:abc123,X:1';
    const shown = redactUrls(url);
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('abc123');
    expect(shown).toBe(
      'mongodb://h/db?tls=true&tlsCertificateKeyFilePassword=***&authMechanismProperties=AWS_SESSION_TOKEN:***,X:1',
    );
  });

  it('leaves URLs without credentials and plain text alone', () => {
    for (const text of ['mongodb://127.0.0.1:27017/blog?tls=true', 'user@host is fine', '']) {
      expect(redactUrls(text)).toBe(text);
    }
  });
});
