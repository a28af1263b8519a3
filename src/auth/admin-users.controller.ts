import { Controller, Get, Param, Post, Render, Req, Res, UseInterceptors } from '@nestjs/common';
import { Request, Response } from 'express';
import { AccountAudit } from '../accounts/account-audit';
import { AccountInputError } from '../accounts/account-errors';
import { AccountsService } from '../accounts/accounts.service';
import { answerInvalid, answerWrite } from '../common/http/respond';
import { FlashInterceptor } from '../common/http/flash.interceptor';
import { wantsJson } from '../common/http/wants-json';
import { FormBody } from '../common/validation/form-body.decorator';
import { FormInput } from '../common/validation/input-validation';
import { UsernameTakenError } from '../store/store-errors';
import { Access } from './access';
import { usersView } from './account-views';
import { NewAccountDto, RoleDto } from './dto/account-forms.dto';
import { actorOf, signedIn } from './viewer';

/** `/admin/users`: admins list accounts, create them, change roles, disable and enable. */
@Controller('admin/users')
@Access('admin')
@UseInterceptors(FlashInterceptor)
export class AdminUsersController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly audit: AccountAudit,
  ) {}

  @Get()
  @Render('admin/users')
  async list(@Req() req: Request) {
    return usersView(await this.accounts.list(), signedIn(req.viewer).account.id);
  }

  @Post()
  async create(
    @Req() req: Request,
    @Res() res: Response,
    @FormBody(NewAccountDto) input: FormInput<NewAccountDto>,
  ): Promise<void> {
    const viewerId = signedIn(req.viewer).account.id;
    try {
      if (!input.ok) {
        const [field, message] = Object.entries(input.errors)[0];
        throw new AccountInputError(field, message);
      }
      const { value } = input;
      const account = await this.audit.run(
        actorOf(req.viewer),
        'add',
        value.username,
        () => this.accounts.create(value),
        (created) => ({ role: created.role, id: created.id }),
      );
      answerWrite(req, res, {
        status: 201,
        json: { id: account.id },
        redirectTo: '/admin/users',
        flash: 'accountCreated',
      });
    } catch (error) {
      const taken = error instanceof UsernameTakenError;
      if (!(error instanceof AccountInputError) && !taken) throw error;
      if (taken && wantsJson(req)) throw error;
      const errors = taken
        ? { username: error.message }
        : { [(error as AccountInputError).field]: (error as Error).message };
      const values = input.ok ? { ...input.value } : input.values;
      const model = usersView(await this.accounts.list(), viewerId, { values, errors });
      if (taken) return res.status(409).render('admin/users', model);
      return answerInvalid(req, res, errors, { view: 'admin/users', model });
    }
  }

  @Post(':username/role')
  async setRole(
    @Param('username') username: string,
    @Req() req: Request,
    @Res() res: Response,
    @FormBody(RoleDto) input: FormInput<RoleDto>,
  ): Promise<void> {
    const account = await this.accounts.requireNamed(username);
    if (!input.ok) throw new AccountInputError('role', Object.values(input.errors)[0]);
    const { role } = input.value;
    await this.audit.run(
      actorOf(req.viewer),
      'role',
      account.username,
      () => this.accounts.setRole(account.id, role),
      () => ({ from: account.role, to: role }),
    );
    this.changed(req, res, account.id);
  }

  /** Also ends every session and token of the account. */
  @Post(':username/disable')
  async disable(@Param('username') username: string, @Req() req: Request, @Res() res: Response) {
    const account = await this.accounts.requireNamed(username);
    await this.audit.run(actorOf(req.viewer), 'disable', account.username, () =>
      this.accounts.setDisabled(account.id, true),
    );
    this.changed(req, res, account.id);
  }

  @Post(':username/enable')
  async enable(@Param('username') username: string, @Req() req: Request, @Res() res: Response) {
    const account = await this.accounts.requireNamed(username);
    await this.audit.run(actorOf(req.viewer), 'enable', account.username, () =>
      this.accounts.setDisabled(account.id, false),
    );
    this.changed(req, res, account.id);
  }

  private changed(req: Request, res: Response, id: string): void {
    answerWrite(req, res, {
      status: 200,
      json: { id },
      redirectTo: '/admin/users',
      flash: 'accountChanged',
    });
  }
}
