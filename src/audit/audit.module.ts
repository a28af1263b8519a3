import { Module } from '@nestjs/common';
import { CassandraAuditRecords, MongoAuditRecords } from './audit-records';
import { AuditTrail } from './audit-trail';

/**
 * The audit trail (AuditTrail): recorded by phase changes, the migration's runs, the MongoDB
 * backup commands, account changes and moderation; read by `audit list`, /admin/audit and the
 * dashboard's audit tail.
 */
@Module({
  providers: [MongoAuditRecords, CassandraAuditRecords, AuditTrail],
  exports: [AuditTrail],
})
export class AuditModule {}
