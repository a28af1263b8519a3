import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import {
  BACKED_UP_COLLECTIONS,
  BACKUP_FORMAT,
  BACKUP_VERSION,
  BackedUpCollection,
  BackupFileError,
  BackupHeader,
  BackupManifest,
  CollectionTotals,
  Tally,
  isBackedUpCollection,
  totalsDifferences,
} from './backup-format';
import { ContentHash } from './content-hash';
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
}

// zlib's and fs's errors come from another realm under jest: no `instanceof Error` there
const messageOf = (error: unknown) =>
  (error as { message?: string } | null)?.message ?? String(error);
const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Reads a backup from start to end, streaming, and proves it whole: a header, then document
 * lines, then a manifest whose sha256 equals that of every byte before it and whose counts and
 * content hashes equal those of the lines read. Anything else is a BackupFileError naming the
 * file and what is wrong with it. `visit` sees each document before the manifest is checked, so
 * callers that act on documents read the file once without `visit` first.
 */
export async function readBackup(path: string, visit?: DocumentVisitor): Promise<VerifiedBackup> {
  const input = createReadStream(path);
  try {
    await once(input, 'open');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new BackupFileError(
      code === 'ENOENT'
        ? `backup file ${path} does not exist`
        : `cannot read backup file ${path}: ${messageOf(error)}`,
    );
  }
  const parser = new BackupParser(path, visit);
  const splitter = new LineSplitter();
  // the consumer's own error: once it throws, pipeline may report the streams' abort instead
  let stopped: unknown;
  try {
    await pipeline(input, createGunzip(), async (chunks: AsyncIterable<Buffer>) => {
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

/** Checks one line at a time; keeps the running checksum and tally, never the documents. */
class BackupParser {
  private readonly sha256 = createHash('sha256');
  private readonly tally = new Tally();
  private header?: BackupHeader;
  private manifest?: BackupManifest;
  private lineNumber = 0;

  constructor(
    private readonly path: string,
    private readonly visit?: DocumentVisitor,
  ) {}

  private fail(problem: string): never {
    throw new BackupFileError(`backup file ${this.path} ${problem}`);
  }

  async line(bytes: Buffer): Promise<void> {
    this.lineNumber++;
    if (this.manifest) this.fail(`has data after its manifest (line ${this.lineNumber})`);
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      this.fail(`is corrupt or was changed: line ${this.lineNumber} is not JSON`);
    }
    if (!isObject(value)) this.fail(`is corrupt: line ${this.lineNumber} is not a JSON object`);
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
      this.tally.add(c, d);
      await this.visit?.(c, d, bytes.length);
    }
    this.sha256.update(bytes).update('\n');
  }

  private checkHeader(value: Record<string, unknown>): BackupHeader {
    if (value.format !== BACKUP_FORMAT) this.fail('is not a blog MongoDB backup (no header)');
    if (value.version !== BACKUP_VERSION) {
      this.fail(`has format version ${String(value.version)}; this tool reads ${BACKUP_VERSION}`);
    }
    return value as unknown as BackupHeader;
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
    return { header: this.header, manifest: { ...expected, sha256 } };
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
