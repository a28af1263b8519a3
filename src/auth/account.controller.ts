import { Controller, Get, Post, Render, Req, Res, UseInterceptors } from '@nestjs/common';
import { Request, Response } from 'express';
import { AccountAudit } from '../accounts/account-audit';
import { AccountInputError } from '../accounts/account-errors';
import { AccountsService } from '../accounts/accounts.service';
import { verifyPassword } from '../accounts/passwords';
import { answerInvalid, answerWrite } from '../common/http/respond';
import { FlashInterceptor } from '../common/http/flash.interceptor';
import { FormBody } from '../common/validation/form-body.decorator';
import { FormInput } from '../common/validation/input-validation';
import { Access } from './access';
import { accountView } from './account-views';
import { NameDto, PasswordChangeDto } from './dto/account-forms.dto';
import { actorOf, signedIn } from './viewer';

export const WRONG_CURRENT_PASSWORD = 'Your current password is not right; nothing was changed.';

/** `/account`: the signed-in person's own display name and password. */
@Controller('account')
@Access('signed-in')
@UseInterceptors(FlashInterceptor)
export class AccountController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly audit: AccountAudit,
  ) {}

  @Get()
  @Render('auth/account')
  show(@Req() req: Request) {
    return accountView(signedIn(req.viewer).account);
  }

  @Post('name')
  async rename(
    @Req() req: Request,
    @Res() res: Response,
    @FormBody(NameDto) input: FormInput<NameDto>,
  ): Promise<void> {
    const { account } = signedIn(req.viewer);
    try {
      if (!input.ok) throw new AccountInputError('name', Object.values(input.errors)[0]);
      const { name } = input.value;
      await this.audit.run(actorOf(req.viewer), 'name', account.username, () =>
        this.accounts.setName(account.id, name),
      );
    } catch (error) {
      if (!(error instanceof AccountInputError)) throw error;
      const errors = { [error.field]: error.message };
      const name = input.ok ? input.value.name : (input.values.name ?? '');
      const model = accountView(account, { name, nameErrors: errors });
      return answerInvalid(req, res, errors, { view: 'auth/account', model });
    }
    answerWrite(req, res, {
      status: 200,
      json: { id: account.id, name: input.value.name.trim() },
      redirectTo: '/account',
      flash: 'nameChanged',
    });
  }

  /** Needs the current password; ends every other session of the account. */
  @Post('password')
  async changePassword(
    @Req() req: Request,
    @Res() res: Response,
    @FormBody(PasswordChangeDto) input: FormInput<PasswordChangeDto>,
  ): Promise<void> {
    const viewer = signedIn(req.viewer);
    const { account } = viewer;
    try {
      if (!input.ok) {
        const [field, message] = Object.entries(input.errors)[0];
        throw new AccountInputError(field, message);
      }
      if (!(await verifyPassword(input.value.current, account.passwordHash))) {
        throw new AccountInputError('current', WRONG_CURRENT_PASSWORD);
      }
      const keep = viewer.via === 'session' ? viewer.credential.id : undefined;
      const { password } = input.value;
      await this.audit.run(actorOf(req.viewer), 'password', account.username, () =>
        this.accounts.setPassword(account.id, password, keep),
      );
    } catch (error) {
      if (!(error instanceof AccountInputError)) throw error;
      const errors = { [error.field]: error.message };
      const model = accountView(account, { passwordErrors: errors });
      return answerInvalid(req, res, errors, { view: 'auth/account', model });
    }
    answerWrite(req, res, {
      status: 200,
      json: { id: account.id, passwordChanged: true },
      redirectTo: '/account',
      flash: 'passwordChanged',
    });
  }
}
