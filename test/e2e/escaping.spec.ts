import { E2E_PHASES } from './helpers/phases';
import { inputValue } from './helpers/html';
import { Browser, addComment, createPost, useWebApp } from './helpers/web-app';

// Script tags, attribute breakers and a Handlebars expression: none may come back live.
const EVIL = `<script>alert("x")</script>" onmouseover="alert(1)' {{pageTitle}}`;
const ESCAPED_SCRIPT = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;';

function expectEscaped(html: string, where: string): void {
  expect({ where, liveScript: html.includes('<script') }).toEqual({ where, liveScript: false });
  expect({ where, brokenAttribute: html.includes('" onmouseover') }).toEqual({
    where,
    brokenAttribute: false,
  });
  expect({ where, escaped: html.includes(ESCAPED_SCRIPT) }).toEqual({ where, escaped: true });
}

describe.each(E2E_PHASES)('every user string is escaped (phase %s)', (phase) => {
  const web = useWebApp(`escape_${phase}`, phase);
  let id: string;
  // the post's author is its account's display name: an author named EVIL writes it, and is
  // signed in (EVIL in the page header too) for the forms
  let author: Browser;

  beforeAll(async () => {
    const token = await web.tokenOf('evil', 'author', EVIL);
    id = await createPost(web, { title: EVIL, content: EVIL }, token);
    await addComment(web, id, { commenter: EVIL, comment: EVIL });
    author = await web.signIn('evil');
  });

  it.each(['/', '/?sort=title', '/?sort=title-desc', '/?sort=oldest'])(
    'on the list %s',
    async (url) => {
      expectEscaped((await web.http().get(url).expect(200)).text, url);
    },
  );

  it('on the post page (title, author, content, commenter, comment)', async () => {
    const html = (await web.http().get(`/post/${id}`).expect(200)).text;
    expectEscaped(html, 'post page');
    // title in <title> and <h1>, author, content, commenter, comment
    expect(html.split(ESCAPED_SCRIPT).length - 1).toBeGreaterThanOrEqual(6);
  });

  it('on the edit form, whose inputs hold the text exactly', async () => {
    const html = (await author.agent.get(`/edit/${id}`).expect(200)).text;
    expectEscaped(html, 'edit form');
    expect(inputValue(html, 'title')).toBe(EVIL);
  });

  it('on the delete confirmation', async () => {
    expectEscaped((await author.agent.get(`/delete/${id}`).expect(200)).text, 'delete page');
  });

  it('on a create form re-rendered after a validation error', async () => {
    const response = await author.agent
      .post('/create')
      .type('form')
      .send({ title: EVIL, content: '', _csrf: author.csrf })
      .expect(400);
    expectEscaped(response.text, 'create 400');
  });

  it('on a post page re-rendered after a comment validation error', async () => {
    const { agent, csrf } = await web.visitor();
    const response = await agent
      .post(`/post/${id}/comment`)
      .type('form')
      .send({ commenter: '', comment: EVIL, _csrf: csrf })
      .expect(400);
    expectEscaped(response.text, 'comment 400');
  });

  it('on an edit form re-rendered after a conflict', async () => {
    const response = await author.agent
      .post(`/edit/${id}`)
      .type('form')
      .send({ title: EVIL, content: EVIL, version: '1', _csrf: author.csrf })
      .expect(409);
    expectEscaped(response.text, 'edit 409');
  });

  it('in the names of unknown fields shown on a re-rendered form', async () => {
    const response = await author.agent
      .post('/create')
      .type('form')
      .send({ title: 'T', content: 'C', [EVIL]: 'x', _csrf: author.csrf })
      .expect(400);
    expectEscaped(response.text, 'unknown field');
  });
});
