import { mongo } from 'mongoose';
import { ACCOUNT_KIND } from '../../../src/kinds/account.kind';
import { BLOG_KINDS } from '../../../src/kinds/blog-kinds';
import { CREDENTIAL_KIND } from '../../../src/kinds/credential.kind';
import { POST_KIND } from '../../../src/kinds/post.kind';
import { toDocument } from '../../../src/kinds/record-kind';
import { BACKED_UP_COLLECTIONS } from '../../../src/mongo-backup/backup-format';
import { SHAPED_COLLECTIONS, shapeProblem } from '../../../src/mongo-backup/document-shapes';

const { EJSON, Double, Int32, Long } = mongo.BSON;

/** A document as the backup file holds it: canonical Extended JSON. */
const ejson = (doc: mongo.Document) =>
  EJSON.serialize(doc, { relaxed: false }) as Record<string, unknown>;

const when = new Date(Date.UTC(2025, 5, 1));
const postDoc = () =>
  toDocument(POST_KIND, {
    id: 'p1',
    title: 'Hello',
    content: 'World',
    author: 'Ada',
    ownerId: 'acc-1',
    createdAt: when,
    updatedAt: when,
    version: 1_776_000_000_000_000,
  });
const accountDoc = () =>
  toDocument(ACCOUNT_KIND, {
    id: 'acc-1',
    username: 'ada',
    name: 'Ada',
    role: 'admin',
    passwordHash: 'scrypt$x',
    disabled: false,
    createdAt: when,
    updatedAt: when,
    version: 7,
  });

describe('document shapes: every backed-up document checked against its declaration', () => {
  it('declares a shape for every backed-up collection, from the record kinds', () => {
    expect([...SHAPED_COLLECTIONS].sort()).toEqual([...BACKED_UP_COLLECTIONS].sort());
    for (const kind of BLOG_KINDS) expect(SHAPED_COLLECTIONS).toContain(kind.mongo.collection);
  });

  it('accepts what the app writes, with any integer BSON type, and an old post without owner_id', () => {
    expect(shapeProblem('posts', ejson(postDoc()))).toBeUndefined();
    expect(shapeProblem('accounts', ejson(accountDoc()))).toBeUndefined();
    for (const version of [new Double(5), new Int32(5), Long.fromNumber(5)]) {
      expect(shapeProblem('posts', ejson({ ...postDoc(), version }))).toBeUndefined();
    }
    const old = ejson(postDoc());
    delete old.owner_id;
    expect(shapeProblem('posts', old)).toBeUndefined();
    // a backup taken before the listing partitions: a restore derives them
    const beforePartitions = ejson(postDoc());
    delete beforePartitions.month;
    delete beforePartitions.title_prefix;
    expect(shapeProblem('posts', beforePartitions)).toBeUndefined();
    expect(shapeProblem('posts', { ...ejson(postDoc()), month: 7 })).toBe(
      'field month is not text',
    );
    expect(
      shapeProblem(
        'credentials',
        ejson(
          toDocument(CREDENTIAL_KIND, {
            id: 'c',
            accountId: 'a',
            type: 'token',
            secretHash: 'h',
            label: 'ci',
            createdAt: when,
            usedAt: when,
            version: 1,
          }),
        ),
      ),
    ).toBeUndefined();
    expect(
      shapeProblem('deleted_posts', ejson({ _id: 'p', deleted_at: new Double(1.7e15) })),
    ).toBeUndefined();
    expect(
      shapeProblem(
        'hints',
        ejson({
          _id: 'post:p',
          entity: 'post',
          id: 'p',
          post_id: 'p',
          op: 'delete',
          at: 1,
          error: '',
        }),
      ),
    ).toBeUndefined();
  });

  it.each<[string, string, (doc: Record<string, unknown>) => void, string]>([
    ['posts', 'a missing field', (d) => delete d.title, 'field title is missing'],
    ['posts', 'a missing derived field', (d) => delete d.title_key, 'field title_key is missing'],
    ['posts', 'null in a required field', (d) => (d.content = null), 'field content is missing'],
    ['posts', 'a number for text', (d) => (d.title = 42), 'field title is not text'],
    ['posts', 'an operator for text', (d) => (d.author = { $ne: '' }), 'field author is not text'],
    ['posts', 'text for an integer', (d) => (d.version = '7'), 'field version is not integer'],
    [
      'posts',
      'a fraction',
      (d) => (d.version = { $numberDouble: '1.5' }),
      'field version is not integer',
    ],
    [
      'posts',
      'an empty double',
      (d) => (d.version = { $numberDouble: '' }),
      'field version is not integer',
    ],
    [
      'posts',
      'an unsafe integer',
      (d) => (d.version = { $numberLong: '9007199254740993' }),
      'field version is not integer',
    ],
    [
      'posts',
      'a string date',
      (d) => (d.created_at = '2025-06-01'),
      'field created_at is not date',
    ],
    [
      'posts',
      'a date with extras',
      (d) => (d.created_at = { $date: { $numberLong: '1' }, x: 1 }),
      'field created_at is not date',
    ],
    [
      'posts',
      'an unknown field',
      (d) => (d.is_admin = true),
      'field "is_admin" is not a posts field',
    ],
    [
      'posts',
      'a prototype key',
      (d) => Object.defineProperty(d, '__proto__', { value: {}, enumerable: true }),
      'field "__proto__" is not a posts field',
    ],
    [
      'accounts',
      'text for a boolean',
      (d) => (d.disabled = 'false'),
      'field disabled is not boolean',
    ],
    ['accounts', 'an array for text', (d) => (d.role = ['admin']), 'field role is not text'],
  ])('refuses a %s document with %s', (collection, _what, change, problem) => {
    const doc = ejson(collection === 'posts' ? postDoc() : accountDoc());
    change(doc);
    expect(shapeProblem(collection, doc)).toBe(problem);
  });

  it('refuses tombstones and hints that are not theirs', () => {
    expect(shapeProblem('deleted_posts', { _id: 'p', deleted_at: 'now' })).toBe(
      'field deleted_at is not integer',
    );
    expect(shapeProblem('comment_deletions', { _id: 7, deleted_at: { $numberInt: '1' } })).toBe(
      'field _id is not text',
    );
    expect(shapeProblem('hints', { _id: 'x' })).toBe('field entity is missing');
  });

  it("accepts a hint with or without its request's id, and only as text", () => {
    const hint = {
      _id: 'post:p1',
      entity: 'post',
      id: 'p1',
      post_id: 'p1',
      op: 'upsert',
      at: { $numberLong: '1776000000000000' },
      error: 'timed out',
    };
    expect(shapeProblem('hints', hint)).toBeUndefined();
    expect(shapeProblem('hints', { ...hint, request_id: 'req-1' })).toBeUndefined();
    expect(shapeProblem('hints', { ...hint, request_id: { $numberInt: '1' } })).toBe(
      'field request_id is not text',
    );
  });
});
