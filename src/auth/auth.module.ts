import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccountsModule } from '../accounts/accounts.module';
import { AccessGuard } from './access.guard';
import { AccountController } from './account.controller';
import { AdminUsersController } from './admin-users.controller';
import { AuthMiddleware } from './auth.middleware';
import { CommentRateLimitGuard } from './comment-rate-limit.guard';
import { CsrfTokens } from './csrf-tokens';
import { CommentRateLimit, LoginThrottle } from './limits';
import { LoginController } from './login.controller';
import { UsersApiController } from './users-api.controller';

/**
 * Who a request acts for (AuthMiddleware), what it may call (AccessGuard, global: every route
 * states its rule with @Access), CSRF and the per-instance limits; and the pages where people
 * sign in, manage their account and (admins) everyone's.
 */
@Module({
  imports: [AccountsModule],
  providers: [
    AuthMiddleware,
    CsrfTokens,
    LoginThrottle,
    CommentRateLimit,
    CommentRateLimitGuard,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  controllers: [LoginController, AccountController, AdminUsersController, UsersApiController],
  exports: [CommentRateLimit, CommentRateLimitGuard],
})
export class AuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AuthMiddleware).forRoutes('{*splat}');
  }
}
