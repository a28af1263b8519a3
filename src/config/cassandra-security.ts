import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import { unreadableReason } from './secret-files';

/** The Cassandra login and TLS settings as loadConfig reads them (paths, not contents). */
export interface CassandraSecuritySettings {
  cassandraUsername?: string;
  cassandraPassword?: string;
  cassandraTlsCa?: string;
  cassandraTlsCert?: string;
  cassandraTlsKey?: string;
}

type PemKind = 'ca' | 'cert' | 'key';

const WANTED: Record<PemKind, string> = {
  ca: 'a PEM file of CA certificates',
  cert: 'a PEM certificate file',
  key: 'an unencrypted PEM private key file',
};

function parses(kind: PemKind, pem: string): boolean {
  try {
    if (kind === 'key') createPrivateKey(pem);
    // X509Certificate reads the first certificate; a CA bundle must start with one too
    else new X509Certificate(pem);
    return pem.includes('-----BEGIN ');
  } catch {
    return false;
  }
}

/** What is wrong with one PEM file setting, in one clause; undefined when it is usable. */
export function pemFileProblem(variable: string, file: string, kind: PemKind): string | undefined {
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return `${variable} cannot be read (${file}: ${unreadableReason(error)})`;
  }
  return parses(kind, pem) ? undefined : `${variable} must be ${WANTED[kind]} (${file} is not)`;
}

/**
 * Every problem with the login and TLS settings taken together, one clause each: a password
 * without a user name (or the reverse), a client certificate without its key, client files
 * without a CA, unreadable or malformed files, a key that is not the certificate's.
 */
export function cassandraSecurityProblems(settings: CassandraSecuritySettings): string[] {
  const { cassandraUsername: user, cassandraPassword: password } = settings;
  const { cassandraTlsCa: ca, cassandraTlsCert: cert, cassandraTlsKey: key } = settings;
  const problems: string[] = [];
  if (password && !user) problems.push('CASSANDRA_PASSWORD is set without CASSANDRA_USERNAME');
  if (user && !password) {
    problems.push(
      'CASSANDRA_USERNAME is set without CASSANDRA_PASSWORD (or CASSANDRA_PASSWORD_FILE)',
    );
  }
  if (!cert !== !key) {
    problems.push('CASSANDRA_TLS_CERT and CASSANDRA_TLS_KEY go together: set both or neither');
  }
  if ((cert || key) && !ca) {
    problems.push(
      'CASSANDRA_TLS_CERT and CASSANDRA_TLS_KEY need CASSANDRA_TLS_CA (TLS is on only with a CA)',
    );
  }
  const files: Array<[string, string | undefined, PemKind]> = [
    ['CASSANDRA_TLS_CA', ca, 'ca'],
    ['CASSANDRA_TLS_CERT', cert, 'cert'],
    ['CASSANDRA_TLS_KEY', key, 'key'],
  ];
  const fileProblems = files
    .filter(([, file]) => file)
    .map(([variable, file, kind]) => pemFileProblem(variable, file!, kind))
    .filter((problem): problem is string => problem !== undefined);
  problems.push(...fileProblems);
  if (cert && key && fileProblems.length === 0) {
    const matches = new X509Certificate(fs.readFileSync(cert)).checkPrivateKey(
      createPrivateKey(fs.readFileSync(key)),
    );
    if (!matches) problems.push('CASSANDRA_TLS_KEY is not the private key of CASSANDRA_TLS_CERT');
  }
  return problems;
}
