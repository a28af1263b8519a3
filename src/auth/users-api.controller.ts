import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { Request } from 'express';
import { AccountAudit } from '../accounts/account-audit';
import { AccountsService } from '../accounts/accounts.service';
import { Access } from './access';
import { NewAccountDto } from './dto/account-forms.dto';
import { actorOf } from './viewer';

/** `POST /api/users`: an admin's script creates accounts (409 when the username is taken). */
@Controller('api/users')
@Access('admin')
export class UsersApiController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly audit: AccountAudit,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Req() req: Request, @Body() input: NewAccountDto): Promise<{ id: string }> {
    const account = await this.audit.run(
      actorOf(req.viewer),
      'add',
      input.username,
      () => this.accounts.create(input),
      (created) => ({ role: created.role, id: created.id }),
    );
    return { id: account.id };
  }
}
