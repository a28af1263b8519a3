import { getConnectionToken } from '@nestjs/mongoose';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, mongo } from 'mongoose';
import { mongoUrlWithDb, uniqueName } from '../../support/test-env';
import { cli, cliEnvOf } from '../helpers/migration';
import {
  backupLines,
  collectionNames,
  insertStrayComment,
  mongoDocuments,
  seedBackupData,
  withMongoAt,
  writeBackupLines,
} from '../helpers/mongo-backup';
import { SchemaService } from '../../../src/schema/schema.service';
import { StoreModule, storeModule } from '../helpers/store-module';

describe('mongo cleanup and restore refuse, changing nothing (real servers)', () => {
  let m: StoreModule;
  let db: mongo.Db;
  let env: Record<string, string>;
  let phase3: Record<string, string>;
  let dir: string;
  let backup: string;
  let before: Record<string, string[]>;

  beforeAll(async () => {
    m = await storeModule('mongo_refusals', 'dual-write');
    // the Mongo schema as the app has it (a no-op if the module's start-up applied it already)
    await m.module.get(SchemaService).migrate({ stores: ['mongo'] });
    db = m.module.get<Connection>(getConnectionToken()).db!;
    env = { ...cliEnvOf(m.config), BACKUP_KEY: 'refusals-backup-key-0123456789abcdef' };
    phase3 = { ...env, MIGRATION_PHASE: 'cassandra' };
    dir = await mkdtemp(join(tmpdir(), 'mongo-refusals-it-'));
    await seedBackupData(db, 20, 60);
    backup = join(dir, 'good.jsonl.gz');
    const run = await cli(phase3, 'mongo', 'backup', '--out', backup);
    expect(run.status).toBe(0);
    before = await mongoDocuments(db);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await m?.close();
  });

  /** Runs the CLI; expects exit 1, one `error:` line containing `message`, MongoDB unchanged. */
  async function refused(runEnv: Record<string, string>, args: string[], message: string | RegExp) {
    const run = await cli(runEnv, ...args);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: /);
    if (typeof message === 'string') expect(run.stderr).toContain(message);
    else expect(run.stderr.trimEnd()).toMatch(message);
    expect(run.stdout).toBe('');
    expect(run.status).toBe(1);
    expect(await mongoDocuments(db)).toEqual(before);
    expect(await collectionNames(db)).toEqual(
      expect.arrayContaining(['post_locks', 'schema_migrations']),
    );
    return run;
  }

  const cleanup = (file: string, ...more: string[]) => [
    'mongo',
    'cleanup',
    '--backup',
    file,
    ...more,
  ];

  it('outside phase cassandra, naming the phase', async () => {
    await refused(
      { ...env, MIGRATION_PHASE: 'cassandra-primary' },
      cleanup(backup, '--yes'),
      'mongo cleanup runs only in phase cassandra; the phase is cassandra-primary (from MIGRATION_PHASE), nothing was dropped',
    );
  });

  it('without --yes, after checking everything (a dry run)', async () => {
    await refused(
      phase3,
      cleanup(backup),
      /backup .*good\.jsonl\.gz matches MongoDB database .*; add --yes to drop its blog collections \(nothing was dropped\)/,
    );
  });

  it('without --backup, or with a missing file', async () => {
    await refused(phase3, ['mongo', 'cleanup', '--yes'], 'mongo cleanup needs --backup FILE');
    await refused(
      phase3,
      cleanup(join(dir, 'nope.gz'), '--yes'),
      /backup file .*nope\.gz does not exist/,
    );
  });

  it('a gzip file cut short, and a valid gzip without its manifest line', async () => {
    const cut = join(dir, 'cut.gz');
    const bytes = await readFile(backup);
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    await refused(
      phase3,
      cleanup(cut, '--yes'),
      /cut\.gz is truncated or not a gzip file \(unexpected end of file\)/,
    );

    const noManifest = join(dir, 'no-manifest.gz');
    // the manifest and the signature after it
    await writeBackupLines(noManifest, (await backupLines(backup)).slice(0, -2));
    await refused(
      phase3,
      cleanup(noManifest, '--yes'),
      /no-manifest\.gz is truncated: no manifest after \d+ lines/,
    );
  });

  it('one document byte changed inside a valid gzip', async () => {
    const tampered = join(dir, 'tampered.gz');
    const lines = await backupLines(backup);
    const i = lines.findIndex((line) => line.includes('日本語'));
    lines[i] = lines[i].replace('日本語', '日本人');
    await writeBackupLines(tampered, lines);
    await refused(
      phase3,
      cleanup(tampered, '--yes'),
      /tampered\.gz fails its checksum: its content was changed after it was written/,
    );
  });

  it('MongoDB changed since the backup: a document added, or one modified, naming the collection', async () => {
    const post = before.posts[0];
    const postId = (JSON.parse(post) as { _id: string })._id;
    const stray = await insertStrayComment(db, postId);
    const added = await cli(phase3, ...cleanup(backup, '--yes'));
    expect(added.stderr).toMatch(
      /^error: MongoDB database \S+ differs from backup \S+: comments \(MongoDB 65 documents, the backup 64\); take a new backup \(nothing was dropped\)\n$/,
    );
    expect(added.status).toBe(1);
    await db.collection<{ _id: string }>('comments').deleteOne({ _id: stray });

    const posts = db.collection<{ _id: string; title: string }>('posts');
    const original = (await posts.findOne({ _id: postId }))!.title;
    await posts.updateOne({ _id: postId }, { $set: { title: `${original}!` } });
    const modified = await cli(phase3, ...cleanup(backup, '--yes'));
    expect(modified.stderr).toContain('differs from backup');
    expect(modified.stderr).toContain(': posts (same count, different content)');
    expect(modified.status).toBe(1);
    await posts.updateOne({ _id: postId }, { $set: { title: original } });
    expect(await mongoDocuments(db)).toEqual(before);
  });

  it('a backup that is not signed, or signed with another key, unless --allow-unsigned', async () => {
    const unsigned = join(dir, 'unsigned.gz');
    const { BACKUP_KEY: _key, ...keyless } = phase3;
    expect((await cli(keyless, 'mongo', 'backup', '--out', unsigned)).status).toBe(0);
    await refused(
      phase3,
      cleanup(unsigned, '--yes'),
      /unsigned\.gz is not signed; add --allow-unsigned to accept it anyway \(nothing was dropped\)$/,
    );
    const otherKey = { ...phase3, BACKUP_KEY: 'another-backup-key-0123456789abcdef-xyz' };
    await refused(
      otherKey,
      cleanup(backup, '--yes'),
      /good\.jsonl\.gz is not signed with BACKUP_KEY \(it names key id [0-9a-f]{16}, BACKUP_KEY's is [0-9a-f]{16}\)/,
    );
    await refused(
      keyless,
      cleanup(backup, '--yes'),
      /good\.jsonl\.gz is signed \(key id [0-9a-f]{16}\) but BACKUP_KEY is not set/,
    );
    // accepted, warned: the checks run on and the dry run stops after them
    const run = await cli(phase3, ...cleanup(unsigned, '--allow-unsigned'));
    expect(run.stderr).toMatch(/^error: backup .*unsigned\.gz matches MongoDB database/);
    expect(run.status).toBe(1);
    expect(await mongoDocuments(db)).toEqual(before);
  });

  it('restore into a MongoDB that still holds blog data', async () => {
    await refused(
      phase3,
      ['mongo', 'restore', '--from', backup],
      /already holds blog data \(posts is not empty\); restore only fills an empty database, nothing was changed/,
    );
  });

  it('restore of a tampered file into an empty database writes nothing there, not even the schema', async () => {
    const tampered = join(dir, 'tampered-restore.gz');
    const lines = await backupLines(backup);
    lines[3] = lines[3].replace('"c":"posts"', '"c":"posts" ');
    await writeBackupLines(tampered, lines);
    const emptyDb = uniqueName('mongo_restore_empty');
    const emptyEnv = { ...phase3, MONGO_URL: mongoUrlWithDb(m.config.mongoUrl, emptyDb) };
    try {
      const run = await cli(emptyEnv, 'mongo', 'restore', '--from', tampered);
      expect(run.stderr).toMatch(/^error: backup file \S+tampered-restore\.gz fails its checksum/);
      expect(run.status).toBe(1);
      const names = await withMongoAt(emptyEnv.MONGO_URL, collectionNames);
      expect(names).toEqual([]);
    } finally {
      await withMongoAt(emptyEnv.MONGO_URL, (other) => other.dropDatabase());
    }
  });
});
