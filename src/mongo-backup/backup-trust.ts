import { SignatureCheck, distrustOf } from './backup-signature';
import { RefusedError } from './refused-error';

/**
 * The one trust rule of `mongo cleanup` and `mongo restore`: a backup must be signed with
 * BACKUP_KEY and unchanged since, unless the operator says `--allow-unsigned` (an unsigned file,
 * a lost or rotated key). Returns the warning to print when it is accepted without trust.
 */
export function requireTrusted(
  path: string,
  signature: SignatureCheck,
  allowUnsigned: boolean,
  nothingChanged: string,
): string | undefined {
  const distrust = distrustOf(signature);
  if (!distrust) return undefined;
  if (!allowUnsigned) {
    throw new RefusedError(
      `backup file ${path} ${distrust}; add --allow-unsigned to accept it anyway (${nothingChanged})`,
    );
  }
  return `warning: backup file ${path} ${distrust}; accepted because of --allow-unsigned, so its content is trusted without proof of who wrote it`;
}
