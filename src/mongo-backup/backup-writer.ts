import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { link, rename, rm, stat, unlink } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { mongo } from 'mongoose';
import {
  BACKED_UP_COLLECTIONS,
  BackedUpCollection,
  BackupFileError,
  BackupManifest,
  Tally,
  documentLine,
  headerLine,
  manifestLine,
} from './backup-format';
import { keyIdOf, newSigner, signatureLine } from './backup-signature';

/** The documents of one collection, as the driver returns them (BSON types kept). */
export type DocumentSource = (collection: BackedUpCollection) => AsyncIterable<mongo.Document>;

export interface WrittenBackup {
  path: string;
  manifest: BackupManifest;
  /** size of the gzip'd file */
  bytes: number;
  /** the id of the key it was signed with; undefined: unsigned */
  keyId?: string;
}

export interface BackupWriteOptions {
  /** BACKUP_KEY; '' or undefined writes an unsigned file */
  key?: string;
  createdAt?: Date;
}

/** Backup files hold every account's password hash: only their owner may read them. */
export const BACKUP_FILE_MODE = 0o600;

const errorCode = (error: unknown) => (error as { code?: string } | null)?.code;
const messageOf = (error: unknown) =>
  (error as { message?: string } | null)?.message ?? String(error);

/**
 * Streams a backup (header, every document of every collection, manifest, and with a key the
 * signature) through gzip into `out`. The documents are pulled one at a time as gzip and `out`
 * take them, so memory does not grow with the number of documents.
 */
export async function writeBackupStream(
  out: Writable,
  database: string,
  documents: DocumentSource,
  { key, createdAt = new Date() }: BackupWriteOptions = {},
): Promise<BackupManifest> {
  const sha256 = createHash('sha256');
  const signer = key ? newSigner(key) : undefined;
  const tally = new Tally();
  const signed = (text: string): Buffer => {
    const bytes = Buffer.from(`${text}\n`, 'utf8');
    signer?.update(bytes);
    return bytes;
  };
  const hashed = (text: string): Buffer => {
    const bytes = signed(text);
    sha256.update(bytes);
    return bytes;
  };
  let manifest: BackupManifest | undefined;
  async function* lines(): AsyncGenerator<Buffer> {
    yield hashed(headerLine(database, createdAt, signer !== undefined));
    for (const collection of BACKED_UP_COLLECTIONS) {
      for await (const doc of documents(collection)) {
        const ejson = mongo.BSON.EJSON.serialize(doc, { relaxed: false });
        tally.add(collection, ejson);
        yield hashed(documentLine(collection, ejson));
      }
    }
    manifest = { ...tally.totals(), sha256: sha256.digest('hex') };
    yield signed(manifestLine(manifest));
    if (signer && key) yield Buffer.from(`${signatureLine(signer, key)}\n`, 'utf8');
  }
  await pipeline(Readable.from(lines()), createGzip(), out);
  if (!manifest) throw new Error('backup stream ended before its manifest');
  return manifest;
}

/**
 * Writes the backup to `path.partial` (created 0600: never readable by others, not even for a
 * moment), flushes it to disk, then moves it to `path` without ever replacing an existing file:
 * a crash leaves at most a `.partial` file, never one that looks complete. On failure the
 * partial file is removed.
 */
export async function writeBackupFile(
  path: string,
  database: string,
  documents: DocumentSource,
  options: BackupWriteOptions = {},
): Promise<WrittenBackup> {
  const partial = `${path}.partial`;
  // flush: fsync before close, so the name is only given to bytes that are on disk
  const out = createWriteStream(partial, { flags: 'wx', mode: BACKUP_FILE_MODE, flush: true });
  try {
    await once(out, 'open');
  } catch (error) {
    throw new BackupFileError(
      errorCode(error) === 'EEXIST'
        ? `${partial} exists: another backup is writing it, or one was interrupted (delete it and run again)`
        : `cannot create ${partial}: ${messageOf(error)}`,
    );
  }
  let manifest: BackupManifest;
  try {
    manifest = await writeBackupStream(out, database, documents, options);
  } catch (error) {
    out.destroy();
    await rm(partial, { force: true });
    throw error;
  }
  await publish(partial, path);
  return {
    path,
    manifest,
    bytes: (await stat(path)).size,
    keyId: options.key ? keyIdOf(options.key) : undefined,
  };
}

/** Gives the finished file its name; a hard link fails rather than replace a file made meanwhile. */
async function publish(partial: string, path: string): Promise<void> {
  try {
    await link(partial, path);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') {
      throw new BackupFileError(
        `${path} was created while the backup ran; the backup is left in ${partial}`,
      );
    }
    // a file system without hard links: a rename is atomic too (the name was free just before)
    await rename(partial, path);
    return;
  }
  await unlink(partial);
}
