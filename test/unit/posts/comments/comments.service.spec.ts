import { AppConfig } from '../../../../src/config/app-config';
import {
  CommentLimitException,
  CommentsService,
} from '../../../../src/posts/comments/comments.service';
import { InputValidationException } from '../../../../src/common/validation/input-validation';
import { PostNotFoundException } from '../../../../src/posts/post-errors';
import { PostsService } from '../../../../src/posts/posts.service';
import { isValidId } from '../../../../src/store/versions';
import { FakePostStore } from '../fake-post-store';
import { testAccount } from '../../../support/test-accounts';

describe('CommentsService', () => {
  let store: FakePostStore;
  let comments: CommentsService;
  let postId: string;
  // a small COMMENTS_PER_POST, so the tests can reach it
  const config = { commentsPerPost: 8 } as AppConfig;

  beforeEach(async () => {
    store = new FakePostStore();
    comments = new CommentsService(store, config);
    posts = new PostsService(store, config);
    postId = (await posts.create({ title: 'T', content: 'C' }, testAccount())).id;
  });
  let posts: PostsService;

  it('adds a comment with a fresh id to an existing post', async () => {
    const comment = await comments.add(postId, { commenter: 'Bo', comment: 'Hi' });
    expect(isValidId(comment.id)).toBe(true);
    expect(store.comments).toEqual([comment]);
    expect(comment).toMatchObject({ postId, commenter: 'Bo', comment: 'Hi' });
  });

  it('refuses a comment on an unknown or malformed post id, storing nothing', async () => {
    for (const id of ['0'.repeat(24), 'nope']) {
      await expect(comments.add(id, { commenter: 'Bo', comment: 'Hi' })).rejects.toBeInstanceOf(
        PostNotFoundException,
      );
    }
    expect(store.comments).toEqual([]);
  });

  it('pages a thread, and counts what a deletion removes without reading the comments', async () => {
    for (let i = 0; i < 7; i++) await comments.add(postId, { commenter: 'Bo', comment: `${i}` });
    const first = await comments.thread(postId, undefined, 5);
    expect(first.comments.items.map((c) => c.comment)).toEqual(['0', '1', '2', '3', '4']);
    const second = await comments.thread(postId, first.comments.next, 5);
    expect(second.comments.items.map((c) => c.comment)).toEqual(['5', '6']);
    expect(second.comments.next).toBeUndefined();
    // what deleting the post removes with it (the delete confirmation page says so)
    await expect(posts.commentsOf(postId)).resolves.toEqual({ count: 7, more: false });
  });

  it('refuses the comment past COMMENTS_PER_POST with a 409, storing nothing', async () => {
    for (let i = 0; i < 8; i++) await comments.add(postId, { commenter: 'Bo', comment: `${i}` });
    const refused = await comments
      .add(postId, { commenter: 'Bo', comment: 'one too many' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CommentLimitException);
    expect((refused as CommentLimitException).getStatus()).toBe(409);
    expect((refused as CommentLimitException).message).toContain('limit of 8 comments');
    expect(store.comments).toHaveLength(8);
    // each add counted no further than the limit
    expect(store.countCalls.every((upTo) => upTo === 8)).toBe(true);
    // an unknown post is still a 404, not a 409
    await expect(
      comments.add('0'.repeat(24), { commenter: 'Bo', comment: 'Hi' }),
    ).rejects.toBeInstanceOf(PostNotFoundException);
  });

  it('tells the post page when the form is closed, without a count when one page shows it all', async () => {
    for (let i = 0; i < 7; i++) await comments.add(postId, { commenter: 'Bo', comment: `${i}` });
    const open = await comments.thread(postId);
    const before = store.calls.countComments;
    await expect(comments.closedMessage(postId, open.comments)).resolves.toBeUndefined();
    expect(store.calls.countComments).toBe(before);
    await comments.add(postId, { commenter: 'Bo', comment: 'the last one' });
    const full = await comments.thread(postId);
    await expect(comments.closedMessage(postId, full.comments)).resolves.toBe(
      'This post has reached its limit of 8 comments; no more comments can be added.',
    );
    // a first page with more after it: counted (up to the limit)
    const paged = await comments.thread(postId, undefined, 5);
    await expect(comments.closedMessage(postId, paged.comments)).resolves.toContain('limit of 8');
    expect(store.calls.countComments).toBe(before + 2); // the add's count, and this one
  });

  it('says "more than" the limit on the delete page when adds raced past it', async () => {
    for (let i = 0; i < 8; i++) await comments.add(postId, { commenter: 'Bo', comment: `${i}` });
    await expect(posts.commentsOf(postId)).resolves.toEqual({ count: 8, more: false });
    // a ninth, as two adds racing at the limit can leave
    await store.addComment({ ...store.comments[0], id: 'f'.repeat(24) });
    await expect(posts.commentsOf(postId)).resolves.toEqual({ count: 8, more: true });
    expect(store.countCalls.at(-1)).toBe(9);
  });

  it('turns a bad comments cursor into a 400 naming the parameter', async () => {
    const error = await comments.thread(postId, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationException);
    expect(Object.keys((error as InputValidationException).errors)).toEqual(['comments']);
  });
});
