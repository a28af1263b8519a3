import {
  commentIds,
  fieldError,
  flashKey,
  inputValue,
  relLink,
  textareaValue,
} from './helpers/html';
import { E2E_PHASES } from './helpers/phases';
import { JSON_HEADERS, addComment, createPost, useWebApp } from './helpers/web-app';

describe.each(E2E_PHASES)('comments (phase %s)', (phase) => {
  const web = useWebApp(`comments_${phase}`, phase);

  it('shows the comment form on the post page and adds a form comment with a flash', async () => {
    const id = await createPost(web, { title: 'Discuss' });
    const page = await web.http().get(`/post/${id}`).expect(200);
    expect(page.text).toContain(`action="/post/${id}/comment#comment-form"`);
    expect(page.text).toContain('No comments yet.');

    const { agent, csrf } = await web.visitor();
    const posted = await agent
      .post(`/post/${id}/comment`)
      .type('form')
      .send({ commenter: ' Bo ', comment: 'First!\r\nSecond line', _csrf: csrf })
      .expect(303);
    expect(posted.headers.location).toBe(`/post/${id}#comments`);
    const after = await agent.get(`/post/${id}`).expect(200);
    expect(flashKey(after.text)).toBe('commented');
    expect(after.text).toContain('<strong>Bo</strong>');
    expect(after.text).toContain('<div class="comment-text">First!\nSecond line</div>');
    expect(after.text).not.toContain('No comments yet.');
  });

  it('lists comments oldest first', async () => {
    const id = await createPost(web);
    const added = [];
    for (const text of ['one', 'two', 'three'])
      added.push(await addComment(web, id, { comment: text }));
    const page = await web.http().get(`/post/${id}`).expect(200);
    expect(commentIds(page.text)).toEqual(added);
  });

  it('re-renders the post page with 400, the input kept and a message per field', async () => {
    const id = await createPost(web, { title: 'Still here' });
    await addComment(web, id, { comment: 'Existing comment' });
    const { agent, csrf } = await web.visitor();
    const response = await agent
      .post(`/post/${id}/comment`)
      .type('form')
      .send({ commenter: '', comment: 'My unsent\nwords', _csrf: csrf })
      .expect(400);
    expect(response.text).toContain('<h1>Still here</h1>');
    expect(response.text).toContain('Existing comment');
    expect(fieldError(response.text, 'commenter')).toBe('Name must be 1 to 80 characters.');
    expect(fieldError(response.text, 'comment')).toBeUndefined();
    expect(inputValue(response.text, 'commenter')).toBe('');
    expect(textareaValue(response.text, 'comment')).toBe('My unsent\nwords');

    const control = await agent
      .post(`/post/${id}/comment`)
      .type('form')
      .send({ commenter: 'Bo', comment: 'beep\u0007', _csrf: csrf })
      .expect(400);
    expect(fieldError(control.text, 'comment')).toMatch(/control characters/);
    const json = (await web.http().get(`/api/posts/${id}`)).body;
    expect(json.comments).toHaveLength(1);
  });

  it('rejects operator objects and unknown fields', async () => {
    const id = await createPost(web);
    const { agent, csrf } = await web.visitor();
    await agent
      .post(`/post/${id}/comment`)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(`commenter[$ne]=x&comment=hi&_csrf=${encodeURIComponent(csrf)}`)
      .expect(400);
    const extra = await agent
      .post(`/post/${id}/comment`)
      .set(JSON_HEADERS)
      .set('X-CSRF-Token', csrf)
      .send({ commenter: 'Bo', comment: 'hi', postId: '0123456789abcdef01234567' })
      .expect(400);
    expect(extra.body.errors).toEqual({ postId: 'postId is not a field of this form.' });
  });

  it('pages more than 50 comments with "later comments" links (HTML) and nextComments (API)', async () => {
    const id = await createPost(web);
    const added: string[] = [];
    for (let i = 0; i < 52; i++) added.push(await addComment(web, id, { comment: `c${i}` }));

    const first = await web.http().get(`/post/${id}`).expect(200);
    expect(commentIds(first.text)).toEqual(added.slice(0, 50));
    const next = relLink(first.text, 'next') as string;
    expect(next).toMatch(new RegExp(`^/post/${id}\\?comments=[A-Za-z0-9_-]+#comments$`));
    const second = await web.http().get(next.replace('#comments', '')).expect(200);
    expect(commentIds(second.text)).toEqual(added.slice(50));
    expect(relLink(second.text, 'next')).toBeUndefined();
    expect(second.text).toContain('data-first-comments');
    expect(second.text).toContain('Later comments');

    const api = (await web.http().get(`/api/posts/${id}`).expect(200)).body;
    expect(api.comments).toHaveLength(52);
    expect(api.nextComments).toBeNull();

    await web.http().get(`/post/${id}?comments=garbage!`).expect(400);
  });
});
