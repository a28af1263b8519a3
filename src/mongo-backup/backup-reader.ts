import { FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { BackupFileError } from './backup-format';
import { BackupParser, DocumentVisitor, VerifiedBackup } from './backup-parser';
import { LineSplitter, LineTooLongError } from './line-splitter';

export type { DocumentVisitor, VerifiedBackup };

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
