import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AccountsModule } from '../accounts/accounts.module';
import { AppConfig } from '../config/app-config';
import { AccessGuard } from './access.guard';
import { AccountController } from './account.controller';
import { AdminUsersController } from './admin-users.controller';
import { AuthMiddleware } from './auth.middleware';
import { CommentRateLimitGuard } from './comment-rate-limit.guard';
import { CsrfTokens } from './csrf-tokens';
import { LoginThrottle } from './limits';
import { LoginController } from './login.controller';
import { rateLimitOptions, WriteRateLimitGuard } from './rate-limits';
import { UsersApiController } from './users-api.controller';

/**
 * Who a request acts for (AuthMiddleware), what it may call (AccessGuard, global: every route
 * states its rule with @Access), CSRF and the per-instance limits (WriteRateLimitGuard, global:
 * every write route); and the pages where people sign in, manage their account and (admins)
 * everyone's.
 */
@Module({
  imports: [
    AccountsModule,
    // global: the comment guard, used on a controller of another module, finds it there too
    ThrottlerModule.forRootAsync({ inject: [AppConfig], useFactory: rateLimitOptions }),
  ],
  providers: [
    AuthMiddleware,
    CsrfTokens,
    LoginThrottle,
    CommentRateLimitGuard,
    // in this order: a request refused for access or CSRF is not counted against its address
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_GUARD, useClass: WriteRateLimitGuard },
  ],
  controllers: [LoginController, AccountController, AdminUsersController, UsersApiController],
  exports: [CommentRateLimitGuard],
})
export class AuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AuthMiddleware).forRoutes('{*splat}');
  }
}
