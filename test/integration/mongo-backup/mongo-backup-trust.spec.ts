import { getConnectionToken } from '@nestjs/mongoose';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, mongo } from 'mongoose';
import { SchemaService } from '../../../src/schema/schema.service';
import { keyIdOf } from '../../../src/mongo-backup/backup-signature';
import { resealed } from '../../support/backup-forgery';
import { mongoUrlWithDb, uniqueName } from '../../support/test-env';
import { CliRun } from '../helpers/app';
import { cli, cliEnvOf } from '../helpers/migration';
import {
  backupLines,
  collectionNames,
  mongoDocuments,
  seedBackupData,
  signedBackupOf,
  withMongoAt,
  writeBackupLines,
} from '../helpers/mongo-backup';
import { StoreModule, storeModule } from '../helpers/store-module';

const KEY = 'integration-backup-key-0123456789abcdef';
const OTHER_KEY = 'forger-backup-key-0123456789abcdef-xyz';

/**
 * The acceptance of trustworthy backups: a forged, a truncated, a wrongly shaped backup and one
 * of another database are each refused by `mongo restore` before anything is written, into an
 * empty database that stays empty; unsigned files need --allow-unsigned.
 */
describe('mongo restore trusts only whole, signed, well-shaped backups of its database (real servers)', () => {
  let m: StoreModule;
  let db: mongo.Db;
  let env: Record<string, string>;
  let dir: string;
  let backup: string;
  let documents: Record<string, string[]>;
  /** an empty database to restore into, dropped after each test */
  let target: { name: string; env: Record<string, string> };

  beforeAll(async () => {
    m = await storeModule('mongo_trust', 'dual-write');
    await m.module.get(SchemaService).migrate({ stores: ['mongo'] });
    db = m.module.get<Connection>(getConnectionToken()).db!;
    env = { ...cliEnvOf(m.config), MIGRATION_PHASE: 'cassandra', BACKUP_KEY: KEY };
    dir = await mkdtemp(join(tmpdir(), 'mongo-trust-it-'));
    await seedBackupData(db, 8, 20);
    documents = await mongoDocuments(db);
    backup = join(dir, 'signed.jsonl.gz');
    const run = await cli(env, 'mongo', 'backup', '--out', backup);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`signed with BACKUP_KEY (key id ${keyIdOf(KEY)}); mode 0600`);
    expect(run.stdout).not.toContain(KEY);
    expect(run.status).toBe(0);
  });
  beforeEach(() => {
    const name = uniqueName('mongo_trust_target');
    target = { name, env: { ...env, MONGO_URL: mongoUrlWithDb(m.config.mongoUrl, name) } };
  });
  afterEach(async () => {
    await withMongoAt(target.env.MONGO_URL, (other) => other.dropDatabase());
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await m?.close();
  });

  const restore = (file: string, ...more: string[]) =>
    cli(target.env, 'mongo', 'restore', '--from', file, ...more);

  /** Exit 1, one `error:` line matching `message`, nothing on stdout, the target still empty. */
  async function expectRefused(run: CliRun, message: RegExp) {
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: /);
    expect(run.stderr.trimEnd()).toMatch(message);
    expect(run.stderr).not.toContain(KEY);
    expect(run.stdout).toBe('');
    expect(run.status).toBe(1);
    expect(await withMongoAt(target.env.MONGO_URL, collectionNames)).toEqual([]);
  }

  it('creates the backup file 0600', async () => {
    expect((await stat(backup)).mode & 0o777).toBe(0o600);
  });

  it('refuses a forged backup: a document changed, its manifest and sha256 recomputed', async () => {
    const lines = await backupLines(backup);
    const i = lines.findIndex((line) => line.includes('"c":"accounts"') && line.includes('author'));
    expect(i).toBeGreaterThan(0);
    lines[i] = lines[i].replace('"role":"author"', '"role":"admin"');
    const forged = join(dir, 'forged.gz');
    await writeBackupLines(forged, resealed(lines));
    await expectRefused(
      await restore(forged, '--into', target.name),
      /forged\.gz fails its signature check: it was changed after it was signed \(forged or damaged\); add --allow-unsigned to accept it anyway \(nothing was changed\)$/,
    );

    // the same forgery signed with the forger's own key
    const reSigned = join(dir, 'forged-own-key.gz');
    await signedBackupOf(reSigned, db.databaseName, lines.slice(1, -2), OTHER_KEY);
    await expectRefused(
      await restore(reSigned, '--into', target.name),
      new RegExp(
        `is not signed with BACKUP_KEY \\(it names key id ${keyIdOf(OTHER_KEY)}, BACKUP_KEY's is ${keyIdOf(KEY)}\\)`,
      ),
    );
  });

  it('refuses a truncated backup: gzip cut short, or the signature line cut off', async () => {
    const bytes = await readFile(backup);
    const cut = join(dir, 'cut.gz');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.8)));
    await expectRefused(
      await restore(cut, '--into', target.name),
      /cut\.gz is truncated or not a gzip file \(unexpected end of file\)$/,
    );
    const noSignature = join(dir, 'no-signature.gz');
    await writeBackupLines(noSignature, (await backupLines(backup)).slice(0, -1));
    await expectRefused(
      await restore(noSignature, '--into', target.name, '--allow-unsigned'),
      /no-signature\.gz is truncated: its header announces a signature, but none follows its manifest$/,
    );
  });

  it('refuses a document of the wrong shape, even in a validly signed file', async () => {
    const lines = await backupLines(backup);
    const i = lines.findIndex((line) => line.startsWith('{"c":"comments"'));
    const comment = JSON.parse(lines[i]) as { c: string; d: Record<string, unknown> };
    comment.d.comment = { $where: 'sleep(1000)' };
    lines[i] = JSON.stringify(comment);
    const shaped = join(dir, 'wrong-shape.gz');
    await signedBackupOf(shaped, db.databaseName, lines.slice(1, -2), KEY);
    const id = JSON.stringify(comment.d._id);
    await expectRefused(
      await restore(shaped, '--into', target.name),
      new RegExp(
        `wrong-shape\\.gz has a comments document of the wrong shape on line \\d+ \\(_id ${id}\\): field comment is not text$`,
      ),
    );
  });

  it('refuses a backup of another database unless --into names the target, then restores it whole', async () => {
    await expectRefused(
      await restore(backup),
      new RegExp(
        `was taken of database ${db.databaseName}, not ${target.name} \\(the database of MONGO_URL\\); add --into ${target.name} to restore it there \\(nothing was changed\\)$`,
      ),
    );
    await expectRefused(
      await restore(backup, '--into', db.databaseName),
      new RegExp(
        `--into ${db.databaseName} is not the database MONGO_URL names \\(${target.name}\\)`,
      ),
    );
    const run = await restore(backup, '--into', target.name);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`signature verified (key id ${keyIdOf(KEY)})`);
    expect(run.status).toBe(0);
    expect(await withMongoAt(target.env.MONGO_URL, mongoDocuments)).toEqual(documents);
  });

  it('refuses an unsigned backup without --allow-unsigned, restores it with a warning', async () => {
    const unsigned = join(dir, 'unsigned.jsonl.gz');
    const { BACKUP_KEY: _key, ...keyless } = env;
    const made = await cli(keyless, 'mongo', 'backup', '--out', unsigned);
    expect(made.stderr).toContain(
      'warning: BACKUP_KEY is not set, so this backup is not signed: mongo cleanup and mongo restore accept it only with --allow-unsigned',
    );
    expect(made.stdout).toContain('not signed; mode 0600');
    expect(made.status).toBe(0);
    expect((await stat(unsigned)).mode & 0o777).toBe(0o600);

    await expectRefused(
      await restore(unsigned, '--into', target.name),
      /unsigned\.jsonl\.gz is not signed; add --allow-unsigned to accept it anyway \(nothing was changed\)$/,
    );
    const run = await restore(unsigned, '--into', target.name, '--allow-unsigned');
    expect(run.stderr).toMatch(
      /^warning: backup file \S+unsigned\.jsonl\.gz is not signed; accepted because of --allow-unsigned/,
    );
    expect(run.stdout).toContain('signature NOT verified (--allow-unsigned)');
    expect(run.status).toBe(0);
    expect(await withMongoAt(target.env.MONGO_URL, mongoDocuments)).toEqual(documents);
  });

  it('in production, mongo backup refuses to write an unsigned file unless --allow-unsigned', async () => {
    const { BACKUP_KEY: _key, ...keyless } = env;
    const production = { ...keyless, NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(32) };
    const file = join(dir, 'production.jsonl.gz');
    const before = await readdir(dir);
    const run = await cli(production, 'mongo', 'backup', '--out', file);
    expect(run.stderr).toBe(
      'error: BACKUP_KEY is not set: in production a backup must be signed (set BACKUP_KEY to a random string of at least 32 characters, or add --allow-unsigned); nothing was written\n',
    );
    expect(run.status).toBe(1);
    expect(await readdir(dir)).toEqual(before);

    const allowed = await cli(production, 'mongo', 'backup', '--out', file, '--allow-unsigned');
    expect(allowed.stderr).toContain('warning: BACKUP_KEY is not set');
    expect(allowed.status).toBe(0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
