import { hash } from 'node:crypto';

/** 64 bits of a content hash, as two unsigned 32-bit halves (cheap to sum per bucket). */
export interface Hash64 {
  hi: number;
  lo: number;
}

/** A value as hashed: text, a number (dates as their milliseconds), or nothing. */
export type Plain = string | number | null;

/** The parts are joined as JSON, so no two different lists of parts can run into each other. */
export function hashOf(parts: readonly Plain[]): Hash64 {
  const digest = hash('md5', JSON.stringify(parts), 'buffer');
  return { hi: digest.readUInt32BE(0), lo: digest.readUInt32BE(4) };
}

export function hashHex(h: Hash64): string {
  return h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0');
}
