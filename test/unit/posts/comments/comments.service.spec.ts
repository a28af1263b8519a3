import { CommentsService } from '../../../../src/posts/comments/comments.service';
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

  beforeEach(async () => {
    store = new FakePostStore();
    comments = new CommentsService(store);
    postId = (await new PostsService(store).create({ title: 'T', content: 'C' }, testAccount())).id;
  });

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

  it('pages a thread and counts every comment across pages', async () => {
    for (let i = 0; i < 7; i++) await comments.add(postId, { commenter: 'Bo', comment: `${i}` });
    const first = await comments.thread(postId, undefined, 5);
    expect(first.comments.items.map((c) => c.comment)).toEqual(['0', '1', '2', '3', '4']);
    const second = await comments.thread(postId, first.comments.next, 5);
    expect(second.comments.items.map((c) => c.comment)).toEqual(['5', '6']);
    expect(second.comments.next).toBeUndefined();
    // what deleting the post removes with it (the delete confirmation page says so)
    await expect(new PostsService(store).countComments(postId)).resolves.toBe(7);
  });

  it('turns a bad comments cursor into a 400 naming the parameter', async () => {
    const error = await comments.thread(postId, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationException);
    expect(Object.keys((error as InputValidationException).errors)).toEqual(['comments']);
  });
});
