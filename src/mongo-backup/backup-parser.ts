import { createHash } from 'node:crypto';
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

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Checks one line at a time; keeps the running checksum, HMAC and tally, never the documents.
 */
export class BackupParser {
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
