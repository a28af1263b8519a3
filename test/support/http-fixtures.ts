import request from 'supertest';

/** An HTTP app under test: a supertest agent per request. */
export interface HttpApp {
  http: () => ReturnType<typeof request>;
  /** headers that sign a write in (`Authorization: Bearer <token>` of an admin) */
  writer: Record<string, string>;
}

export const JSON_HEADERS = { Accept: 'application/json' };

export interface PostFields {
  title: string;
  content: string;
}

/** A valid post body; extra keys (an edit's `version`, a field the form does not have) pass through. */
export function postFields(
  overrides: Partial<PostFields> & Record<string, unknown> = {},
): PostFields {
  return { title: 'A title', content: 'Some content.', ...overrides };
}

/** Bearer headers for a token (`<id>.<secret>`). */
export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

/**
 * Creates a post through the JSON variant of `POST /create`, signed in as the app's writer (or
 * `as`: other bearer headers); returns its id.
 */
export async function createPost(
  web: HttpApp,
  fields: Partial<PostFields> & Record<string, unknown> = {},
  as: Record<string, string> = web.writer,
): Promise<string> {
  const response = await web
    .http()
    .post('/create')
    .set(JSON_HEADERS)
    .set(as)
    .send(postFields(fields))
    .expect(201);
  return (response.body as { id: string }).id;
}

/** The `_csrf` value of the first form on an HTML page. */
export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no _csrf field on the page');
  return match[1];
}
