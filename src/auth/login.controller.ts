import { Controller, Get, HttpCode, Post, Query, Render, Req, Res } from '@nestjs/common';
import { UseInterceptors } from '@nestjs/common';
import { Request, Response } from 'express';
import { AccountsService } from '../accounts/accounts.service';
import { CredentialsService } from '../accounts/credentials.service';
import { AppConfig } from '../config/app-config';
import { FlashInterceptor } from '../common/http/flash.interceptor';
import { setFlash } from '../common/http/flash';
import { wantsJson } from '../common/http/wants-json';
import { FormBody } from '../common/validation/form-body.decorator';
import { FormInput } from '../common/validation/input-validation';
import { Access } from './access';
import { clearSessionCookie, setSessionCookie } from './cookies';
import { LoginDto } from './dto/account-forms.dto';
import { LoginThrottle } from './limits';
import { safeNextPath } from './safe-next';
import { retryAfterSeconds } from './sliding-window';

/** The one answer to a failed sign-in, whether the username exists or not. */
export const SIGN_IN_FAILED = 'Wrong username or password.';
export const SIGN_IN_LOCKED =
  'Too many failed sign-ins for this username or from your address; wait and try again.';

function loginView(next: string | undefined, options: { username?: string; error?: string } = {}) {
  return { pageTitle: 'Sign in', next: next ?? '', username: options.username ?? '', ...options };
}

/** `/login` and `/logout`: sessions start and end here. */
@Controller()
@Access('public')
export class LoginController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly credentials: CredentialsService,
    private readonly throttle: LoginThrottle,
    private readonly config: AppConfig,
  ) {}

  @Get('login')
  @Render('auth/login')
  @UseInterceptors(FlashInterceptor)
  form(@Query('next') next: unknown) {
    return loginView(safeNextPath(next));
  }

  @Post('login')
  async login(
    @Req() req: Request,
    @Res() res: Response,
    @FormBody(LoginDto) input: FormInput<LoginDto>,
  ): Promise<void> {
    const next = safeNextPath(input.ok ? input.value.next : input.values.next);
    if (!input.ok) return this.refuse(req, res, 400, SIGN_IN_FAILED, next);
    const { username, password } = input.value;
    const key = username.trim().toLowerCase();
    const address = req.ip ?? 'unknown';
    const wait = this.throttle.retryAfterMs(key, address);
    if (wait > 0) {
      res.setHeader('Retry-After', String(retryAfterSeconds(wait)));
      return this.refuse(req, res, 429, SIGN_IN_LOCKED, next, username);
    }
    const account = await this.accounts.authenticate(username, password);
    if (!account) {
      this.throttle.failed(key, address);
      return this.refuse(req, res, 401, SIGN_IN_FAILED, next, username);
    }
    this.throttle.succeeded(key);
    // always a new session: a cookie planted before sign-in never becomes a signed-in one
    const session = await this.credentials.issueSession(account);
    setSessionCookie(req, res, session.value, this.config.sessionMaxAgeMs);
    if (wantsJson(req)) {
      const { id, name, role } = account;
      res.status(200).json({ id, username: account.username, name, role });
      return;
    }
    setFlash(res, 'signedIn');
    res.redirect(303, next ?? '/');
  }

  @Post('logout')
  @HttpCode(200)
  async logout(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (req.viewer?.via === 'session') await this.credentials.end(req.viewer.credential);
    clearSessionCookie(req, res);
    if (wantsJson(req)) {
      res.status(200).json({ signedOut: true });
      return;
    }
    setFlash(res, 'signedOut');
    res.redirect(303, '/');
  }

  private refuse(
    req: Request,
    res: Response,
    status: number,
    message: string,
    next: string | undefined,
    username?: string,
  ): void {
    if (wantsJson(req)) {
      res.status(status).json({ statusCode: status, message });
      return;
    }
    res.status(status).render('auth/login', loginView(next, { username, error: message }));
  }
}
