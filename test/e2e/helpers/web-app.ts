import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AppConfig, loadConfig } from '../../../src/config/app-config';
import { MigrationPhase } from '../../../src/config/migration-phase';
import { createTestApp } from '../../integration/helpers/app';
import { dropTestStores } from '../../integration/helpers/stores';
import { testEnv } from '../../support/test-env';

export interface WebApp {
  config: AppConfig;
  app: NestExpressApplication;
  http: () => ReturnType<typeof request>;
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
  });
  afterAll(async () => {
    await holder.app?.close();
    if (holder.config) await dropTestStores(holder.config);
  });
  return holder;
}

export { createPost, JSON_HEADERS, postFields } from '../../support/http-fixtures';
export type { PostFields } from '../../support/http-fixtures';

export async function addComment(
  web: WebApp,
  postId: string,
  fields: { commenter?: string; comment?: string } = {},
): Promise<string> {
  const response = await web
    .http()
    .post(`/post/${postId}/comment`)
    .set({ Accept: 'application/json' })
    .send({ commenter: 'Bo', comment: 'Nice post.', ...fields })
    .expect(201);
  return (response.body as { id: string }).id;
}
