import * as fs from 'node:fs';

/**
 * Variables that hold a secret. Each may instead be given as `<NAME>_FILE`, the path of a file
 * holding the value (the Docker and Kubernetes secrets convention), so the secret never sits in
 * the process environment or in a compose file. Adding a name here is all a new secret needs.
 */
export const SECRET_VARIABLES: readonly string[] = [
  'MONGO_URL',
  'CASSANDRA_PASSWORD',
  'SESSION_SECRET',
  'BACKUP_KEY',
  'METRICS_TOKEN',
];

/** A secret file larger than this is surely the wrong file (and is not read whole). */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  ETOOBIG: `larger than ${MAX_SECRET_FILE_BYTES / 1024} KiB`,
};

/** Why a file cannot be read, in a few words (never its content). */
export function unreadableReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code ?? '';
  return REASONS[code] ?? (code || 'unreadable');
}

function isSet(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

/** Reads at most MAX_SECRET_FILE_BYTES + 1 bytes, so a device or a huge file is refused. */
function readSecretFile(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    if (fs.fstatSync(fd).isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
    const buffer = Buffer.alloc(MAX_SECRET_FILE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > MAX_SECRET_FILE_BYTES) {
      throw Object.assign(new Error(), { code: 'ETOOBIG' });
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The environment with each `<NAME>_FILE` of SECRET_VARIABLES replaced by the file's content
 * as `<NAME>` (trailing line breaks removed). Problems (both forms set, a file that cannot be
 * read or is empty) are appended to `problems` as one clause each, naming the variable and the
 * path, never the content.
 */
export function withSecretFiles(env: NodeJS.ProcessEnv, problems: string[]): NodeJS.ProcessEnv {
  const resolved: NodeJS.ProcessEnv = { ...env };
  for (const name of SECRET_VARIABLES) {
    const fileVariable = `${name}_FILE`;
    const file = env[fileVariable];
    if (!isSet(file)) continue;
    if (isSet(env[name])) {
      problems.push(`${name} and ${fileVariable} are both set: set only one`);
      continue;
    }
    const path = file.trim();
    try {
      const value = readSecretFile(path).replace(/[\r\n]+$/, '');
      if (value.trim() === '') problems.push(`${fileVariable} names an empty file (${path})`);
      else resolved[name] = value;
    } catch (error) {
      problems.push(`${fileVariable} cannot be read (${path}: ${unreadableReason(error)})`);
    }
  }
  return resolved;
}
