import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { AccountsService } from '../../../src/accounts/accounts.service';
import { CredentialsService } from '../../../src/accounts/credentials.service';
import { AppModule } from '../../../src/app.module';
import { AppConfig } from '../../../src/config/app-config';
import { configureApp } from '../../../src/configure-app';
import { OpsServer } from '../../../src/ops/ops-server';

const ROOT = join(__dirname, '../../..');

/** The real web app (same configureApp as main.ts), initialised but not listening. */
export async function createTestApp(config: AppConfig): Promise<NestExpressApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config)],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({
    logger: ['error', 'warn'],
  });
  configureApp(app);
  try {
    await app.init();
  } catch (error) {
    // A refused start still opened connections; close them or jest never exits.
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI exactly as documented: `npm run cli -- ...` (scripts/run-cli.js, compiled). */
export function runCli(env: Record<string, string>, ...args: string[]): CliRun {
  return runCliWithInput(env, '', ...args);
}

/** runCli with `input` on standard input (a password for `user add`, `user password`). */
export function runCliWithInput(
  env: Record<string, string>,
  input: string,
  ...args: string[]
): CliRun {
  const result = spawnSync(process.execPath, ['scripts/run-cli.js', ...args], {
    cwd: ROOT,
    // Only what the test chose: no stray MIGRATION_PHASE etc. from the developer's shell.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    input,
    timeout: 120000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The admin every integration and e2e app gets for its writes (see writerOf). */
export const WRITER = {
  username: 'editor',
  name: 'Editor',
  password: 'correct horse battery staple',
};

/** An account a test writes as: made in the app's stores on first use (see tokenOf). */
export interface TestAccount {
  username: string;
  name: string;
  password: string;
  role?: 'admin' | 'author';
}

/**
 * Bearer headers of the account in the app under test (created through AccountsService the
 * first time, so it goes through the phase's AccountStore like any account; an author unless
 * `role` says otherwise). Each call issues a new token of the same account. Every instance of a
 * test may call it: one that loses the race to create the account uses the winner's.
 */
export async function tokenOf(
  app: NestExpressApplication,
  who: TestAccount,
): Promise<Record<string, string>> {
  const accounts = app.get(AccountsService);
  const account =
    (await accounts.named(who.username)) ??
    (await accounts.create({ role: 'author', ...who }).catch(async (error: unknown) => {
      // another instance of the same test created it meanwhile
      const existing = await accounts.named(who.username);
      if (!existing) throw error;
      return existing;
    }));
  const token = await app.get(CredentialsService).issueToken(account, 'test writer');
  return { Authorization: `Bearer ${token.value}` };
}

/**
 * `GET /health/details`: every check with its details (the public `/health` says only
 * `{status}`). Through the app's ops listener when it has one (OPS_PORT: no session, no write),
 * else as its admin (WRITER).
 */
export async function healthDetails(app: NestExpressApplication): Promise<request.Response> {
  const ops = app.get(OpsServer).address();
  if (ops) return request(`http://127.0.0.1:${ops.port}`).get('/health/details');
  const headers = await writerOf(app);
  return request(app.getHttpServer()).get('/health/details').set(headers);
}

/**
 * Bearer headers of an admin account in the app under test (WRITER, see tokenOf): writes need a
 * signed-in author or admin.
 */
export function writerOf(app: NestExpressApplication): Promise<Record<string, string>> {
  return tokenOf(app, { ...WRITER, role: 'admin' });
}
