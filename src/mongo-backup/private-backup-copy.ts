import { FileHandle, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKUP_FILE_MODE } from './backup-writer';
import { DocumentVisitor, VerifiedBackup, openBackup, readBackupStream } from './backup-reader';

/**
 * A backup file copied, while it is read and verified, into a file only this process can reach,
 * so what is inserted is exactly what was verified: the original is opened once, and whoever can
 * write it cannot change it between the check and the inserts. The copy lives in a fresh 0700
 * folder under the temporary directory (TMPDIR), is created 0600 and, where the system allows,
 * unlinked at once: only its open handle reaches it, and nothing is left behind even on a crash.
 * It needs room there for the gzip'd file.
 */
export class PrivateBackupCopy {
  private constructor(
    private readonly path: string,
    private readonly copy: FileHandle,
    private readonly key: string,
    /** the verification of the original, made while the copy was written */
    readonly verified: VerifiedBackup,
  ) {}

  /** Copies and verifies `path`; a BackupFileError (and no copy left) when it is not whole. */
  static async take(path: string, key: string): Promise<PrivateBackupCopy> {
    const source = await openBackup(path);
    let folder: string | undefined;
    let copy: FileHandle | undefined;
    try {
      folder = await mkdtemp(join(tmpdir(), 'blog-restore-'));
      copy = await open(join(folder, 'backup.jsonl.gz'), 'wx+', BACKUP_FILE_MODE);
      await rm(folder, { recursive: true, force: true }).catch(() => undefined);
      const verified = await readBackupStream(source.createReadStream({ autoClose: false }), path, {
        key,
        copyTo: copy,
      });
      return new PrivateBackupCopy(path, copy, key, verified);
    } catch (error) {
      await copy?.close();
      throw error;
    } finally {
      await source.close();
      if (folder) await rm(folder, { recursive: true, force: true });
    }
  }

  /**
   * Reads the copy again, handing each document to `visit`; checked again on the way (the same
   * bytes give the same verdict, so it can only fail if the disk fails).
   */
  read(visit: DocumentVisitor): Promise<VerifiedBackup> {
    return readBackupStream(this.copy.createReadStream({ start: 0, autoClose: false }), this.path, {
      key: this.key,
      visit,
    });
  }

  close(): Promise<void> {
    return this.copy.close();
  }
}
