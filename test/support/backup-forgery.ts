import { createHash } from 'node:crypto';
import { Tally } from '../../src/mongo-backup/backup-format';

/**
 * What a forger who can write a backup file and read this code does after changing its lines:
 * recomputes the manifest (counts, content hashes, sha256) so the file passes every check but
 * the signature, which needs BACKUP_KEY. Lines are the uncompressed ones, without newlines; any
 * signature line after the manifest is kept as it was.
 */
export function resealed(lines: string[]): string[] {
  const manifestAt = lines.findIndex((line) => line.startsWith('{"manifest"'));
  if (manifestAt < 0) throw new Error('no manifest line to reseal');
  const body = lines.slice(0, manifestAt);
  const sha256 = createHash('sha256');
  const tally = new Tally();
  body.forEach((line, i) => {
    sha256.update(`${line}\n`);
    if (i === 0) return;
    const { c, d } = JSON.parse(line) as { c: string; d: unknown };
    tally.add(c, d);
  });
  const manifest = { ...tally.totals(), sha256: sha256.digest('hex') };
  return [...body, JSON.stringify({ manifest }), ...lines.slice(manifestAt + 1)];
}
