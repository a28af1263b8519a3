import { getConnectionToken } from '@nestjs/mongoose';
import { access, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, mongo } from 'mongoose';
import { cli, cliEnvOf } from '../helpers/migration';
import {
  BACKUP_COLLECTIONS,
  backupLines,
  collectionNames,
  mongoDocuments,
  seedBackupData,
} from '../helpers/mongo-backup';
import { SchemaService } from '../../../src/schema/schema.service';
import { StoreModule, storeModule } from '../helpers/store-module';
import { mongoSchema } from '../helpers/stores';

const BACKUP_KEY = 'roundtrip-backup-key-0123456789abcdef';

/** What cleanup drops: the backed-up data, the post locks and the migration records. */
const DROPPED = [
  ...BACKUP_COLLECTIONS,
  'post_locks',
  'post_listing_partitions',
  'schema_migrations',
];
const partitionsOf = (db: mongo.Db) =>
  db.collection('post_listing_partitions').find({}).sort({ _id: 1 }).toArray();

describe('mongo backup → cleanup → restore round trip, backup arguments (real servers)', () => {
  let m: StoreModule;
  let db: mongo.Db;
  let env: Record<string, string>;
  let dir: string;
  let counts: Record<string, number>;

  beforeAll(async () => {
    m = await storeModule('mongo_backup', 'dual-write');
    // the Mongo schema as the app has it (a no-op if the module's start-up applied it already)
    await m.module.get(SchemaService).migrate({ stores: ['mongo'] });
    db = m.module.get<Connection>(getConnectionToken()).db!;
    env = { ...cliEnvOf(m.config), BACKUP_KEY };
    dir = await mkdtemp(join(tmpdir(), 'mongo-backup-it-'));
    counts = await seedBackupData(db);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await m?.close();
  });

  function expectOneLineRefusal(run: { status: number | null; stdout: string; stderr: string }) {
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: /);
  }

  it.each([
    [['mongo', 'backup'], 'mongo backup needs --out FILE'],
    [['mongo', 'backup', '--out', 'x.gz', 'now'], "mongo backup takes no arguments (got 'now')"],
    [['mongo'], 'missing mongo command (expected: backup, cleanup, restore)'],
    [['mongo', 'dump'], "unknown mongo command 'dump'"],
  ])('%j is refused with one line, writing nothing', async (args, message) => {
    const run = await cli(env, ...args.map((arg) => (arg === 'x.gz' ? join(dir, arg) : arg)));
    expectOneLineRefusal(run);
    expect(run.stderr).toContain(message);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses to replace an existing file', async () => {
    const existing = join(dir, 'existing.gz');
    await writeFile(existing, 'keep me');
    const run = await cli(env, 'mongo', 'backup', '--out', existing);
    expectOneLineRefusal(run);
    expect(run.stderr).toContain(`${existing} already exists; a backup never replaces a file`);
    expect(await readdir(dir)).toEqual(['existing.gz']);
    await rm(existing);
  });

  it('backs up, cleans up in phase cassandra, and restores every document, index and migration record', async () => {
    const documents = await mongoDocuments(db);
    const schema = await mongoSchema(m.config);
    const migrations = await db
      .collection<{ _id: string }>('schema_migrations')
      .find({}, { projection: { applied_at: 0 } })
      .sort({ _id: 1 })
      .toArray();
    const partitions = await partitionsOf(db);
    expect(partitions.length).toBeGreaterThan(2); // months and title prefixes of 40 posts
    expect(documents.posts).toHaveLength(counts.posts);
    expect(documents.comments).toHaveLength(counts.comments);
    expect(documents.accounts).toHaveLength(2);
    expect(documents.comment_deletions).toHaveLength(1);

    const file = join(dir, 'blog.jsonl.gz');
    const backup = await cli(env, 'mongo', 'backup', '--out', file);
    expect(backup.stdout).toContain(
      `40 posts, ${counts.comments} comments, 2 accounts, 1 credentials, 3 hints, 2 deleted_posts, 1 comment_deletions, 1 credential_deletions → ${file}`,
    );
    expect(backup.stdout).toMatch(/signed with BACKUP_KEY \(key id [0-9a-f]{16}\); mode 0600/);
    expect(backup.status).toBe(0);
    // dual-write still writes to MongoDB: the backup says it is no snapshot
    expect(backup.stderr).toContain('warning: phase dual-write still writes to MongoDB');
    expect(backup.stderr).not.toContain('BACKUP_KEY');
    expect(await readdir(dir)).toEqual(['blog.jsonl.gz']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const lines = await backupLines(file);
    expect(lines).toHaveLength(1 + counts.posts + counts.comments + 2 + 1 + 3 + 2 + 1 + 1 + 1 + 1);
    expect(JSON.parse(lines[0])).toMatchObject({
      format: 'blog-mongo-backup',
      version: 2,
      signed: true,
    });
    expect(JSON.parse(lines[lines.length - 1])).toMatchObject({ signature: {} });
    expect(JSON.parse(lines[lines.length - 2])).toMatchObject({
      manifest: {
        counts: {
          posts: 40,
          accounts: 2,
          credentials: 1,
          hints: 3,
          deleted_posts: 2,
          comment_deletions: 1,
          credential_deletions: 1,
        },
      },
    });

    const cleanup = await cli(
      { ...env, MIGRATION_PHASE: 'cassandra' },
      'mongo',
      'cleanup',
      '--backup',
      file,
      '--yes',
    );
    expect(cleanup.stderr).toBe('');
    expect(cleanup.stdout).toContain(`backup ${file} matched MongoDB`);
    expect(cleanup.stdout).toContain(`dropped ${DROPPED.join(', ')}`);
    expect(cleanup.stdout).toMatch(/signature verified \(key id [0-9a-f]{16}\)/);
    expect(cleanup.status).toBe(0);
    const left = await collectionNames(db);
    expect(left.filter((name) => DROPPED.includes(name))).toEqual([]);

    const restore = await cli(
      { ...env, MIGRATION_PHASE: 'cassandra' },
      'mongo',
      'restore',
      '--from',
      file,
    );
    expect(restore.stderr).toBe('');
    expect(restore.stdout).toContain(
      `mongo restore into database ${db.databaseName}: 40 posts, ${counts.comments} comments, 2 accounts, 1 credentials, 3 hints, 2 deleted_posts, 1 comment_deletions, 1 credential_deletions`,
    );
    expect(restore.stdout).toContain('counts and content match the backup');
    expect(restore.stdout).toContain('signature verified');
    expect(restore.status).toBe(0);

    expect(await mongoDocuments(db)).toEqual(documents);
    expect(await mongoSchema(m.config)).toEqual(schema);
    // never in a backup: the restore noted them again from the posts
    expect(await partitionsOf(db)).toEqual(partitions);
    expect(
      await db
        .collection<{ _id: string }>('schema_migrations')
        .find({}, { projection: { applied_at: 0 } })
        .sort({ _id: 1 })
        .toArray(),
    ).toEqual(migrations);
    await access(file); // the backup is kept
  });
});
