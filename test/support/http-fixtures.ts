import request from 'supertest';

/** An HTTP app under test: a supertest agent per request. */
export interface HttpApp {
  http: () => ReturnType<typeof request>;
}

export const JSON_HEADERS = { Accept: 'application/json' };

export interface PostFields {
  title: string;
  author: string;
  content: string;
}

/** A valid post body; extra keys (an edit's `version`, a field the form does not have) pass through. */
export function postFields(
  overrides: Partial<PostFields> & Record<string, unknown> = {},
): PostFields {
  return { title: 'A title', author: 'Ada', content: 'Some content.', ...overrides };
}

/** Creates a post through the JSON variant of `POST /create`; returns its id. */
export async function createPost(
  web: HttpApp,
  fields: Partial<PostFields> & Record<string, unknown> = {},
): Promise<string> {
  const response = await web
    .http()
    .post('/create')
    .set(JSON_HEADERS)
    .send(postFields(fields))
    .expect(201);
  return (response.body as { id: string }).id;
}
