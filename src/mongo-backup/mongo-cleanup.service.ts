import { Injectable } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { AppConfig } from '../config/app-config';
import { PhaseControl } from '../control/phase-control';
import { describeInstance } from '../control/phase-record';
import { BackedUpCollection, describeCounts, totalsDifferences } from './backup-format';
import { readBackup } from './backup-reader';
import { requireTrusted } from './backup-trust';
import { MongoBlogData } from './mongo-blog-data';
import { RefusedError } from './refused-error';

export interface CleanupResult {
  path: string;
  database: string;
  counts: Record<BackedUpCollection, number>;
  dropped: string[];
  /** audit entries only MongoDB had, copied into Cassandra before the drop */
  auditEntriesCopied: number;
  seconds: number;
  /** what the operator should know (an untrusted file accepted) */
  warnings: string[];
  /** the key id of BACKUP_KEY, when it proved the file authentic */
  verifiedKeyId?: string;
}

/**
 * `mongo cleanup`: drops MongoDB's blog collections in phase 3, but only once a backup has been
 * proven whole and equal, collection by collection, to what MongoDB holds right now.
 *
 * It applies restore's trust rule too (signed with BACKUP_KEY, documents of their declared
 * shapes): equality with MongoDB proves the file right today, but after the drop that file is
 * the only copy, and a restore will demand exactly this. A file restore would refuse is found
 * out now, while the data still exists, not on the day of the rollback.
 */
@Injectable()
export class MongoCleanupService {
  constructor(
    private readonly data: MongoBlogData,
    private readonly phases: PhaseControl,
    private readonly config: AppConfig,
    private readonly audit: AuditTrail,
  ) {}

  /** Every check runs before anything changes; without `confirmed` it stops after them. */
  async cleanup(path: string, confirmed: boolean, allowUnsigned = false): Promise<CleanupResult> {
    await this.data.open();
    const started = Date.now();
    await this.requirePhase3();
    const { manifest, signature } = await readBackup(path, { key: this.config.backupKey });
    const warning = requireTrusted(path, signature, allowUnsigned, 'nothing was dropped');
    const now = await this.data.totals();
    const database = this.data.databaseName;
    const differences = totalsDifferences(
      { name: 'MongoDB', totals: now },
      { name: 'the backup', totals: manifest },
    );
    if (differences.length > 0) {
      throw new RefusedError(
        `MongoDB database ${database} differs from backup ${path}: ${differences.join(', ')}; take a new backup (nothing was dropped)`,
      );
    }
    if (!confirmed) {
      throw new RefusedError(
        `backup ${path} matches MongoDB database ${database} (${describeCounts(manifest.counts)}); add --yes to drop its blog collections (nothing was dropped)`,
      );
    }
    // the checks took a while: the phase may have been changed back meanwhile
    await this.requirePhase3();
    // the trail of phase mongo is in MongoDB only: into Cassandra first, so it outlives MongoDB
    const auditEntriesCopied = await this.audit.copyMongoOnlyToCassandra();
    const dropped = await this.data.dropAll();
    return {
      path,
      database,
      counts: manifest.counts,
      dropped,
      auditEntriesCopied,
      seconds: (Date.now() - started) / 1000,
      warnings: warning ? [warning] : [],
      verifiedKeyId: signature.state === 'valid' ? signature.keyId : undefined,
    };
  }

  private async requirePhase3(): Promise<void> {
    const { phase, record } = await this.phases.read();
    if (phase !== 'cassandra') {
      const source = record ? `set ${record.set_at} by ${record.set_by}` : 'from MIGRATION_PHASE';
      throw new RefusedError(
        `mongo cleanup runs only in phase cassandra; the phase is ${phase} (${source}), nothing was dropped`,
      );
    }
    // an instance still on cassandra-primary (or draining requests there) writes to MongoDB
    const lagging = await this.phases.lagging(phase);
    if (lagging.length > 0) {
      throw new RefusedError(
        `mongo cleanup waits for every app instance to serve phase cassandra: ${lagging.map(describeInstance).join('; ')}; nothing was dropped`,
      );
    }
  }
}
