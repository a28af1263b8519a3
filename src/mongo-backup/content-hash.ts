import { createHash } from 'node:crypto';

const MODULUS = 1n << 256n;

/**
 * JSON with every object's keys sorted, so a document has one text whatever order its fields
 * come back in. Arrays keep their order (it is part of the value).
 */
export function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const fields = Object.keys(object)
      .sort()
      .filter((key) => object[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${sortedJson(object[key])}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** sha256 of a document's canonical Extended JSON (a plain JSON value), keys sorted. */
export function documentDigest(ejson: unknown): bigint {
  return BigInt(`0x${createHash('sha256').update(sortedJson(ejson)).digest('hex')}`);
}

/**
 * The hash of a set of documents, independent of their order: the sum of their digests modulo
 * 2^256 (a sum, not a xor, so a document counted twice does not cancel out).
 */
export class ContentHash {
  private sum = 0n;
  private added = 0;

  add(ejson: unknown): void {
    this.sum = (this.sum + documentDigest(ejson)) % MODULUS;
    this.added++;
  }

  get count(): number {
    return this.added;
  }

  hex(): string {
    return this.sum.toString(16).padStart(64, '0');
  }
}
