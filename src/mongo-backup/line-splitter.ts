const NEWLINE = 0x0a;

export class LineTooLongError extends Error {
  override name = 'LineTooLongError';
}

/**
 * Splits a byte stream into lines (without the `\n`), keeping only the unfinished line between
 * chunks. Splitting bytes, not text, is safe for UTF-8: a newline byte is never part of a
 * multi-byte character. A line longer than `maxLineBytes` (no newline in a corrupt file) is an
 * error rather than unbounded memory.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLineBytes = 256 * 1024 * 1024) {}

  push(chunk: Buffer): Buffer[] {
    const lines: Buffer[] = [];
    let start = 0;
    let end = chunk.indexOf(NEWLINE, start);
    while (end !== -1) {
      lines.push(this.take(chunk.subarray(start, end)));
      start = end + 1;
      end = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.keep(chunk.subarray(start));
    return lines;
  }

  /** The last line if the stream did not end with a newline. */
  end(): Buffer | undefined {
    return this.pendingBytes > 0 ? this.take(Buffer.alloc(0)) : undefined;
  }

  private keep(part: Buffer): void {
    this.pendingBytes += part.length;
    if (this.pendingBytes > this.maxLineBytes) {
      throw new LineTooLongError(`a line is longer than ${this.maxLineBytes} bytes`);
    }
    this.pending.push(part);
  }

  private take(tail: Buffer): Buffer {
    if (this.pending.length === 0) return tail;
    this.keep(tail);
    const line = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return line;
  }
}
