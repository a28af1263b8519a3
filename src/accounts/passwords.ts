import { randomBytes, scrypt, ScryptOptions, timingSafeEqual } from 'node:crypto';

/**
 * scrypt's cost: N=2^15, r=8, p=1 (OWASP's minimum for scrypt), about 50 ms and 32 MiB a hash.
 * Stored with every hash, so raising it later keeps older hashes verifiable.
 */
const COST = { N: 32_768, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
// scrypt needs 128·N·r bytes; node's default ceiling (32 MiB) is exactly that, with no headroom
const MAX_MEMORY = 256 * COST.N * COST.r;
/** Refuse stored parameters that would take minutes or gigabytes (a tampered or foreign hash). */
const MAX_N = 1 << 20;

/** `scrypt$N=32768,r=8,p=1$<salt base64>$<key base64>`: says how it was made, so it can be checked. */
const FORMAT = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

function derive(password: string, salt: Buffer, cost: ScryptOptions, length: number) {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(
      password.normalize('NFC'),
      salt,
      length,
      { ...cost, maxmem: Math.max(MAX_MEMORY, 256 * cost.N! * cost.r!) },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

/** A new hash of the password with a random salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, COST, KEY_LENGTH);
  return `scrypt$N=${COST.N},r=${COST.r},p=${COST.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when the password matches the stored hash; false for any hash it cannot read. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = FORMAT.exec(stored);
  if (!match) return false;
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (N < 2 || N > MAX_N || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const salt = Buffer.from(match[4], 'base64');
  const expected = Buffer.from(match[5], 'base64');
  if (expected.length < 16 || expected.length > 64) return false;
  const actual = await derive(password, salt, { N, r, p }, expected.length);
  return timingSafeEqual(actual, expected);
}

let decoy: Promise<string> | undefined;

/**
 * A hash of a random password, checked when the username is unknown so that answering "no"
 * takes as long as for a wrong password (nobody learns which usernames exist from the timing).
 */
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(32).toString('base64'));
  return decoy;
}
