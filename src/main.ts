import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { firstAdminHint } from './accounts/first-admin';
import { AppModule } from './app.module';
import { redactUrls } from './common/redact';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { configureApp, useStructuredLogs } from './configure-app';
import { StoreUnreachableError } from './database/store-connections';
import { CurrentPhase } from './control/current-phase';
import { PhaseUnknownError } from './control/phase-control';
import { ChangedMigrationsError } from './schema/schema.service';
import { PendingMigrationsError } from './schema/schema-startup.check';
import { AccountStore } from './store/account-store';

// Config comes first: a bad variable is one line on stderr, before Nest prints anything.
function configOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

async function bootstrap(): Promise<void> {
  const config = configOrExit();
  const logger = new Logger('Bootstrap');
  // Nest's own start-up lines wait for pino, then go out as the rest (JSON in production)
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
  });
  useStructuredLogs(app);
  configureApp(app);
  try {
    await app.listen(config.port);
  } catch (error) {
    // what an operator fixes (a store down, wrong credentials, pending schema): one line, no stack
    if (
      error instanceof PendingMigrationsError ||
      error instanceof ChangedMigrationsError ||
      error instanceof StoreUnreachableError ||
      error instanceof PhaseUnknownError
    ) {
      logger.error(error.message);
      await app.close().catch(() => undefined);
      process.exit(1);
    }
    throw error;
  }
  // getUrl() names the IPv6 loopback ([::1]); a newcomer wants a link that opens in a browser
  const { port } = app.getHttpServer().address() as AddressInfo;
  logger.log(
    `Blog listening on http://localhost:${port} (migration phase ${app.get(CurrentPhase).get()})`,
  );
  await firstAdminHint(app.get(AccountStore), (line) => logger.log(line));
}

bootstrap().catch((error: unknown) => {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  new Logger('Bootstrap').error(redactUrls(text));
  process.exit(1);
});
