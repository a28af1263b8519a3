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

export const JSON_HEADERS = { Accept: 'application/json' };

export interface PostFields {
  title: string;
  author: string;
  content: string;
}

/** A valid post body; extra keys (an edit's `version`) pass through. */
export function postFields(
  overrides: Partial<PostFields> & { version?: number | string } = {},
): PostFields {
  return { title: 'A title', author: 'Ada', content: 'Some content.', ...overrides };
}

/** Creates a post through the JSON variant of `POST /create`; returns its id. */
export async function createPost(web: WebApp, fields: Partial<PostFields> = {}): Promise<string> {
  const response = await web
    .http()
    .post('/create')
    .set(JSON_HEADERS)
    .send(postFields(fields))
    .expect(201);
  return (response.body as { id: string }).id;
}

export async function addComment(
  web: WebApp,
  postId: string,
  fields: { commenter?: string; comment?: string } = {},
): Promise<string> {
  const response = await web
    .http()
    .post(`/post/${postId}/comment`)
    .set(JSON_HEADERS)
    .send({ commenter: 'Bo', comment: 'Nice post.', ...fields })
    .expect(201);
  return (response.body as { id: string }).id;
}
