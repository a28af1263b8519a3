import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AdminAuditController } from './admin-audit.controller';

/** The operators' pages under /admin (accounts are auth's: /admin/users). */
@Module({
  imports: [AuditModule],
  controllers: [AdminAuditController],
})
export class AdminModule {}
