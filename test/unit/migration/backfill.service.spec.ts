import {
  BackfillCheckpoint,
  BackfillService,
} from '../../../src/migration/backfill/backfill.service';
import { Leases } from '../../../src/control/lease';
import { MigrationState } from '../../../src/control/migration-state';
import { FakeReplica, fakeComment, fakePost, replicasOf } from './fake-replica';

/** The migration state as a map, keeping every checkpoint saved (copied, as it was then). */
class MemoryState {
  readonly bodies = new Map<string, unknown>();
  readonly saved: BackfillCheckpoint[] = [];
  async get<T>(name: string): Promise<T | undefined> {
    const body = this.bodies.get(name);
    return body === undefined ? undefined : (JSON.parse(JSON.stringify(body)) as T);
  }
  async put<T>(name: string, body: T): Promise<void> {
    const copy = JSON.parse(JSON.stringify(body)) as T;
    this.bodies.set(name, copy);
    this.saved.push(copy as BackfillCheckpoint);
  }
}

/** Leases as a map (no expiry: a test releases or holds them explicitly). */
class MemoryLeases extends Leases {
  readonly held = new Map<string, string>();
  constructor() {
    super(undefined as never); // no database: every lease operation below is in memory
  }
  override async acquire(name: string, holder: string) {
    const current = this.held.get(name);
    if (current && current !== holder) return false;
    this.held.set(name, holder);
    return true;
  }
  override async renew(name: string, holder: string) {
    return this.held.get(name) === holder;
  }
  override async release(name: string, holder: string) {
    if (this.held.get(name) === holder) this.held.delete(name);
  }
  override async holder(name: string) {
    return this.held.get(name);
  }
}

const backfill = (state: MemoryState, leases = new MemoryLeases()) =>
  new BackfillService(
    state as unknown as MigrationState,
    leases,
    replicasOf(new FakeReplica('mongo'), new FakeReplica('cassandra')),
  );

function sides(posts: number) {
  const source = new FakeReplica('mongo');
  const target = new FakeReplica('cassandra');
  for (let i = 0; i < posts; i++) {
    const post = fakePost();
    source.posts.set(post.id, post);
    for (let j = 0; j < 3; j++) {
      const comment = fakeComment(post.id);
      source.comments.set(comment.id, comment);
    }
  }
  return { source, target };
}

const options = { concurrency: 4, restart: false, dryRun: false, pageSize: 10 };

describe('BackfillService (logic, in-memory stores)', () => {
  it('copies every post, then every comment, page by page, and records where it stands', async () => {
    const state = new MemoryState();
    const service = backfill(state);
    const { source, target } = sides(25);
    const summary = await service.run(source, target, options);
    expect(summary).toMatchObject({
      records: { posts: 25, comments: 75 },
      already_complete: false,
    });
    expect(target.posts).toEqual(source.posts);
    expect(target.comments).toEqual(source.comments);
    // posts (in id order) all before any comment
    const firstComment = target.applied.findIndex((id) => id.startsWith('c'));
    expect(target.applied.slice(0, firstComment)).toEqual([...source.posts.keys()].sort());
    expect(await state.get('backfill:mongo->cassandra')).toMatchObject({
      stage: 'done',
      posts: 25,
      comments: 75,
      runs: 1,
    });
  });

  it('writes every page of a kind with one writer per run (a store may prepare it once)', async () => {
    const service = backfill(new MemoryState());
    const { source, target } = sides(25);
    const pages: string[] = [];
    target.onPage = async (kind) => {
      pages.push(kind.name);
    };
    await service.run(source, target, options);
    expect(target.writers).toEqual(['post', 'comment', 'account', 'credential']);
    expect(pages.filter((kind) => kind === 'post')).toHaveLength(3);
    expect(target.posts).toEqual(source.posts);
  });

  it('copies the source’s deletions last: the target loses what the source deleted', async () => {
    const state = new MemoryState();
    const service = backfill(state);
    const { source, target } = sides(5);
    // the target still holds a post (and a comment) the source has deleted since
    const gone = fakePost();
    target.posts.set(gone.id, gone);
    const orphan = fakeComment(gone.id);
    target.comments.set(orphan.id, orphan);
    source.deletions.set(gone.id, gone.version + 1);
    // and a comment deleted on its own (moderation) in the source
    const spam = fakeComment([...source.posts.keys()][0]);
    target.comments.set(spam.id, spam);
    source.commentDeletions.set(spam.id, spam.createdAt.getTime() * 1000 + 1);
    const summary = await service.run(source, target, options);
    expect(summary).toMatchObject({ records: { posts: 5, comments: 15 }, deletions: 2 });
    expect(target.posts.has(gone.id)).toBe(false);
    expect(target.comments.has(orphan.id)).toBe(false);
    expect(target.comments.has(spam.id)).toBe(false);
    expect(target.commentDeletions.get(spam.id)).toBe(source.commentDeletions.get(spam.id));
    // the posts' deletions, then the comments'
    expect(target.applied.slice(-2)).toEqual([`-${gone.id}`, `-${spam.id}`]);
    expect(await state.get('backfill:mongo->cassandra')).toMatchObject({
      stage: 'done',
      deletions: 1,
      'comment-deletions': 1,
    });
  });

  it('a page a busy store refused is written again, and the run goes on', async () => {
    const state = new MemoryState();
    const service = backfill(state);
    const { source, target } = sides(20);
    let refusals = 0;
    target.onPage = async (kind) => {
      if (kind.name === 'comment' && refusals < 2) {
        refusals++;
        // what FerretDB's SQLite backend answers to a write under contention
        throw Object.assign(new Error('database is locked (5) (SQLITE_BUSY)'), {
          name: 'MongoServerError',
        });
      }
    };
    const summary = await service.run(source, target, options);
    expect(refusals).toBe(2);
    expect(summary).toMatchObject({ records: { posts: 20, comments: 60 } });
    expect(target.comments).toEqual(source.comments);
  });

  it('a run that dies continues from the last saved position, and a finished one changes nothing', async () => {
    const state = new MemoryState();
    const service = backfill(state);
    const { source, target } = sides(40);
    let pages = 0;
    target.onPage = async (kind) => {
      if (kind.name === 'comment' && ++pages === 5) throw new Error('killed');
    };
    await expect(service.run(source, target, options)).rejects.toThrow('killed');
    const died = (await state.get<BackfillCheckpoint>('backfill:mongo->cassandra'))!;
    expect(died.stage).toBe('comments');
    expect(died.comments).toBeLessThanOrEqual(40);
    target.onPage = undefined;

    target.applied.length = 0;
    const resumed = await service.run(source, target, options);
    expect(resumed.resumed_at).toEqual({ stage: 'comments', position: died.position });
    // only what lies behind the checkpoint is copied again
    // (saves are at most once a second: here the last one may be the start of the stage)
    const after = died.position ?? '';
    expect(target.applied.every((id) => id > after)).toBe(true);
    expect(resumed.records.comments).toBe(120 - (died.comments as number));
    expect(target.comments).toEqual(source.comments);
    expect(await state.get('backfill:mongo->cassandra')).toMatchObject({
      stage: 'done',
      posts: 40,
      comments: 120,
      runs: 2,
    });

    target.applied.length = 0;
    const again = await service.run(source, target, options);
    expect(again.already_complete).toBe(true);
    expect(target.applied).toEqual([]);

    const restarted = await service.run(source, target, { ...options, restart: true });
    expect(restarted).toMatchObject({
      records: { posts: 40, comments: 120 },
      resumed_at: undefined,
    });
  });

  it('refuses to run beside another backfill of the same direction, and frees its lease when done', async () => {
    const leases = new MemoryLeases();
    const { source, target } = sides(5);
    leases.held.set('backfill:mongo->cassandra', 'other-host:42');
    const state = new MemoryState();
    const waiting = backfill(state, leases).run(source, target, { ...options, leaseWaitMs: 20 });
    await expect(waiting).rejects.toThrow(
      'another backfill mongo->cassandra is running (other-host:42); nothing was copied',
    );
    expect(target.applied).toEqual([]);
    expect(state.saved).toEqual([]);
    leases.held.clear();
    await backfill(state, leases).run(source, target, options);
    expect(leases.held.size).toBe(0);
  });

  it('a dry run counts what is left and writes nothing', async () => {
    const state = new MemoryState();
    const service = backfill(state);
    const { source, target } = sides(12);
    const summary = await service.run(source, target, { ...options, dryRun: true });
    expect(summary).toMatchObject({ dry_run: true, records: { posts: 12, comments: 36 } });
    expect(target.applied).toEqual([]);
    expect(state.saved).toEqual([]);
  });

  it('keeps to the rate limit on average', async () => {
    jest.useFakeTimers();
    try {
      const service = backfill(new MemoryState());
      const { source, target } = sides(10); // 40 records, pages of 10
      const started = Date.now();
      let done = false;
      const running = service
        .run(source, target, { ...options, rate: 100 })
        .then(() => (done = true));
      while (!done) await jest.advanceTimersByTimeAsync(10);
      await running;
      // 40 records at 100/s: each page of 10 waits until it is due, the last one at 0.4 s
      expect(Date.now() - started).toBe(400);
      expect(target.posts.size).toBe(10);
    } finally {
      jest.useRealTimers();
    }
  });
});
