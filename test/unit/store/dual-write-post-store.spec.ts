import { Logger } from '@nestjs/common';
import {
  DualWritePostStore,
  DualWritePrimaryError,
} from '../../../src/store/dual-write/dual-write-post-store';
import { Hint, HintLog } from '../../../src/store/hints/hint-log';
import { Comment, Post, PostStore } from '../../../src/store/post-store';
import { newId, nextVersion } from '../../../src/store/versions';
import { KindRecord, RecordKind } from '../../../src/kinds/record-kind';
import { Replica } from '../../../src/store/replica';
import { SecondaryCopier } from '../../../src/store/dual-write/secondary-copier';

/** Records the calls it gets; `fail` makes every write reject, `hang` never answer. */
class FakeStore extends PostStore {
  calls: string[] = [];
  fail = false;
  hang = false;
  constructor(readonly name: string) {
    super();
  }
  private write<T>(call: string, value: T): Promise<T> {
    this.calls.push(call);
    if (this.hang) return new Promise<T>(() => undefined);
    return this.fail
      ? Promise.reject(new Error(`${this.name} is down\nstack`))
      : Promise.resolve(value);
  }
  createPost = (p: Post) => this.write(`createPost ${p.id}`, undefined);
  updatePost = (p: Post) => this.write(`updatePost ${p.id}`, !p.title.startsWith('conflict'));
  deletePost = (p: Post) => this.write(`deletePost ${p.id}`, true);
  addComment = (c: Comment) => this.write(`addComment ${c.id}`, !c.comment.startsWith('gone'));
  // as a secondary: the replica writes of the Replica port, recorded the same way
  apply = (kind: RecordKind, record: KindRecord, before?: KindRecord | null) =>
    kind.name === 'comment'
      ? this.write(`applyComment ${record.id}`, undefined)
      : this.write(
          `applyPost ${record.id}@${(record as Post).version} after ${before === null ? 'none' : ((before as Post | undefined)?.version ?? '?')}`,
          undefined,
        );
  applyDelete = (kind: RecordKind, id: string, at: number, last?: KindRecord) =>
    kind.name === 'comment'
      ? this.write(`applyDeleteComment ${id}@${at} of ${last ? 'known' : '?'}`, undefined)
      : this.write(
          `applyDelete ${id}@${at} last ${(last as Post | undefined)?.version ?? '?'}`,
          undefined,
        );
  /** this fake as the secondary's Replica (only its replica writes are called) */
  asReplica(): Replica {
    return this as unknown as Replica;
  }
  getPost = () => Promise.resolve(null);
  getComment = () => Promise.resolve(null);
  deleteComment = (c: Comment) =>
    this.write(`deleteComment ${c.id}`, !c.comment.startsWith('gone'));
  listComments = () => Promise.resolve({ items: [] });
  listPosts = () => Promise.resolve({ items: [] });
  countComments = () => Promise.resolve(0);
  authorStats = () => Promise.resolve([]);
  totals = () => Promise.resolve({ posts: 0, comments: 0 });
}

class FakeHints extends HintLog {
  readonly store = 'primary';
  hints: Hint[] = [];
  fail = false;
  record(hint: Hint) {
    if (this.fail) return Promise.reject(new Error('hint store down'));
    this.hints.push(hint);
    return Promise.resolve();
  }
  pending = () => Promise.resolve(this.hints.length);
  list = () => Promise.resolve(this.hints);
  remove = () => Promise.resolve();
}

const post = (title = 'T'): Post => {
  const now = new Date();
  return {
    id: newId(),
    title,
    content: 'c',
    author: 'a',
    ownerId: '',
    createdAt: now,
    updatedAt: now,
    version: nextVersion(),
  };
};

describe('DualWritePostStore', () => {
  let primary: FakeStore;
  let secondary: FakeStore;
  let hints: FakeHints;
  let dual: DualWritePostStore;
  let copier: SecondaryCopier;

  beforeEach(() => {
    primary = new FakeStore('mongo');
    secondary = new FakeStore('cassandra');
    hints = new FakeHints();
    copier = new SecondaryCopier('mongo', secondary.asReplica(), hints, {
      secondaryTimeoutMs: 50,
      maxInFlight: 3,
    });
    dual = new DualWritePostStore(primary, copier);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('writes the primary first, then copies the same version to the secondary, naming its predecessor', async () => {
    const p = post();
    await dual.createPost(p);
    const next = { ...p, version: nextVersion(p.version) };
    expect(await dual.updatePost(next, p)).toBe(true);
    await dual.deletePost(next, next.version + 1);
    await copier.drain();
    expect(primary.calls).toEqual([
      `createPost ${p.id}`,
      `updatePost ${p.id}`,
      `deletePost ${p.id}`,
    ]);
    expect(secondary.calls).toEqual([
      `applyPost ${p.id}@${p.version} after none`,
      `applyPost ${p.id}@${next.version} after ${p.version}`,
      `applyDelete ${p.id}@${next.version + 1} last ${next.version}`,
    ]);
    expect(dual.name).toBe('dual-write(mongo→cassandra)');
  });

  it('a failed primary fails the request and writes nothing to the secondary', async () => {
    primary.fail = true;
    const p = post();
    const failure = dual.createPost(p);
    await expect(failure).rejects.toBeInstanceOf(DualWritePrimaryError);
    await expect(failure).rejects.toThrow(
      `mongo (primary) failed to create post ${p.id}: mongo is down`,
    );
    await expect(dual.updatePost(p, p)).rejects.toBeInstanceOf(DualWritePrimaryError);
    expect(secondary.calls).toEqual([]);
    expect(hints.hints).toEqual([]);
  });

  it('a conditional update the primary refuses is not copied', async () => {
    const conflict = post('conflict');
    expect(await dual.updatePost(conflict, conflict)).toBe(false);
    expect(secondary.calls).toEqual([]);
  });

  it('a comment the primary refuses (its post was deleted meanwhile) is not copied', async () => {
    const p = post();
    const comment = (text: string): Comment => ({
      id: newId(),
      postId: p.id,
      commenter: 'b',
      comment: text,
      createdAt: new Date(),
    });
    const kept = comment('kept');
    expect(await dual.addComment(kept)).toBe(true);
    expect(await dual.addComment(comment('gone with its post'))).toBe(false);
    await copier.drain();
    expect(secondary.calls).toEqual([`applyComment ${kept.id}`]);
  });

  it('deletes a comment on the primary, then copies the deletion with the comment as deleted', async () => {
    const p = post();
    const kept: Comment = {
      id: newId(),
      postId: p.id,
      commenter: 'b',
      comment: 'spam',
      createdAt: new Date(),
    };
    const gone = { ...kept, id: newId(), comment: 'gone already' };
    expect(await dual.deleteComment(kept, 123)).toBe(true);
    // the primary found nothing to delete: nothing to copy either
    expect(await dual.deleteComment(gone, 124)).toBe(false);
    await dual.drain();
    expect(primary.calls).toEqual([`deleteComment ${kept.id}`, `deleteComment ${gone.id}`]);
    expect(secondary.calls).toEqual([`applyDeleteComment ${kept.id}@123 of known`]);
  });

  it('a comment deletion the primary fails is refused and not copied; a missed copy is hinted', async () => {
    const p = post();
    const comment: Comment = {
      id: newId(),
      postId: p.id,
      commenter: 'b',
      comment: 'spam',
      createdAt: new Date(),
    };
    primary.fail = true;
    await expect(dual.deleteComment(comment, 99)).rejects.toThrow(
      `mongo (primary) failed to delete comment ${comment.id}: mongo is down`,
    );
    expect(secondary.calls).toEqual([]);
    primary.fail = false;
    secondary.fail = true;
    expect(await dual.deleteComment(comment, 100)).toBe(true);
    await dual.drain();
    expect(hints.hints.map(({ entity, id, postId, op }) => ({ entity, id, postId, op }))).toEqual([
      { entity: 'comment', id: comment.id, postId: p.id, op: 'delete' },
    ]);
  });

  it('a failed secondary does not fail the request: the miss is logged and hinted in the primary', async () => {
    secondary.fail = true;
    const p = post();
    await dual.createPost(p);
    const comment: Comment = {
      id: newId(),
      postId: p.id,
      commenter: 'b',
      comment: 'x',
      createdAt: new Date(),
    };
    await dual.addComment(comment);
    await dual.deletePost(p, p.version + 5);
    await copier.drain();
    expect(
      hints.hints.map(({ entity, id, postId, op, error }) => ({ entity, id, postId, op, error })),
    ).toEqual([
      { entity: 'post', id: p.id, postId: p.id, op: 'upsert', error: 'cassandra is down' },
      { entity: 'comment', id: comment.id, postId: p.id, op: 'upsert', error: 'cassandra is down' },
      { entity: 'post', id: p.id, postId: p.id, op: 'delete', error: 'cassandra is down' },
    ]);
    expect(hints.hints[0].at).toBeLessThan(hints.hints[2].at);
    expect(copier.counters).toEqual({ writes: 3, inFlight: 0, missed: 3, unhinted: 0 });
    expect(Logger.prototype.warn).toHaveBeenCalledWith(
      expect.stringContaining(`upsert of post ${p.id}`),
    );
  });

  it('answers once the primary has the write; a copy slower than the timeout is hinted', async () => {
    jest.useFakeTimers();
    secondary.hang = true;
    await dual.createPost(post());
    expect(copier.counters.inFlight).toBe(1);
    expect(hints.hints).toHaveLength(0);
    const started = Date.now();
    const draining = copier.drain();
    await jest.advanceTimersByTimeAsync(50); // the secondary's timeout
    await draining;
    expect(Date.now() - started).toBe(50);
    expect(copier.counters.inFlight).toBe(0);
    expect(hints.hints).toHaveLength(1);
    expect(hints.hints[0].error).toContain('did not answer within 50 ms');
  });

  it('makes writers wait for their own copy once maxInFlight copies are running', async () => {
    jest.useFakeTimers();
    secondary.hang = true;
    for (let i = 0; i < 3; i++) await dual.createPost(post());
    expect(copier.counters.inFlight).toBe(3);
    const started = Date.now();
    let answered = false;
    const fourth = dual.createPost(post()).then(() => (answered = true)); // waits for its copy
    await jest.advanceTimersByTimeAsync(49);
    expect(answered).toBe(false);
    await jest.advanceTimersByTimeAsync(1); // its copy times out: hinted, and the writer answered
    await fourth;
    expect(Date.now() - started).toBe(50);
    await copier.drain();
    expect(hints.hints).toHaveLength(4);
  });

  it('a miss whose hint cannot be stored is logged as an error and counted, the request still succeeds', async () => {
    secondary.fail = true;
    hints.fail = true;
    const p = post();
    await expect(dual.createPost(p)).resolves.toBeUndefined();
    await copier.drain();
    expect(copier.counters.unhinted).toBe(1);
    expect(Logger.prototype.error).toHaveBeenCalledWith(expect.stringContaining(p.id));
  });
});
