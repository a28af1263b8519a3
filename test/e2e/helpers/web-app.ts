import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AppConfig, loadConfig } from '../../../src/config/app-config';
import { MigrationPhase } from '../../../src/config/migration-phase';
import { createTestApp, writerOf } from '../../integration/helpers/app';
import { dropTestStores } from '../../integration/helpers/stores';
import { testEnv } from '../../support/test-env';

export interface WebApp {
  config: AppConfig;
  app: NestExpressApplication;
  http: () => ReturnType<typeof request>;
  /** bearer headers of the app's admin `editor` (writes need a signed-in author or admin) */
  writer: Record<string, string>;
}

/**
 * Boots the real app for one phase in beforeAll and closes it (dropping its keyspace and database)
 * in afterAll. Returns a holder whose fields are set once beforeAll ran.
 */
export function useWebApp(name: string, phase: MigrationPhase): WebApp {
  const holder = {} as WebApp;
  beforeAll(async () => {
    holder.config = loadConfig(testEnv(name, { MIGRATION_PHASE: phase }));
    holder.app = await createTestApp(holder.config);
    holder.http = () => request(holder.app.getHttpServer());
    holder.writer = await writerOf(holder.app);
  });
  afterAll(async () => {
    await holder.app?.close();
    if (holder.config) await dropTestStores(holder.config);
  });
  return holder;
}

export { bearer, createPost, csrfOf, JSON_HEADERS, postFields } from '../../support/http-fixtures';
export type { PostFields } from '../../support/http-fixtures';

export async function addComment(
  web: WebApp,
  postId: string,
  fields: { comment?: string } = {},
): Promise<string> {
  const response = await web
    .http()
    .post(`/post/${postId}/comment`)
    .set({ Accept: 'application/json' })
    .set(web.writer)
    .send({ comment: 'Nice post.', ...fields })
    .expect(201);
  return (response.body as { id: string }).id;
}
