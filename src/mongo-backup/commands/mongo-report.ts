import { describeCounts } from '../backup-format';
import { BackupResult } from '../mongo-backup.service';
import { CleanupResult } from '../mongo-cleanup.service';
import { RestoreResult } from '../mongo-restore.service';

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatBackup(r: BackupResult): string {
  return [
    `mongo backup of database ${r.database}: ${describeCounts(r.manifest.counts)} → ${r.path} (${size(r.bytes)}) in ${r.seconds.toFixed(1)} s`,
    `  sha256 ${r.manifest.sha256}`,
    r.keyId ? `  signed with BACKUP_KEY (key id ${r.keyId}); mode 0600` : '  not signed; mode 0600',
  ].join('\n');
}

export function formatCleanup(r: CleanupResult): string {
  return [
    `mongo cleanup of database ${r.database}: backup ${r.path} matched MongoDB (${describeCounts(r.counts)}); in ${r.seconds.toFixed(1)} s`,
    `  dropped ${r.dropped.length ? r.dropped.join(', ') : 'nothing (no blog collections left)'}`,
    `  audit trail: ${r.auditEntriesCopied} entr${r.auditEntriesCopied === 1 ? 'y' : 'ies'} only MongoDB had copied into Cassandra (audit_log is kept)`,
    `  ${r.verifiedKeyId ? `signature verified (key id ${r.verifiedKeyId})` : 'signature NOT verified (--allow-unsigned)'}`,
  ].join('\n');
}

export function formatRestore(r: RestoreResult): string {
  return [
    `mongo restore into database ${r.database}: ${describeCounts(r.manifest.counts)} from ${r.path} in ${r.seconds.toFixed(1)} s`,
    `  the backup was taken of database ${r.source.database} at ${r.source.created_at}; ${r.verifiedKeyId ? `signature verified (key id ${r.verifiedKeyId})` : 'signature NOT verified (--allow-unsigned)'}`,
    `  schema: ${r.migrationsApplied} Mongo migration(s) applied; counts and content match the backup`,
  ].join('\n');
}
