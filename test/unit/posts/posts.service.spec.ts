import { AppConfig } from '../../../src/config/app-config';
import { PostsService } from '../../../src/posts/posts.service';
import {
  DeleteConflictException,
  EditConflictException,
  PostNotFoundException,
} from '../../../src/posts/post-errors';
import { InputValidationException } from '../../../src/common/validation/input-validation';
import { MAX_WRITE_ATTEMPTS } from '../../../src/common/backoff';
import { isValidId } from '../../../src/store/versions';
import { FakePostStore } from './fake-post-store';
import { testAccount } from '../../support/test-accounts';

const owner = testAccount({ name: 'Bo' });

const input = { title: 'New title', content: 'New content' };

// Fake timers (Date and the backoff's setTimeout): versions are read off a clock the test sets,
// and a write that loses races pauses without taking real time.
describe('PostsService', () => {
  let store: FakePostStore;
  let service: PostsService;

  beforeEach(() => {
    jest.useFakeTimers();
    store = new FakePostStore();
    service = new PostsService(store, { commentsPerPost: 1000 } as AppConfig);
  });
  afterEach(() => jest.useRealTimers());

  /** Settles a write, running the pauses (backoff) between its attempts on the fake clock. */
  async function withPauses<T>(write: Promise<T>): Promise<T> {
    const outcome = write.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await jest.runAllTimersAsync();
    const settled = await outcome;
    if ('error' in settled) throw settled.error;
    return settled.value;
  }

  async function seed() {
    return service.create({ title: 'Old', content: 'Old content' }, owner);
  }

  it('creates a post with a fresh id, equal millisecond timestamps and a version', async () => {
    // a moment later than any version this file made before, so the version is exactly now's
    const now = Date.now() + 60_000;
    jest.setSystemTime(now);
    const post = await seed();
    expect(isValidId(post.id)).toBe(true);
    expect(post.createdAt).toEqual(post.updatedAt);
    expect(post.createdAt).toEqual(new Date(now));
    expect(post.version).toBe(now * 1000);
    expect(store.posts.get(post.id)).toEqual(post);
  });

  describe('update', () => {
    it('writes the next version, keeping id and createdAt', async () => {
      const post = await seed();
      const next = await service.update(post.id, input, owner, post.version);
      expect(next).toMatchObject({ ...input, id: post.id, createdAt: post.createdAt });
      expect(next.version).toBeGreaterThan(post.version);
      expect(next.updatedAt.getTime()).toBeGreaterThanOrEqual(post.updatedAt.getTime());
      expect(store.posts.get(post.id)).toEqual(next);
    });

    it('is a conflict, changing nothing, when the client read an older version', async () => {
      const post = await seed();
      store.bump(post.id, 'Their title');
      const error = await service
        .update(post.id, input, owner, post.version)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EditConflictException);
      expect((error as EditConflictException).current.title).toBe('Their title');
      expect((error as EditConflictException).current.version).toBe(post.version + 1);
      expect(store.posts.get(post.id)?.title).toBe('Their title');
      expect(store.calls.updatePost).toBe(0);
    });

    it('is a conflict when someone else writes between our read and our write', async () => {
      const post = await seed();
      store.beforeWrite = (id) => {
        store.beforeWrite = undefined;
        store.bump(id, 'Raced');
      };
      const error = await withPauses(service.update(post.id, input, owner, post.version)).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(EditConflictException);
      expect((error as EditConflictException).current.title).toBe('Raced');
      expect(store.posts.get(post.id)?.title).toBe('Raced');
    });

    it('without a client version, retries a lost race on the fresh post (last writer wins)', async () => {
      const post = await seed();
      let races = 3;
      store.beforeWrite = (id) => {
        if (races-- > 0) store.bump(id, 'Raced');
      };
      const next = await withPauses(service.update(post.id, input, owner));
      expect(store.calls.updatePost).toBe(4);
      expect(store.posts.get(post.id)).toEqual(next);
      expect(next.title).toBe('New title');
      expect(next.version).toBeGreaterThan(post.version + 3);
    });

    it('gives up with a conflict after MAX_WRITE_ATTEMPTS lost races', async () => {
      const post = await seed();
      store.beforeWrite = (id) => store.bump(id);
      await expect(withPauses(service.update(post.id, input, owner))).rejects.toBeInstanceOf(
        EditConflictException,
      );
      expect(store.calls.updatePost).toBe(MAX_WRITE_ATTEMPTS);
    });

    it('is a 404 when the post is gone, also after a lost race', async () => {
      await expect(service.update('0'.repeat(24), input, owner)).rejects.toBeInstanceOf(
        PostNotFoundException,
      );
      const post = await seed();
      store.beforeWrite = (id) => store.posts.delete(id);
      await expect(withPauses(service.update(post.id, input, owner))).rejects.toBeInstanceOf(
        PostNotFoundException,
      );
    });
  });

  describe('delete', () => {
    it('deletes with a deletion version after the post version', async () => {
      const post = await seed();
      await expect(service.delete(post.id, owner)).resolves.toMatchObject({ id: post.id });
      expect(store.posts.has(post.id)).toBe(false);
    });

    it('re-reads and retries when the post changed meanwhile', async () => {
      const post = await seed();
      let races = 2;
      store.beforeWrite = (id) => {
        if (races-- > 0) store.bump(id);
      };
      await withPauses(service.delete(post.id, owner));
      expect(store.calls.deletePost).toBe(3);
      expect(store.posts.has(post.id)).toBe(false);
    });

    it('is a 404 when someone else deleted it first', async () => {
      const post = await seed();
      store.beforeWrite = (id) => store.posts.delete(id);
      await expect(withPauses(service.delete(post.id, owner))).rejects.toBeInstanceOf(
        PostNotFoundException,
      );
    });

    it('gives up with a conflict after MAX_WRITE_ATTEMPTS', async () => {
      const post = await seed();
      store.beforeWrite = (id) => store.bump(id);
      await expect(withPauses(service.delete(post.id, owner))).rejects.toBeInstanceOf(
        DeleteConflictException,
      );
      expect(store.calls.deletePost).toBe(MAX_WRITE_ATTEMPTS);
    });
  });

  it.each(['nope', '', '0'.repeat(23), 'G'.repeat(24), '0'.repeat(24) + ' ', '$where'])(
    'treats the malformed id %j as 404 without asking the store',
    async (id) => {
      await expect(service.get(id)).rejects.toBeInstanceOf(PostNotFoundException);
      await expect(service.update(id, input, owner)).rejects.toBeInstanceOf(PostNotFoundException);
      await expect(service.delete(id, owner)).rejects.toBeInstanceOf(PostNotFoundException);
      expect(store.calls.getPost).toBe(0);
    },
  );

  it('turns a cursor the store rejects into a 400 naming the cursor', async () => {
    const error = await service
      .list({ sort: 'newest', cursor: 'bad', limit: 20 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationException);
    expect(Object.keys((error as InputValidationException).errors)).toEqual(['cursor']);
  });
});
