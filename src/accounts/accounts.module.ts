import { Module } from '@nestjs/common';
import { StoreModule } from '../store/store.module';
import { AccountsService } from './accounts.service';
import { CredentialsService } from './credentials.service';

/** Accounts and their credentials (sessions, API tokens), over the AccountStore port. */
@Module({
  imports: [StoreModule],
  providers: [AccountsService, CredentialsService],
  exports: [AccountsService, CredentialsService],
})
export class AccountsModule {}
