/**
 * Masks the secrets a connection URL can carry, anywhere in a text (a log line, an error): the
 * password part of `scheme://user:password@`, and query options whose name says password,
 * secret or token (MongoDB's `tlsCertificateKeyFilePassword`, an `AWS_SESSION_TOKEN:` in
 * `authMechanismProperties`). The whole user part is masked: `mongodb://***@host/db`.
 */
export function redactUrls(text: string): string {
  return text
    .replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#@\s]*@/g, '$1***@')
    .replace(/([?&;][^=&#\s]*(?:password|secret|token)[^=&#\s]*=)[^&#\s]*/gi, '$1***')
    .replace(/(AWS_SESSION_TOKEN:)[^,&#\s]*/gi, '$1***');
}
