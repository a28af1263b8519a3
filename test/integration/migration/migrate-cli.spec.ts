import { getConnectionToken } from '@nestjs/mongoose';
import { Connection } from 'mongoose';
import { BackfillService } from '../../../src/migration/backfill/backfill.service';
import { CassandraPostStore } from '../../../src/store/cassandra/cassandra-post-store';
import { Comment, Post } from '../../../src/store/post';
import { COMMENT_KIND } from '../../../src/kinds/comment.kind';
import { Replicas } from '../../../src/store/replicas';
import { commentDeleteVersion, deleteVersion, newId, nowMicros } from '../../../src/store/versions';
import { CassandraClient } from '../../../src/database/cassandra/cassandra-client';
import { Account, Credential } from '../../../src/store/account-store';
import { PostStoreRouter } from '../../../src/store/post-store.router';
import { testAccount } from '../../support/test-accounts';
import { cassandraAccounts, mongoAccounts } from '../helpers/acked-writes';
import { runCli, runCliWithInput } from '../helpers/app';
import { cliEnvOf, verifyStores } from '../helpers/migration';
import { StoreModule, storeModule } from '../helpers/store-module';

describe('migrate CLI: reverse backfill (cassandra → mongo), idempotent re-runs, bad input (real servers)', () => {
  let m: StoreModule;
  let env: Record<string, string>;
  const posts: Post[] = [];
  const comments: Comment[] = [];

  beforeAll(async () => {
    m = await storeModule('migrate_cli', 'cassandra-primary');
    env = cliEnvOf(m.config);
    // data only Cassandra has, as after phase 3 with MongoDB emptied
    const cassandra = m.module.get(CassandraPostStore);
    for (let i = 0; i < 20; i++) {
      const createdAt = new Date(Date.now() - i * 60_000);
      const post = {
        id: newId(createdAt),
        title: `Back to MongoDB ${i}`,
        content: `Content ${i}`,
        author: i % 2 ? 'Ada' : 'Grace',
        ownerId: '',
        createdAt,
        updatedAt: createdAt,
        version: nowMicros(),
      };
      posts.push(post);
      await cassandra.createPost(post);
      for (const text of ['one', 'two']) {
        const comment = {
          id: newId(),
          postId: post.id,
          commenter: 'Linus',
          comment: text,
          createdAt,
        };
        comments.push(comment);
        await cassandra.addComment(comment);
      }
    }
  });
  afterAll(() => m?.close());

  const mongoCount = (collection: string) =>
    m.module.get<Connection>(getConnectionToken()).collection(collection).countDocuments({});
  const checkpoint = () => m.module.get(BackfillService).checkpoint('cassandra', 'mongo');

  it.each([
    [
      ['migrate', 'backfill', '--from', 'postgres'],
      "--from must be mongo or cassandra (got 'postgres')",
    ],
    [
      ['migrate', 'backfill', '--from', 'cassandra', '--concurrency', '0'],
      '--concurrency must be a whole number from 1 to 1024',
    ],
    [
      ['migrate', 'backfill', '--from', 'cassandra', '--rate', 'fast'],
      "--rate must be a whole number from 1 to 1000000 (got 'fast')",
    ],
    [['migrate', 'backfill', 'now'], "migrate backfill takes no arguments (got 'now')"],
    [['migrate', 'verify', '--recheck-delay', '-1'], '--recheck-delay must be a whole number'],
    [['migrate', 'reconcile', 'all'], 'migrate reconcile takes no arguments'],
    [['migrate'], 'missing migrate command (expected: backfill, verify, reconcile)'],
    [['migrate', 'copy'], "unknown migrate command 'copy'"],
  ])('%j is refused with one readable line and changes nothing', async (args, message) => {
    const run = runCli(env, ...args);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
    expect(await mongoCount('posts')).toBe(0);
    expect(await checkpoint()).toBeUndefined();
  });

  it('--dry-run only counts; the backfill copies everything, once; --restart copies again; verify is clean', async () => {
    const dry = runCli(env, 'migrate', 'backfill', '--from', 'cassandra', '--dry-run');
    expect(dry.stdout).toContain(
      'would copy 20 posts, 40 comments, 0 accounts and 0 credentials; nothing was written',
    );
    expect(dry.status).toBe(0);
    expect(await mongoCount('posts')).toBe(0);
    expect(await checkpoint()).toBeUndefined();

    const before = runCli(env, 'migrate', 'verify', '--recheck-delay', '0');
    expect(before.status).toBe(1);
    expect(before.stdout).toContain('60 difference(s)');

    const copy = runCli(env, 'migrate', 'backfill', '--from', 'cassandra', '--concurrency', '4');
    expect(copy.stdout).toMatch(
      /^backfill cassandra → mongo: copied 20 posts, 40 comments, 0 accounts and 0 credentials in [\d.]+ s/,
    );
    expect(copy.status).toBe(0);
    expect(await mongoCount('posts')).toBe(20);
    expect(await mongoCount('comments')).toBe(40);
    expect(await checkpoint()).toMatchObject({ stage: 'done', posts: 20, comments: 40, runs: 1 });

    const again = runCli(env, 'migrate', 'backfill', '--from', 'cassandra');
    expect(again.stdout).toContain('already complete');
    expect(again.status).toBe(0);

    const restart = runCli(env, 'migrate', 'backfill', '--from', 'cassandra', '--restart');
    expect(restart.stdout).toContain('copied 20 posts, 40 comments, 0 accounts and 0 credentials');
    expect(await mongoCount('posts')).toBe(20);
    expect(await mongoCount('comments')).toBe(40);

    const verify = runCli(env, 'migrate', 'verify', '--recheck-delay', '0');
    expect(verify.stdout).toContain('verify cassandra → mongo: clean');
    expect(verify.stdout).toContain('mongo: 20 posts, 40 comments');
    expect(verify.status).toBe(0);
  });

  it('copies Cassandra’s deletions too: a post MongoDB still holds (a restored backup) goes', async () => {
    // as after phase 3: deleted in Cassandra only, while MongoDB was not written
    const [gone] = posts;
    await m.module.get(CassandraPostStore).deletePost(gone, deleteVersion(gone.version));
    expect(await mongoCount('posts')).toBe(20);

    const copy = runCli(env, 'migrate', 'backfill', '--from', 'cassandra', '--restart');
    expect(copy.status).toBe(0);
    expect(copy.stdout).toMatch(
      /copied 19 posts, 38 comments, 0 accounts and 0 credentials in .*; 1 deletion\(s\) applied\.$/m,
    );
    expect(await mongoCount('posts')).toBe(19);
    expect(await mongoCount('comments')).toBe(38);
    const verify = runCli(env, 'migrate', 'verify', '--recheck-delay', '0');
    expect(verify.stdout).toContain('verify cassandra → mongo: clean');
  });

  it('copies Cassandra’s comment deletions: a comment MongoDB still holds goes, for good', async () => {
    // deleted in Cassandra only (moderation in phase 3), while MongoDB still holds it
    const spam = comments[comments.length - 1];
    const deletedAt = commentDeleteVersion(spam.createdAt);
    expect(await m.module.get(CassandraPostStore).deleteComment(spam, deletedAt)).toBe(true);
    expect(await mongoCount('comments')).toBe(38);

    const copy = runCli(env, 'migrate', 'backfill', '--from', 'cassandra', '--restart');
    expect(copy.status).toBe(0);
    // the post's deletion of the test before and this comment's
    expect(copy.stdout).toMatch(
      /copied 19 posts, 37 comments, 0 accounts and 0 credentials in .*; 2 deletion\(s\) applied\.$/m,
    );
    expect(await checkpoint()).toMatchObject({
      stage: 'done',
      deletions: 1,
      'comment-deletions': 1,
    });
    expect(await mongoCount('comments')).toBe(37);
    const mongo = m.module.get<Connection>(getConnectionToken());
    expect(await mongo.collection('comment_deletions').findOne({ _id: spam.id as never })).toEqual({
      _id: spam.id,
      deleted_at: deletedAt,
    });
    // a late copy of the comment (a replayed page, a hint) stays out of MongoDB
    await m.module.get(Replicas).get('mongo').apply(COMMENT_KIND, spam);
    expect(await mongoCount('comments')).toBe(37);
    const verify = runCli(env, 'migrate', 'verify', '--recheck-delay', '0');
    expect(verify.stdout).toContain('verify cassandra → mongo: clean');
    expect(verify.stdout).toContain('mongo: 19 posts, 37 comments');
  });
});

describe('migrate CLI and accounts: backfill copies them with their name claims, verify names a tampered or missing one, reconcile repairs it (real servers)', () => {
  let m: StoreModule;
  let env: Record<string, string>;
  const accounts: Account[] = [];
  const credentials: Credential[] = [];

  beforeAll(async () => {
    m = await storeModule('migrate_cli_accounts', 'dual-write');
    env = cliEnvOf(m.config);
    // accounts from before dual-write: in MongoDB only (its own store, no copies)
    const mongo = m.module.get(PostStoreRouter).accountsFor('mongo');
    for (let i = 0; i < 5; i++) {
      const createdAt = new Date(Date.now() - (10 - i) * 60_000);
      const account = testAccount({
        username: `early.${i}`,
        name: `Early Writer ${i}`,
        role: i === 0 ? 'admin' : 'author',
        disabled: i === 4,
        createdAt,
        updatedAt: createdAt,
        version: createdAt.getTime() * 1000,
      });
      accounts.push(account);
      await mongo.createAccount(account);
    }
    for (const account of accounts.slice(0, 2)) {
      const credential: Credential = {
        id: newId(),
        accountId: account.id,
        type: 'token',
        secretHash: 'a'.repeat(64),
        label: 'ci',
        createdAt: account.createdAt,
        usedAt: account.createdAt,
        version: nowMicros(),
      };
      credentials.push(credential);
      await mongo.createCredential(credential);
    }
  });
  afterAll(() => m?.close());

  const cassandraView = () =>
    cassandraAccounts(m.module.get(CassandraClient), m.config.cassandraKeyspace);
  const fields = ({ id, username, name, role, disabled }: Account) => ({
    id,
    username,
    name,
    role,
    disabled,
  });

  it('backfill copies every account and credential, and Cassandra refuses their usernames afterwards', async () => {
    expect((await cassandraView()).accounts).toEqual([]);
    const copy = runCli(env, 'migrate', 'backfill');
    expect(copy.stdout).toMatch(
      /^backfill mongo → cassandra: copied 0 posts, 0 comments, 5 accounts and 2 credentials in /,
    );
    expect(copy.status).toBe(0);

    const view = await cassandraView();
    const byId = (list: { id: string }[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));
    expect(byId(view.accounts)).toEqual(byId(accounts.map(fields)));
    expect(byId((await mongoAccounts(m.config)).accounts)).toEqual(byId(accounts.map(fields)));
    // each name claimed for its account, as if it had been created in Cassandra
    expect(Object.fromEntries(view.claims!)).toEqual(
      Object.fromEntries(accounts.map((a) => [a.username, a.id])),
    );
    const cassandraStore = m.module.get(PostStoreRouter).accountsFor('cassandra');
    for (const credential of credentials) {
      expect(await cassandraStore.getCredential(credential.id)).toEqual(credential);
    }
    const verify = runCli(env, 'migrate', 'verify', '--recheck-delay', '0');
    expect(verify.stdout).toContain('verify mongo → cassandra: clean');
    expect(verify.status).toBe(0);
    // the CLI lists them from the phase's primary (MongoDB in dual-write)
    const list = runCli(env, 'user', 'list', '--json');
    expect(list.status).toBe(0);
    const listed = JSON.parse(list.stdout) as Account[];
    expect(byId(listed.map(fields))).toEqual(byId(accounts.map(fields)));

    // in phase cassandra (MongoDB no longer asked) the copied names are taken, in any case
    const cassandraEnv = { ...env, MIGRATION_PHASE: 'cassandra' };
    for (const username of ['early.1', 'EARLY.2']) {
      const add = runCliWithInput(
        cassandraEnv,
        'a long enough password\n',
        'user',
        'add',
        username,
        '--role',
        'author',
      );
      expect({ username, status: add.status }).toEqual({ username, status: 1 });
      expect(add.stderr.trim().split('\n')).toHaveLength(1);
      expect(add.stderr).toMatch(/taken/i);
    }
    // nothing was written: the accounts and their claims are as the backfill left them
    expect(await cassandraView()).toEqual(view);
    // a new name is not refused (the refusals above were the claims, not the CLI)
    const fresh = runCliWithInput(
      cassandraEnv,
      'a long enough password\n',
      'user',
      'add',
      'late.writer',
      '--role',
      'author',
    );
    expect(fresh.stdout).toContain('created author late.writer');
    expect(fresh.status).toBe(0);
    const after = await cassandraView();
    const late = after.accounts.find((a) => a.username === 'late.writer');
    expect(after.claims!.get('late.writer')).toBe(late?.id);
    // back to what MongoDB has, for the test below
    const cql = m.module.get(CassandraClient);
    const ks = m.config.cassandraKeyspace;
    const once = { idempotent: true };
    await cql.execute(`DELETE FROM ${ks}.accounts WHERE id = ?`, [late!.id], once);
    await cql.execute(`DELETE FROM ${ks}.account_names WHERE username = ?`, ['late.writer'], once);
  });

  it('verify names a tampered and a missing account by id (exit 1); reconcile repairs both; verify is then clean', async () => {
    const cql = m.module.get(CassandraClient);
    const ks = m.config.cassandraKeyspace;
    const [tampered, missing] = [accounts[1], accounts[3]];
    // behind the app's back in Cassandra: a role raised, an account deleted
    const once = { idempotent: true };
    await cql.execute(`UPDATE ${ks}.accounts SET role = 'admin' WHERE id = ?`, [tampered.id], once);
    await cql.execute(`DELETE FROM ${ks}.accounts WHERE id = ?`, [missing.id], once);

    const verify = await verifyStores(env, 0);
    expect(verify.status).toBe(1);
    expect(verify.report?.clean).toBe(false);
    const named = verify.report!.differences.map((d) => `${d.entity} ${d.id} ${d.kind} ${d.where}`);
    expect(named.sort()).toEqual(
      [
        `account ${tampered.id} different cassandra`,
        `account ${missing.id} missing cassandra`,
      ].sort(),
    );
    const text = runCli(env, 'migrate', 'verify', '--recheck-delay', '0');
    expect(text.status).toBe(1);
    expect(text.stdout).toContain(`account ${tampered.id}: different in cassandra`);
    expect(text.stdout).toContain(`account ${missing.id}: missing in cassandra`);

    const reconcile = runCli(env, 'migrate', 'reconcile', '--recheck-delay', '0');
    expect(reconcile.stdout).toMatch(/2 difference\(s\) found, 2 fixed, 0 remaining/);
    expect(reconcile.status).toBe(0);
    const view = await cassandraView();
    expect(view.accounts.find((a) => a.id === tampered.id)).toEqual(fields(tampered));
    expect(view.accounts.find((a) => a.id === missing.id)).toEqual(fields(missing));
    expect(view.claims!.get(missing.username)).toBe(missing.id);

    const clean = runCli(env, 'migrate', 'verify', '--recheck-delay', '0');
    expect(clean.stdout).toContain('verify mongo → cassandra: clean');
    expect(clean.stdout).toMatch(/cassandra: 0 posts, 0 comments, 5 accounts, 2 credentials/);
    expect(clean.status).toBe(0);
  });
});
