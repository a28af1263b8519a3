import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MigrationFileError } from '../../../src/schema/migration-file';
import { describeMongoOperation, parseMongoMigration } from '../../../src/schema/mongo-operations';

const parse = (value: unknown) => parseMongoMigration(JSON.stringify(value), 'x.json');

describe('Mongo migration files', () => {
  it('parses the first project migration', () => {
    const file = '20261124120000-create-posts-and-comments.json';
    const content = readFileSync(join(__dirname, '../../../migrations/mongo', file), 'utf8');
    const migration = parseMongoMigration(content, file);
    expect(migration.operations.map(describeMongoOperation)).toEqual([
      'createCollection posts',
      'createCollection comments',
      'createIndex posts posts_created_at {"created_at":-1}',
      'createIndex posts posts_title {"title":1}',
      'createIndex posts posts_author {"author":1}',
      'createIndex comments comments_post_id_created_at {"post_id":1,"created_at":1}',
    ]);
  });

  it('parses the listing partitions migration: indexes, then the posts re-derived', () => {
    const file = '20261206000000-post-listing-partitions.json';
    const content = readFileSync(join(__dirname, '../../../migrations/mongo', file), 'utf8');
    expect(parseMongoMigration(content, file).operations.map(describeMongoOperation)).toEqual([
      'createCollection post_listing_partitions',
      'createIndex posts posts_month_created_at_id {"month":1,"created_at":1,"_id":1}',
      'createIndex posts posts_title_prefix_title_key_id {"title_prefix":1,"title_key":1,"_id":1}',
      'rederive posts',
    ]);
  });

  it('accepts unique indexes and dropIndex', () => {
    const migration = parse({
      description: 'd',
      operations: [
        { createIndex: { collection: 'c', key: { a: 1 }, name: 'c_a', unique: true } },
        { dropIndex: { collection: 'c', name: 'old' } },
      ],
    });
    expect(migration.operations.map(describeMongoOperation)).toEqual([
      'createIndex c c_a {"a":1} unique',
      'dropIndex c old',
    ]);
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['no description', { operations: [{ createCollection: 'a' }] }, /description/],
    ['no operations', { description: 'd', operations: [] }, /non-empty "operations"/],
    ['unknown op', { description: 'd', operations: [{ dropDatabase: 1 }] }, /unknown operation/],
    [
      'rederive of a collection without derived fields',
      { description: 'd', operations: [{ rederive: 'comments' }] },
      /rederive: comments has no derived fields \(one of: posts\)/,
    ],
    [
      'two ops in one',
      { description: 'd', operations: [{ createCollection: 'a', dropIndex: {} }] },
      /exactly one operation/,
    ],
    [
      'TTL index (FerretDB lacks it)',
      {
        description: 'd',
        operations: [
          {
            createIndex: { collection: 'c', key: { a: 1 }, name: 'i', expireAfterSeconds: 5 },
          },
        ],
      },
      /unsupported options: expireAfterSeconds/,
    ],
    [
      'text index',
      {
        description: 'd',
        operations: [{ createIndex: { collection: 'c', key: { a: 'text' }, name: 'i' } }],
      },
      /must be 1 or -1/,
    ],
    [
      'bad collection name',
      { description: 'd', operations: [{ createCollection: '$bad' }] },
      /collection\/index name/,
    ],
  ])('rejects %s', (_label, value, message) => {
    const content = typeof value === 'string' ? value : JSON.stringify(value);
    expect(() => parseMongoMigration(content, 'x.json')).toThrow(MigrationFileError);
    expect(() => parseMongoMigration(content, 'x.json')).toThrow(message);
  });
});
