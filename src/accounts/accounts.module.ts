import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { StoreModule } from '../store/store.module';
import { AccountAudit } from './account-audit';
import { AccountsService } from './accounts.service';
import { CredentialsService } from './credentials.service';

/** Accounts and their credentials (sessions, API tokens), over the AccountStore port. */
@Module({
  imports: [AuditModule, StoreModule],
  providers: [AccountsService, CredentialsService, AccountAudit],
  exports: [AccountsService, CredentialsService, AccountAudit],
})
export class AccountsModule {}
