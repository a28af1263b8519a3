import { Hmac, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A backup's signature: HMAC-SHA-256 with BACKUP_KEY over every byte of the uncompressed file
 * before the signature line (header, documents, manifest). The sha256 in the manifest only finds
 * accidents: whoever can write the file can recompute it. The HMAC can be made only with the
 * key, so a file that verifies was written by a holder of BACKUP_KEY and not changed since.
 *
 * The key id (a hash of the key, never the key) names the key a file was signed with, so an
 * operator who rotated keys can tell which one an old backup needs.
 */
export interface SignatureLine {
  hmac_sha256: string;
  key_id: string;
}

const KEY_ID_LABEL = 'blog-mongo-backup key id';
const HEX_64 = /^[0-9a-f]{64}$/;
const HEX_16 = /^[0-9a-f]{16}$/;

/** 16 hex digits naming a key; it tells nothing about the key itself. */
export function keyIdOf(key: string): string {
  return createHmac('sha256', key).update(KEY_ID_LABEL).digest('hex').slice(0, 16);
}

/** The running HMAC of a file being written or read. */
export function newSigner(key: string): Hmac {
  return createHmac('sha256', key);
}

export function signatureLine(signer: Hmac, key: string): string {
  const signature: SignatureLine = { hmac_sha256: signer.digest('hex'), key_id: keyIdOf(key) };
  return JSON.stringify({ signature });
}

export function isSignatureLine(value: unknown): value is SignatureLine {
  const line = value as Partial<SignatureLine> | null;
  return (
    typeof line?.hmac_sha256 === 'string' &&
    HEX_64.test(line.hmac_sha256) &&
    typeof line.key_id === 'string' &&
    HEX_16.test(line.key_id)
  );
}

/**
 * How far a backup can be trusted:
 * - `valid`: signed with BACKUP_KEY, unchanged since;
 * - `unsigned`: written without a key (or by a version of the tool before signatures);
 * - `no-key`: signed, but BACKUP_KEY is not set here, so it cannot be checked;
 * - `other-key`: signed with a key whose id is not BACKUP_KEY's (rotated, or forged);
 * - `forged`: signed with BACKUP_KEY's id, but the HMAC does not match: changed after signing.
 */
export type SignatureState = 'valid' | 'unsigned' | 'no-key' | 'other-key' | 'forged';

export interface SignatureCheck {
  state: SignatureState;
  /** the key id the file names (signed files) */
  keyId?: string;
  /** BACKUP_KEY's id, when set */
  expectedKeyId?: string;
}

/** Compares a file's signature with the HMAC computed over its bytes, in constant time. */
export function checkSignature(
  signed: SignatureLine | undefined,
  computed: Buffer | undefined,
  key: string,
): SignatureCheck {
  if (!signed) return { state: 'unsigned' };
  if (!key || !computed) return { state: 'no-key', keyId: signed.key_id };
  const expectedKeyId = keyIdOf(key);
  const given = Buffer.from(signed.hmac_sha256, 'hex');
  if (given.length === computed.length && timingSafeEqual(given, computed)) {
    return { state: 'valid', keyId: signed.key_id, expectedKeyId };
  }
  const state = signed.key_id === expectedKeyId ? 'forged' : 'other-key';
  return { state, keyId: signed.key_id, expectedKeyId };
}

/**
 * Why a backup is not trusted, as a clause after "backup file X " (undefined when it is). The
 * key id a file names is not covered by the HMAC, so "another key" may also be a forgery.
 */
export function distrustOf(check: SignatureCheck): string | undefined {
  switch (check.state) {
    case 'valid':
      return undefined;
    case 'unsigned':
      return 'is not signed';
    case 'no-key':
      return `is signed (key id ${check.keyId}) but BACKUP_KEY is not set, so its signature cannot be checked`;
    case 'other-key':
      return `is not signed with BACKUP_KEY (it names key id ${check.keyId}, BACKUP_KEY's is ${check.expectedKeyId}): signed with another key, or forged`;
    case 'forged':
      return 'fails its signature check: it was changed after it was signed (forged or damaged)';
  }
}
