import { Page } from 'playwright-core';
import { CheckedPage, WIDTHS } from './support/checked-page';
import { signIn, useBrowserApp } from './support/browser-app';

/**
 * The blog as people use it, in Chromium at a phone's and a desktop's width, on the real stores
 * in dual-write (both stores written): an author signs in, writes, comments, edits and deletes;
 * an anonymous reader comments; an admin removes a comment. Every page is checked by
 * CheckedPage.check: no console error, no serious or critical axe-core violation, no sideways
 * scrolling; its screenshot is kept in test-results/screenshots/.
 */
const web = useBrowserApp('browser_blog', 'dual-write');

beforeAll(async () => {
  await web.account('ada', 'author', 'Ada Lovelace');
  await web.account('grace', 'admin', 'Grace Hopper');
});

describe.each(WIDTHS)('the blog at %ipx', (width) => {
  let author: CheckedPage;
  let reader: CheckedPage;
  let admin: CheckedPage;
  let postId = '';
  const title = `A post read at ${width}px`;
  const readerComment = `A reader's thoughts at ${width}px`;
  const authorComment = `The author answers at ${width}px`;

  beforeAll(async () => {
    author = await web.person(width);
    reader = await web.person(width);
    admin = await web.person(width);
  });

  it('signs the author in through the login form', async () => {
    const { page } = author;
    await author.goto('/');
    await author.check('home-anonymous');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Sign in' })
      .click();
    await page.waitForURL('**/login');
    await author.check('sign-in');
    await signIn(author, 'ada');
    await expectText(page.locator('[data-flash="signedIn"]'), 'You are signed in.');
    await expectText(page.locator('[data-signed-in="ada"]'), 'Ada Lovelace');
    await author.check('signed-in');
  });

  it('writes a post', async () => {
    const { page } = author;
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Write' })
      .click();
    await page.waitForURL('**/create');
    await author.check('write-form');
    await page.getByLabel('Title').fill(title);
    await page
      .getByLabel('Content')
      .fill('First paragraph.\n\nSecond paragraph, long enough to wrap on a phone.');
    await Promise.all([
      page.waitForURL(/\/post\/[0-9a-f]{24}$/),
      page.getByRole('button', { name: 'Publish' }).click(),
    ]);
    postId = /\/post\/([0-9a-f]{24})/.exec(page.url())![1];
    await expectText(page.locator('[data-flash="created"]'), 'Your post was published.');
    await expectText(page.getByRole('heading', { level: 1 }), title);
    await author.check('post');
  });

  it('takes a comment from an anonymous reader', async () => {
    const { page } = reader;
    await reader.goto('/');
    await page.getByRole('link', { name: title }).click();
    await page.waitForURL(`**/post/${postId}`);
    await expectText(page.locator('.comments h2'), /no comments|comments/i);
    await page.getByLabel('Your name').fill('A reader');
    await commentBox(page).fill(readerComment);
    await page.getByRole('button', { name: 'Post comment' }).click();
    await page.waitForSelector('[data-flash="commented"]');
    await expectText(
      page.locator('[data-comment-id]').filter({ hasText: readerComment }).locator('strong'),
      'A reader',
    );
    // a reader may not moderate
    expect(await page.locator('[data-delete-comment]').count()).toBe(0);
    await reader.check('comment-anonymous');
  });

  it('takes a comment from the signed-in author, under their name', async () => {
    const { page } = author;
    await author.goto(`/post/${postId}`);
    await expectText(page.locator('#comment-form .meta'), 'Commenting as Ada Lovelace.');
    await commentBox(page).fill(authorComment);
    await page.getByRole('button', { name: 'Post comment' }).click();
    await page.waitForSelector('[data-flash="commented"]');
    await expectText(
      page.locator('[data-comment-id]').filter({ hasText: authorComment }).locator('strong'),
      'Ada Lovelace',
    );
    await author.check('comment-author');
  });

  it('edits the post', async () => {
    const { page } = author;
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.waitForURL(`**/edit/${postId}`);
    await author.check('edit-form');
    await page.getByLabel('Title').fill(`${title} (edited)`);
    await Promise.all([
      page.waitForURL(`**/post/${postId}`),
      page.getByRole('button', { name: /save/i }).click(),
    ]);
    await expectText(page.locator('[data-flash="updated"]'), 'Your changes were saved.');
    await expectText(page.getByRole('heading', { level: 1 }), `${title} (edited)`);
    await author.check('edited');
  });

  it('lets an admin delete a comment through its form', async () => {
    const { page } = admin;
    await signIn(admin, 'grace');
    await admin.goto(`/post/${postId}`);
    const comment = page.locator('[data-comment-id]').filter({ hasText: readerComment });
    await admin.check('moderation');
    await comment.getByRole('button', { name: 'Delete comment' }).click();
    await page.waitForSelector('[data-flash="commentDeleted"]');
    expect(await page.locator('[data-comment-id]').filter({ hasText: readerComment }).count()).toBe(
      0,
    );
    expect(await page.locator('[data-comment-id]').filter({ hasText: authorComment }).count()).toBe(
      1,
    );
    await admin.check('moderated');
  });

  it('shows the admin the accounts, their own account and the audit trail', async () => {
    const { page } = admin;
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Accounts' })
      .click();
    await page.waitForURL('**/admin/users');
    expect(await page.locator('tr[data-account]').count()).toBeGreaterThanOrEqual(2);
    await admin.check('accounts');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Grace Hopper' })
      .click();
    await page.waitForURL('**/account');
    await admin.check('account');
    // the moderation just done is in the audit trail, by this admin
    await admin.goto('/admin/audit');
    const deletion = page.locator('[data-audit-id]').filter({ hasText: 'comment.delete' }).first();
    expect(await deletion.locator('.meta').textContent()).toContain('grace');
    await admin.check('audit');
  });

  it('deletes the post after asking', async () => {
    const { page } = author;
    await author.goto(`/post/${postId}`);
    await page.getByRole('link', { name: 'Delete…' }).click();
    await page.waitForURL(`**/delete/${postId}`);
    await expectText(page.locator('[data-delete-confirm]'), /also deletes its 1 comment\./);
    await author.check('delete-confirm');
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/'),
      page.getByRole('button', { name: 'Delete post' }).click(),
    ]);
    await expectText(
      page.locator('[data-flash="deleted"]'),
      'The post and its comments were deleted.',
    );
    expect(await page.locator(`[data-post-id="${postId}"]`).count()).toBe(0);
    await author.check('deleted');
    // gone for readers too (asked outside the page: a 404 document is a console error by design)
    expect((await reader.context.request.get(`/post/${postId}`)).status()).toBe(404);
  });
});

/** The comment form's textarea (its label starts with "Comment"; the section is "Comments"). */
function commentBox(page: Page) {
  return page.getByRole('textbox', { name: /^Comment\b/ });
}

async function expectText(
  locator: { textContent(): Promise<string | null> },
  expected: string | RegExp,
): Promise<void> {
  const text = ((await locator.textContent()) ?? '').trim();
  if (typeof expected === 'string') expect(text).toBe(expected);
  else expect(text).toMatch(expected);
}
