import { NestExpressApplication } from '@nestjs/platform-express';
import { types } from 'cassandra-driver';
import { AppConfig } from '../../../src/config/app-config';
import { PostStoreRouter } from '../../../src/store/post-store.router';
import { withCassandra, withMongo } from '../../integration/helpers/stores';

/** The app under test and its config (a WebApp). */
export interface AppUnderTest {
  config: AppConfig;
  app: NestExpressApplication;
}

/**
 * Waits until every copy to the phase's secondary started so far is written (or hinted): a
 * dual-write answers once its primary has the write, and copies to the secondary after.
 */
export async function copiesDone({ app, config }: AppUnderTest): Promise<void> {
  await app.get(PostStoreRouter).copiesOf(config.migrationPhase)?.drain();
}

/**
 * What a test reads straight from the servers, past the app: MongoDB's collections and
 * Cassandra's tables of posts, comments, accounts and their deletions (not credentials: a
 * session's use is recorded on it, at most once a minute, by any request).
 */
const MONGO_COLLECTIONS = ['posts', 'comments', 'comment_deletions', 'accounts'];
const CASSANDRA_TABLES = [
  'posts_by_id',
  'posts_by_month',
  'posts_by_title',
  'posts_by_author',
  'comments_by_id',
  'comments_by_post',
  'deleted_comments',
  'accounts',
  'account_names',
];

export interface StoresView {
  mongo: Record<string, string[]> | null;
  cassandra: Record<string, string[]> | null;
}

/** A cell as comparable text (Long and other driver types by their string form). */
function plain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && !Array.isArray(value) && 'toString' in value) {
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto !== Object.prototype) return String(value);
  }
  return value;
}

function rowText(row: types.Row): string {
  return JSON.stringify(Object.fromEntries(row.keys().map((key) => [key, plain(row.get(key))])));
}

/**
 * Every record of both stores the phase uses (null for a store it does not), one sorted JSON
 * line per document or row: equal views mean nothing changed in either store.
 */
export async function bothStores(web: AppUnderTest): Promise<StoresView> {
  await copiesDone(web);
  const { config } = web;
  const mongo = config.stores.mongo
    ? await withMongo(config, async (db) => {
        const out: Record<string, string[]> = {};
        for (const name of MONGO_COLLECTIONS) {
          const docs = await db.collection(name).find({}).toArray();
          out[name] = docs.map((doc) => JSON.stringify(doc)).sort();
        }
        return out;
      })
    : null;
  const cassandra = config.stores.cassandra
    ? await withCassandra(config, async (client) => {
        const out: Record<string, string[]> = {};
        for (const table of CASSANDRA_TABLES) {
          const result = await client.execute(
            `SELECT * FROM ${config.cassandraKeyspace}.${table}`,
            [],
            { fetchSize: 10_000 },
          );
          out[table] = result.rows.map(rowText).sort();
        }
        return out;
      })
    : null;
  return { mongo, cassandra };
}

/** A post as each store holds it (null where it is missing), read straight from the servers. */
export async function postInBoth(
  web: AppUnderTest,
  id: string,
): Promise<{ mongo: Record<string, unknown> | null; cassandra: Record<string, unknown> | null }> {
  await copiesDone(web);
  const { config } = web;
  const mongo = await withMongo(config, (db) =>
    db.collection<{ _id: string }>('posts').findOne({ _id: id }),
  );
  const cassandra = await withCassandra(config, async (client) => {
    const row = (
      await client.execute(
        `SELECT id, title, author, owner_id, content, version FROM ${config.cassandraKeyspace}.posts_by_id WHERE id = ?`,
        [id],
        { prepare: true },
      )
    ).first();
    // a deletion leaves no row, or a row without cells (version null)
    if (!row || row.get('version') === null) return null;
    return Object.fromEntries(row.keys().map((key) => [key, plain(row.get(key))]));
  });
  return { mongo: mongo as Record<string, unknown> | null, cassandra };
}

/** Where a comment is: its document in MongoDB, its rows in both Cassandra tables, its tombstones. */
export async function commentInBoth(web: AppUnderTest, id: string, postId: string) {
  await copiesDone(web);
  const { config } = web;
  const mongo = await withMongo(config, async (db) => ({
    comment: await db.collection<{ _id: string }>('comments').findOne({ _id: id }),
    tombstone: await db.collection<{ _id: string }>('comment_deletions').findOne({ _id: id }),
  }));
  const cassandra = await withCassandra(config, async (client) => {
    const ks = config.cassandraKeyspace;
    const one = async (query: string, params: string[]) =>
      (await client.execute(query, params, { prepare: true })).rows.length;
    return {
      byId: await one(`SELECT id FROM ${ks}.comments_by_id WHERE id = ?`, [id]),
      byPost: (
        await client.execute(`SELECT id FROM ${ks}.comments_by_post WHERE post_id = ?`, [postId], {
          prepare: true,
        })
      ).rows.filter((row) => row.get('id') === id).length,
      tombstone: await one(`SELECT id FROM ${ks}.deleted_comments WHERE id = ?`, [id]),
    };
  });
  return { mongo, cassandra };
}

/** An account as each store holds it, by username (null where it is missing). */
export async function accountInBoth(web: AppUnderTest, username: string) {
  await copiesDone(web);
  const { config } = web;
  const mongo = await withMongo(config, (db) => db.collection('accounts').findOne({ username }));
  const cassandra = await withCassandra(config, async (client) => {
    const ks = config.cassandraKeyspace;
    const rows = (
      await client.execute(
        `SELECT id, username, name, role, password_hash, disabled FROM ${ks}.accounts`,
        [],
        { fetchSize: 10_000 },
      )
    ).rows.filter((row) => row.get('username') === username);
    if (rows.length > 1) throw new Error(`${rows.length} Cassandra accounts named ${username}`);
    const claim = (
      await client.execute(
        `SELECT account_id FROM ${ks}.account_names WHERE username = ?`,
        [username],
        { prepare: true },
      )
    ).first();
    const row = rows[0];
    return row
      ? {
          id: row.get('id') as string,
          username: row.get('username') as string,
          name: row.get('name') as string,
          role: row.get('role') as string,
          passwordHash: row.get('password_hash') as string,
          disabled: row.get('disabled') as boolean,
          claimedBy: (claim?.get('account_id') as string | undefined) ?? null,
        }
      : null;
  });
  return { mongo, cassandra };
}

/** How many credentials (sessions and tokens) of the account each store still holds. */
export async function credentialsInBoth(
  web: AppUnderTest,
  accountId: string,
): Promise<{ mongo: number; cassandra: number }> {
  await copiesDone(web);
  const { config } = web;
  const mongo = await withMongo(config, (db) =>
    db.collection('credentials').countDocuments({ account_id: accountId }),
  );
  const cassandra = await withCassandra(config, async (client) => {
    const ks = config.cassandraKeyspace;
    const ids = (
      await client.execute(
        `SELECT id FROM ${ks}.credentials_by_account WHERE account_id = ?`,
        [accountId],
        { prepare: true },
      )
    ).rows.map((row) => row.get('id') as string);
    let live = 0;
    for (const id of ids) {
      const row = (
        await client.execute(`SELECT version FROM ${ks}.credentials WHERE id = ?`, [id], {
          prepare: true,
        })
      ).first();
      if (row && row.get('version') !== null) live++;
    }
    return live;
  });
  return { mongo, cassandra };
}
