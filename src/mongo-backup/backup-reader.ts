import { createHash } from 'node:crypto';
import { FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import {
  BACKED_UP_COLLECTIONS,
  BACKUP_FORMAT,
  BackedUpCollection,
  BackupFileError,
  BackupHeader,
  BackupManifest,
  CollectionTotals,
  READABLE_VERSIONS,
  Tally,
  isBackedUpCollection,
  totalsDifferences,
} from './backup-format';
import {
  SignatureCheck,
  SignatureLine,
  checkSignature,
  isSignatureLine,
  newSigner,
} from './backup-signature';
import { ContentHash } from './content-hash';
import { idOf, shapeProblem } from './document-shapes';
import { LineSplitter, LineTooLongError } from './line-splitter';

/**
 * Called for every document line, in file order, with the line's size; reading waits for the
 * promise it returns.
 */
export type DocumentVisitor = (
  collection: BackedUpCollection,
  ejson: Record<string, unknown>,
  bytes: number,
) => Promise<void>;

export interface VerifiedBackup {
  header: BackupHeader;
  manifest: BackupManifest;
  /** whether it was signed with BACKUP_KEY (whether to trust it is the caller's rule) */
  signature: SignatureCheck;
}

export interface ReadOptions {
  /** BACKUP_KEY ('' when unset): the signature is checked with it */
  key?: string;
  /** sees each document line (see DocumentVisitor) */
  visit?: DocumentVisitor;
  /** receives every byte of the file as read (the private copy a restore inserts from) */
  copyTo?: FileHandle;
}

// zlib's and fs's errors come from another realm under jest: no `instanceof Error` there
const messageOf = (error: unknown) =>
  (error as { message?: string } | null)?.message ?? String(error);
const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Opens a backup file for reading, or a BackupFileError saying why it cannot be. */
export async function openBackup(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new BackupFileError(
      code === 'ENOENT'
        ? `backup file ${path} does not exist`
        : `cannot read backup file ${path}: ${messageOf(error)}`,
    );
  }
}

/**
 * Reads a backup from start to end, streaming, through one open file, and proves it whole: a
 * header, then document lines each of its declared shape, then a manifest whose sha256 equals
 * that of every byte before it and whose counts and content hashes equal those of the lines read,
 * then the signature the header announces. Anything else is a BackupFileError naming the file
 * and what is wrong with it. `visit` sees each document before the end is checked, so callers
 * that act on documents first prove a copy nobody else can change (see PrivateBackupCopy).
 */
export async function readBackup(path: string, options: ReadOptions = {}): Promise<VerifiedBackup> {
  const file = await openBackup(path);
  try {
    return await readBackupStream(file.createReadStream({ autoClose: false }), path, options);
  } finally {
    await file.close();
  }
}

/** readBackup on the bytes of `input` (gzip'd); `path` names the file in messages. */
export async function readBackupStream(
  input: Readable,
  path: string,
  { key = '', visit, copyTo }: ReadOptions = {},
): Promise<VerifiedBackup> {
  const parser = new BackupParser(path, key, visit);
  const splitter = new LineSplitter();
  // the consumer's own error: once it throws, pipeline may report the streams' abort instead
  let stopped: unknown;
  const copy = async function* (chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of chunks) {
      if (copyTo) await writeAll(copyTo, chunk);
      yield chunk;
    }
  };
  try {
    await pipeline(input, copy, createGunzip(), async (chunks: AsyncIterable<Buffer>) => {
      try {
        for await (const chunk of chunks) {
          for (const line of splitter.push(chunk)) await parser.line(line);
        }
        const last = splitter.end();
        if (last) await parser.line(last);
      } catch (error) {
        stopped = error;
        throw error;
      }
    });
  } catch (error) {
    throw readFailure(path, stopped ?? error);
  }
  return parser.finish();
}

async function writeAll(file: FileHandle, chunk: Buffer): Promise<void> {
  let written = 0;
  while (written < chunk.length) {
    written += (await file.write(chunk, written, chunk.length - written)).bytesWritten;
  }
}

function readFailure(path: string, error: unknown): unknown {
  if (error instanceof LineTooLongError) {
    return new BackupFileError(`backup file ${path} is corrupt (${error.message})`);
  }
  const code = (error as { code?: string } | null)?.code ?? '';
  if (/^Z_/.test(code)) {
    return new BackupFileError(
      `backup file ${path} is truncated or not a gzip file (${messageOf(error)})`,
    );
  }
  if (/^E[A-Z]+$/.test(code) && (error as { syscall?: string }).syscall === 'read') {
    return new BackupFileError(`cannot read backup file ${path}: ${messageOf(error)}`);
  }
  return error;
}

/**
 * Checks one line at a time; keeps the running checksum, HMAC and tally, never the documents.
 */
class BackupParser {
  private readonly sha256 = createHash('sha256');
  private readonly signer;
  private readonly tally = new Tally();
  private header?: BackupHeader;
  private manifest?: BackupManifest;
  private signature?: SignatureLine;
  private lineNumber = 0;

  constructor(
    private readonly path: string,
    private readonly key: string,
    private readonly visit?: DocumentVisitor,
  ) {
    this.signer = key ? newSigner(key) : undefined;
  }

  private fail(problem: string): never {
    throw new BackupFileError(`backup file ${this.path} ${problem}`);
  }

  async line(bytes: Buffer): Promise<void> {
    this.lineNumber++;
    if (this.signature || (this.manifest && !this.header?.signed)) {
      this.fail(`has data after its manifest (line ${this.lineNumber})`);
    }
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      this.fail(`is corrupt or was changed: line ${this.lineNumber} is not JSON`);
    }
    if (!isObject(value)) this.fail(`is corrupt: line ${this.lineNumber} is not a JSON object`);
    if (this.manifest) {
      if (!isSignatureLine(value.signature)) {
        this.fail(`is corrupt: line ${this.lineNumber} after its manifest is not a signature`);
      }
      this.signature = value.signature;
      return;
    }
    this.signer?.update(bytes).update('\n');
    if (!this.header) {
      this.header = this.checkHeader(value);
    } else if ('manifest' in value) {
      this.manifest = this.checkManifest(value.manifest);
      return;
    } else {
      const { c, d } = value;
      if (!isBackedUpCollection(c) || !isObject(d)) {
        this.fail(`is corrupt: line ${this.lineNumber} is not a document line`);
      }
      const problem = shapeProblem(c, d);
      if (problem) {
        const id = idOf(d);
        this.fail(
          `has a ${c} document of the wrong shape on line ${this.lineNumber}${id ? ` (_id ${id})` : ''}: ${problem}`,
        );
      }
      this.tally.add(c, d);
      await this.visit?.(c, d, bytes.length);
    }
    this.sha256.update(bytes).update('\n');
  }

  private checkHeader(value: Record<string, unknown>): BackupHeader {
    if (value.format !== BACKUP_FORMAT) this.fail('is not a blog MongoDB backup (no header)');
    if (typeof value.version !== 'number' || !READABLE_VERSIONS.includes(value.version)) {
      this.fail(
        `has format version ${String(value.version)}; this tool reads ${READABLE_VERSIONS.join(' and ')}`,
      );
    }
    const signed = value.version === 1 ? false : value.signed;
    if (typeof value.database !== 'string' || typeof signed !== 'boolean') {
      this.fail('is corrupt: its header (line 1) is incomplete');
    }
    return { ...(value as unknown as BackupHeader), signed };
  }

  private checkManifest(value: unknown): BackupManifest {
    const manifest = value as Partial<BackupManifest> | null;
    if (
      !isObject(manifest) ||
      typeof manifest.sha256 !== 'string' ||
      !isObject(manifest.counts) ||
      !isObject(manifest.content_hashes)
    ) {
      this.fail(`is corrupt: its manifest (line ${this.lineNumber}) is incomplete`);
    }
    return manifest as BackupManifest;
  }

  finish(): VerifiedBackup {
    if (!this.header) this.fail('is empty');
    if (!this.manifest) {
      this.fail(
        `is truncated: no manifest after ${this.lineNumber} lines (an interrupted backup or a cut file)`,
      );
    }
    if (this.header.signed && !this.signature) {
      this.fail('is truncated: its header announces a signature, but none follows its manifest');
    }
    const sha256 = this.sha256.digest('hex');
    if (sha256 !== this.manifest.sha256) {
      this.fail('fails its checksum: its content was changed after it was written');
    }
    // a backup taken before a collection was added to the blog (a new kind's deletions) has
    // none of it: empty, not missing
    const { collections } = this.header;
    const listed = new Set<string>(
      Array.isArray(collections) ? collections : BACKED_UP_COLLECTIONS,
    );
    const empty = new ContentHash();
    const expected: CollectionTotals = {
      counts: pick(this.manifest.counts, listed, empty.count),
      content_hashes: pick(this.manifest.content_hashes, listed, empty.hex()),
    };
    const differences = totalsDifferences(
      { name: 'lines', totals: this.tally.totals() },
      { name: 'manifest', totals: expected },
    );
    if (differences.length > 0) {
      this.fail(`does not match its manifest: ${differences.join(', ')}`);
    }
    const computed = this.signer?.digest();
    const signature = checkSignature(this.signature, computed, this.key);
    return { header: this.header, manifest: { ...expected, sha256 }, signature };
  }
}

/** The manifest's value of every collection; `absent` for those the backup did not list. */
function pick<T>(
  record: Record<string, T>,
  listed: ReadonlySet<string>,
  absent: T,
): Record<BackedUpCollection, T> {
  return Object.fromEntries(
    BACKED_UP_COLLECTIONS.map((c) => [c, listed.has(c) ? record[c] : absent]),
  ) as Record<BackedUpCollection, T>;
}
