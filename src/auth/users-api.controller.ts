import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { AccountsService } from '../accounts/accounts.service';
import { Access } from './access';
import { NewAccountDto } from './dto/account-forms.dto';

/** `POST /api/users`: an admin's script creates accounts (409 when the username is taken). */
@Controller('api/users')
@Access('admin')
export class UsersApiController {
  constructor(private readonly accounts: AccountsService) {}

  @Post()
  @HttpCode(201)
  async create(@Body() input: NewAccountDto): Promise<{ id: string }> {
    const account = await this.accounts.create(input);
    return { id: account.id };
  }
}
