import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { COMMENT_KIND } from '../../../src/kinds/comment.kind';
import { POST_KIND } from '../../../src/kinds/post.kind';
import { toDocument } from '../../../src/kinds/record-kind';
import { BackupFileError } from '../../../src/mongo-backup/backup-format';
import { readBackup } from '../../../src/mongo-backup/backup-reader';
import { keyIdOf } from '../../../src/mongo-backup/backup-signature';
import { requireTrusted } from '../../../src/mongo-backup/backup-trust';
import { DocumentSource, writeBackupFile } from '../../../src/mongo-backup/backup-writer';
import { PrivateBackupCopy } from '../../../src/mongo-backup/private-backup-copy';
import { RefusedError } from '../../../src/mongo-backup/refused-error';
import { resealed } from '../../support/backup-forgery';

const KEY = 'unit-test-backup-key-0123456789abcdef';
const OTHER_KEY = 'another-backup-key-fedcba9876543210-xyz';

const posts = Array.from({ length: 5 }, (_, i) =>
  toDocument(POST_KIND, {
    id: `post-${i}`,
    title: `Post ${i}`,
    content: `Content ${i} ✓`,
    author: 'Ada',
    ownerId: '',
    createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i)),
    updatedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i)),
    version: 1_776_000_000_000_000 + i,
  }),
);
const comments = [
  toDocument(COMMENT_KIND, {
    id: 'c1',
    postId: 'post-1',
    commenter: 'Zoë',
    comment: 'original text',
    createdAt: new Date(Date.UTC(2025, 0, 2)),
  }),
];
const source: DocumentSource = (collection) =>
  (async function* () {
    if (collection === 'posts') yield* posts;
    if (collection === 'comments') yield* comments;
  })();

describe('backup signatures (HMAC-SHA-256 with BACKUP_KEY) and the trust rule', () => {
  let dir: string;
  let n = 0;
  const path = () => join(dir, `signed-${++n}.jsonl.gz`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'backup-signature-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function signed(key: string | undefined = KEY): Promise<string> {
    const file = path();
    await writeBackupFile(file, 'blog', source, { key });
    return file;
  }
  const linesOf = async (file: string) =>
    gunzipSync(await readFile(file))
      .toString('utf8')
      .trimEnd()
      .split('\n');
  async function rewritten(lines: string[]): Promise<string> {
    const file = path();
    await writeFile(file, gzipSync(lines.map((line) => `${line}\n`).join('')));
    return file;
  }

  it('signs with the key: header says so, a signature line names the key id, never the key', async () => {
    const file = await signed();
    const lines = await linesOf(file);
    expect(JSON.parse(lines[0])).toMatchObject({ version: 2, signed: true });
    const last = JSON.parse(lines[lines.length - 1]) as {
      signature: { hmac_sha256: string; key_id: string };
    };
    expect(last.signature.key_id).toBe(keyIdOf(KEY));
    expect(last.signature.hmac_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(lines.join('\n')).not.toContain(KEY);
    expect(keyIdOf(KEY)).not.toBe(keyIdOf(OTHER_KEY));

    const verified = await readBackup(file, { key: KEY });
    expect(verified.signature).toEqual({
      state: 'valid',
      keyId: keyIdOf(KEY),
      expectedKeyId: keyIdOf(KEY),
    });
    expect(requireTrusted(file, verified.signature, false, 'nothing was changed')).toBeUndefined();
  });

  it('creates the file 0600, whatever the umask allows', async () => {
    const previous = process.umask(0);
    try {
      const file = await signed();
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });

  it('tells a file signed with another key, or read without a key, from a valid one', async () => {
    const file = await signed(OTHER_KEY);
    const other = await readBackup(file, { key: KEY });
    expect(other.signature.state).toBe('other-key');
    expect(() => requireTrusted(file, other.signature, false, 'nothing was changed')).toThrow(
      new RefusedError(
        `backup file ${file} is not signed with BACKUP_KEY (it names key id ${keyIdOf(OTHER_KEY)}, BACKUP_KEY's is ${keyIdOf(KEY)}): signed with another key, or forged; add --allow-unsigned to accept it anyway (nothing was changed)`,
      ),
    );
    const noKey = await readBackup(file);
    expect(noKey.signature).toEqual({ state: 'no-key', keyId: keyIdOf(OTHER_KEY) });
    expect(() => requireTrusted(file, noKey.signature, false, 'x')).toThrow(
      /is signed \(key id [0-9a-f]{16}\) but BACKUP_KEY is not set/,
    );
  });

  it('finds a forgery: a document changed and the manifest and sha256 recomputed', async () => {
    const lines = await linesOf(await signed());
    const i = lines.findIndex((line) => line.includes('original text'));
    lines[i] = lines[i].replace('original text', 'forged text');
    const forged = await rewritten(resealed(lines));
    const verified = await readBackup(forged, { key: KEY });
    // every accident check passes: only the signature can tell
    expect(verified.manifest.counts.comments).toBe(1);
    expect(verified.signature.state).toBe('forged');
    expect(() => requireTrusted(forged, verified.signature, false, 'nothing was changed')).toThrow(
      /fails its signature check: it was changed after it was signed \(forged or damaged\); add --allow-unsigned/,
    );
  });

  it('refuses a signed file whose signature line was cut off, and one with two signatures', async () => {
    const lines = await linesOf(await signed());
    const cut = await rewritten(lines.slice(0, -1));
    await expect(readBackup(cut, { key: KEY })).rejects.toThrow(
      /is truncated: its header announces a signature, but none follows its manifest/,
    );
    const twice = await rewritten([...lines, lines[lines.length - 1]]);
    await expect(readBackup(twice, { key: KEY })).rejects.toThrow(
      /has data after its manifest \(line \d+\)/,
    );
    const garbage = await rewritten([...lines.slice(0, -1), '{"signature":{"hmac_sha256":"zz"}}']);
    await expect(readBackup(garbage, { key: KEY })).rejects.toThrow(
      /line \d+ after its manifest is not a signature/,
    );
  });

  it('reads a signature stripped and the header made unsigned as unsigned: refused without --allow-unsigned', async () => {
    const lines = (await linesOf(await signed())).slice(0, -1);
    lines[0] = lines[0].replace('"signed":true', '"signed":false');
    const stripped = await rewritten(resealed(lines));
    const verified = await readBackup(stripped, { key: KEY });
    expect(verified.signature).toEqual({ state: 'unsigned' });
    expect(() =>
      requireTrusted(stripped, verified.signature, false, 'nothing was dropped'),
    ).toThrow(
      `backup file ${stripped} is not signed; add --allow-unsigned to accept it anyway (nothing was dropped)`,
    );
    expect(requireTrusted(stripped, verified.signature, true, 'x')).toBe(
      `warning: backup file ${stripped} is not signed; accepted because of --allow-unsigned, so its content is trusted without proof of who wrote it`,
    );
  });

  it('writes an unsigned file without a key, and reads a version 1 file (before signatures) as unsigned', async () => {
    const lines = await linesOf(await signed(''));
    expect(JSON.parse(lines[0])).toMatchObject({ signed: false });
    expect(lines[lines.length - 1]).toMatch(/^\{"manifest"/);
    expect((await readBackup(await rewritten(lines), { key: KEY })).signature.state).toBe(
      'unsigned',
    );

    const v1 = JSON.parse(lines[0]) as Record<string, unknown>;
    v1.version = 1;
    delete v1.signed;
    const old = await rewritten(resealed([JSON.stringify(v1), ...lines.slice(1)]));
    const verified = await readBackup(old, { key: KEY });
    expect(verified.header.signed).toBe(false);
    expect(verified.signature.state).toBe('unsigned');
    v1.version = 3;
    const future = await rewritten(resealed([JSON.stringify(v1), ...lines.slice(1)]));
    await expect(readBackup(future)).rejects.toThrow(
      'has format version 3; this tool reads 1 and 2',
    );
  });

  it('refuses a validly signed file holding a document of the wrong shape, naming line, collection and id', async () => {
    const bad: DocumentSource = (collection) =>
      (async function* () {
        if (collection !== 'posts') return;
        yield posts[0];
        yield { ...posts[1], version: 'soon' };
      })();
    const file = path();
    await writeBackupFile(file, 'blog', bad, { key: KEY });
    const error = (await readBackup(file, { key: KEY }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(BackupFileError);
    expect(error.message).toBe(
      `backup file ${file} has a posts document of the wrong shape on line 3 (_id "post-1"): field version is not integer`,
    );
  });
});

describe('the private copy a restore inserts from', () => {
  let dir: string;
  let tmp: string;
  const previousTmp = process.env.TMPDIR;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'private-copy-'));
    tmp = await mkdtemp(join(dir, 'tmp-'));
    process.env.TMPDIR = tmp; // os.tmpdir() reads it on every call
  });
  afterAll(async () => {
    process.env.TMPDIR = previousTmp;
    if (previousTmp === undefined) delete process.env.TMPDIR;
    await rm(dir, { recursive: true, force: true });
  });

  it('inserts exactly what was verified, even if the original is replaced meanwhile, and leaves nothing behind', async () => {
    const file = join(dir, 'original.jsonl.gz');
    await writeBackupFile(file, 'blog', source, { key: KEY });
    const copy = await PrivateBackupCopy.take(file, KEY);
    try {
      expect(copy.verified.signature.state).toBe('valid');
      // the copy is reachable only through its open handle
      expect(await readdir(tmp)).toEqual([]);
      // whoever can write the original swaps it for a forgery after the check
      const lines = gunzipSync(await readFile(file)).toString('utf8');
      await rm(file);
      await writeFile(file, gzipSync(lines.replace('original text', 'swapped text')));

      const seen: unknown[] = [];
      const again = await copy.read(async (_c, ejson) => {
        seen.push(ejson);
      });
      expect(again.signature.state).toBe('valid');
      expect(JSON.stringify(seen)).toContain('original text');
      expect(JSON.stringify(seen)).not.toContain('swapped text');
      expect(seen).toHaveLength(posts.length + comments.length);
    } finally {
      await copy.close();
    }
    expect(await readdir(tmp)).toEqual([]);
  });

  it('leaves nothing behind when the original is not whole', async () => {
    const file = join(dir, 'cut.jsonl.gz');
    await writeBackupFile(file, 'blog', source, { key: KEY });
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 30));
    await expect(PrivateBackupCopy.take(file, KEY)).rejects.toThrow(/is truncated/);
    expect(await readdir(tmp)).toEqual([]);
  });
});
