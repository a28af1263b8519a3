import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { mongo } from 'mongoose';
import { ACCOUNT_KIND } from '../../../src/kinds/account.kind';
import { COMMENT_KIND } from '../../../src/kinds/comment.kind';
import { CREDENTIAL_KIND } from '../../../src/kinds/credential.kind';
import { POST_KIND } from '../../../src/kinds/post.kind';
import { toDocument } from '../../../src/kinds/record-kind';
import { BackedUpCollection, BackupFileError } from '../../../src/mongo-backup/backup-format';
import { readBackup } from '../../../src/mongo-backup/backup-reader';
import {
  DocumentSource,
  writeBackupFile,
  writeBackupStream,
} from '../../../src/mongo-backup/backup-writer';

const { EJSON, Double, Int32, Long } = mongo.BSON;

const post = (i: number): mongo.Document => ({
  ...toDocument(POST_KIND, {
    id: `post-${i}`,
    title: `Émile's post ${i} ✓ 日本語`,
    content: `Line one\nline "two" \\ ${'x'.repeat(i * 10)}`,
    author: 'Émile',
    ownerId: '',
    createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i, 123)),
    updatedAt: new Date(Date.UTC(2025, 0, 2)),
    version: 0,
  }),
  // a version is a double in MongoDB (microseconds); it must stay one
  version: new Double(1_776_000_000_000_000 + i),
});
const comment = (id: string, text: string): mongo.Document =>
  toDocument(COMMENT_KIND, {
    id,
    postId: 'post-1',
    commenter: 'Zoë',
    comment: text,
    createdAt: new Date(Date.UTC(2025, 0, 3)),
  });
const account: mongo.Document = {
  ...toDocument(ACCOUNT_KIND, {
    id: 'acc-1',
    username: 'ada',
    name: 'Ada',
    role: 'admin',
    passwordHash: 'scrypt$hash',
    disabled: false,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    version: 0,
  }),
  version: new Int32(3),
};
const credential: mongo.Document = {
  ...toDocument(CREDENTIAL_KIND, {
    id: 'cred-1',
    accountId: 'acc-1',
    type: 'session',
    secretHash: 'f'.repeat(64),
    label: '',
    createdAt: new Date(0),
    usedAt: new Date(0),
    version: 0,
  }),
  version: Long.fromNumber(1_776_000_000_000_001),
};

const DATA: Partial<Record<BackedUpCollection, mongo.Document[]>> = {
  posts: Array.from({ length: 30 }, (_, i) => post(i)),
  comments: [comment('c1', 'Ünïcödé 🎉'), comment('c2', 'two\nlines')],
  accounts: [account],
  credentials: [credential],
  hints: [
    {
      _id: 'post:post-2',
      entity: 'post',
      id: 'post-2',
      post_id: 'post-2',
      op: 'upsert',
      at: new Double(1.5e15),
      error: 'timeout',
    },
  ],
  deleted_posts: [{ _id: 'post-99', deleted_at: new Double(1_776_000_000_000_123) }],
  comment_deletions: [{ _id: 'c3', deleted_at: new Double(1_776_000_000_000_456) }],
};

function source(data = DATA): DocumentSource {
  return (collection) =>
    (async function* () {
      for (const doc of data[collection] ?? []) yield doc;
    })();
}

// gzip of multi-megabyte documents takes seconds on a loaded 2-core machine; these check
// content, not time
jest.setTimeout(30_000);

describe('backup file: format, checksum, truncation and tamper detection', () => {
  let dir: string;
  let n = 0;
  const path = () => join(dir, `backup-${++n}.jsonl.gz`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mongo-backup-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function written(data = DATA): Promise<string> {
    const file = path();
    await writeBackupFile(file, 'blog', source(data));
    return file;
  }
  const lines = async (file: string) => gunzipSync(await readFile(file)).toString('utf8');
  const rewrite = async (file: string, text: string) => writeFile(file, gzipSync(text));
  const refusal = (file: string) =>
    readBackup(file).then(
      () => 'accepted',
      (error: Error) => {
        expect(error).toBeInstanceOf(BackupFileError);
        return error.message;
      },
    );

  it('writes header, one line per document, manifest; reads back every document with its BSON types', async () => {
    const file = await written();
    const text = await lines(file);
    const all = text.trimEnd().split('\n');
    expect(all).toHaveLength(1 + 30 + 2 + 1 + 1 + 1 + 1 + 1 + 1);
    expect(JSON.parse(all[0])).toMatchObject({
      format: 'blog-mongo-backup',
      version: 2,
      database: 'blog',
      signed: false,
      collections: [
        'posts',
        'comments',
        'accounts',
        'credentials',
        'hints',
        'deleted_posts',
        'comment_deletions',
        'credential_deletions',
      ],
    });
    expect(JSON.parse(all[1])).toMatchObject({
      c: 'posts',
      d: { version: { $numberDouble: '1776000000000000.0' } },
    });
    const { manifest } = JSON.parse(all[all.length - 1]) as { manifest: Record<string, unknown> };
    expect(manifest.counts).toEqual({
      posts: 30,
      comments: 2,
      hints: 1,
      deleted_posts: 1,
      accounts: 1,
      credentials: 1,
      comment_deletions: 1,
      credential_deletions: 0,
    });

    const seen: Partial<Record<BackedUpCollection, mongo.Document[]>> = {};
    const verified = await readBackup(file, {
      visit: async (c, ejson) => {
        (seen[c] ??= []).push(EJSON.deserialize(ejson, { relaxed: false }));
      },
    });
    expect(verified.manifest).toEqual(manifest);
    expect(verified.signature).toEqual({ state: 'unsigned' });
    expect(verified.header.database).toBe('blog');
    expect(EJSON.stringify(seen, { relaxed: false })).toBe(
      EJSON.stringify(DATA, { relaxed: false }),
    );
    expect(seen.posts![0].version).toBeInstanceOf(Double);
    expect(seen.accounts![0].version).toBeInstanceOf(Int32);
    expect(seen.credentials![0].version).toBeInstanceOf(Long);
    expect(seen.posts![0].created_at).toEqual(DATA.posts![0].created_at);
  });

  it('reads an empty backup (no documents) as valid', async () => {
    const file = await written({});
    expect((await readBackup(file)).manifest.counts).toEqual({
      posts: 0,
      comments: 0,
      hints: 0,
      deleted_posts: 0,
      accounts: 0,
      credentials: 0,
      comment_deletions: 0,
      credential_deletions: 0,
    });
  });

  it('reads a backup taken before a collection was backed up: that collection is empty', async () => {
    const older = { ...DATA };
    delete older.comment_deletions;
    const file = await written(older);
    // as the tool wrote it before comment deletions existed: neither listed nor counted
    const [header, ...rest] = (await lines(file)).trimEnd().split('\n');
    const oldHeader = JSON.parse(header) as { collections: string[] };
    oldHeader.collections = oldHeader.collections.filter((c) => c !== 'comment_deletions');
    const body = [JSON.stringify(oldHeader), ...rest.slice(0, -1)].map((l) => `${l}\n`).join('');
    const { manifest } = JSON.parse(rest[rest.length - 1]) as {
      manifest: { counts: Record<string, number>; content_hashes: Record<string, string> };
    };
    delete manifest.counts.comment_deletions;
    delete manifest.content_hashes.comment_deletions;
    const sha256 = createHash('sha256').update(body).digest('hex');
    await rewrite(file, `${body}${JSON.stringify({ manifest: { ...manifest, sha256 } })}\n`);
    const verified = await readBackup(file);
    expect(verified.manifest.counts).toMatchObject({ posts: 30, comment_deletions: 0 });
    // listed but missing from the manifest is still a damaged file
    const listedBody = [header, ...rest.slice(0, -1)].map((l) => `${l}\n`).join('');
    const listedSha = createHash('sha256').update(listedBody).digest('hex');
    await rewrite(
      file,
      `${listedBody}${JSON.stringify({ manifest: { ...manifest, sha256: listedSha } })}\n`,
    );
    expect(await refusal(file)).toContain('does not match its manifest');
  });

  it('carries a large document across many gzip chunks, and passes a visitor error through as is', async () => {
    const big = { ...post(1), content: 'Ünïcödé ✓ '.repeat(300_000) };
    const file = await written({ posts: [big] });
    const seen: mongo.Document[] = [];
    await readBackup(file, {
      visit: async (_c, ejson) => {
        seen.push(EJSON.deserialize(ejson, { relaxed: false }));
      },
    });
    expect(seen).toEqual([big]);
    await expect(
      readBackup(file, { visit: () => Promise.reject(new Error('insert failed')) }),
    ).rejects.toThrow('insert failed');
  });

  it('refuses a gzip file cut short', async () => {
    const file = await written();
    const size = (await readFile(file)).length;
    await truncate(file, Math.floor(size / 2));
    expect(await refusal(file)).toMatch(
      /is truncated or not a gzip file \(unexpected end of file\)/,
    );
  });

  it('refuses a valid gzip whose manifest line is missing, or that ends mid-document', async () => {
    const file = await written();
    const all = (await lines(file)).trimEnd().split('\n');
    await rewrite(file, `${all.slice(0, -1).join('\n')}\n`);
    expect(await refusal(file)).toMatch(/is truncated: no manifest after 38 lines/);
    await rewrite(file, all.slice(0, -1).join('\n').slice(0, -20));
    expect(await refusal(file)).toMatch(/line 38 is not JSON/);
  });

  it('refuses a file with one document byte changed (valid gzip, valid JSON)', async () => {
    const file = await written();
    const text = await lines(file);
    await rewrite(file, text.replace("Émile's post 17", "Émile's post 18"));
    expect(await refusal(file)).toMatch(/fails its checksum: its content was changed/);
  });

  it('refuses a manifest changed to agree with a removed document', async () => {
    const file = await written();
    const all = (await lines(file)).trimEnd().split('\n');
    const manifest = all.pop()!.replace('"comments":2', '"comments":3');
    await rewrite(file, `${[...all, manifest].join('\n')}\n`);
    expect(await refusal(file)).toMatch(
      /does not match its manifest: comments \(lines 2 documents, manifest 3\)/,
    );
  });

  it('refuses data after the manifest, a file that is no backup, an empty and a missing file', async () => {
    const file = await written();
    await rewrite(file, `${await lines(file)}{"c":"posts","d":{"_id":"x"}}\n`);
    expect(await refusal(file)).toMatch(/has data after its manifest \(line 40\)/);
    await rewrite(file, '{"hello":"world"}\n');
    expect(await refusal(file)).toMatch(/is not a blog MongoDB backup/);
    await rewrite(file, '');
    expect(await refusal(file)).toMatch(/is empty/);
    await writeFile(file, 'plain text, not gzip\n');
    expect(await refusal(file)).toMatch(/is truncated or not a gzip file/);
    expect(await refusal(join(dir, 'nope.gz'))).toMatch(/backup file .*nope\.gz does not exist/);
    expect(await refusal(dir)).toMatch(/cannot read backup file .*: EISDIR/);
  });

  it('never replaces a file, and leaves nothing behind when the source fails', async () => {
    const file = await written();
    const before = await readFile(file);
    await expect(writeBackupFile(file, 'blog', source())).rejects.toThrow(/was created while/);
    expect(await readFile(file)).toEqual(before);
    await rm(`${file}.partial`);

    const broken = path();
    const failing: DocumentSource = (collection) =>
      (async function* () {
        if (collection === 'comments') throw new Error('cursor died');
        yield* DATA[collection] ?? [];
      })();
    await expect(writeBackupFile(broken, 'blog', failing)).rejects.toThrow('cursor died');
    const names = await readdir(dir);
    expect(names.filter((name) => name.startsWith(broken.split('/').pop()!))).toEqual([]);
  });

  it('refuses to start while another backup writes the same .partial file', async () => {
    const file = path();
    await writeFile(`${file}.partial`, 'someone else');
    await expect(writeBackupFile(file, 'blog', source())).rejects.toThrow(
      /\.partial exists: another backup is writing it/,
    );
    expect(await readFile(`${file}.partial`, 'utf8')).toBe('someone else');
  });
});

describe('backup writer: backpressure', () => {
  it('pulls documents only as fast as the destination takes the bytes', async () => {
    const total = 20_000;
    let pulled = 0;
    let pulledAtFirstWrite = -1;
    let writesBeforeAllPulled = 0;
    const documents: DocumentSource = (collection) =>
      (async function* () {
        if (collection !== 'posts') return;
        for (let i = 0; i < total; i++) {
          pulled++;
          // random hex compresses about 2:1, so output keeps flowing while documents are read
          yield { _id: `p${i}`, content: Math.random().toString(16).repeat(20) };
        }
      })();
    const slow = new Writable({
      highWaterMark: 1024,
      write(_chunk, _encoding, done) {
        if (pulledAtFirstWrite < 0) pulledAtFirstWrite = pulled;
        if (pulled < total) writesBeforeAllPulled++;
        setTimeout(done, 1);
      },
    });
    const manifest = await writeBackupStream(slow, 'blog', documents);
    expect(manifest.counts.posts).toBe(total);
    // without backpressure every document would be read before the first slow write finished
    expect(pulledAtFirstWrite).toBeGreaterThan(0);
    expect(pulledAtFirstWrite).toBeLessThan(total / 10);
    expect(writesBeforeAllPulled).toBeGreaterThan(20);
    // hundreds of 1 ms writes: on a busy machine timers fire late, so the default 5 s is too
    // tight (what is checked is the order of pulls and writes, never the time)
  }, 60_000);
});
