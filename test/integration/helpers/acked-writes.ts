import { Client, types } from 'cassandra-driver';
import { mapConcurrent } from '../../../src/common/map-concurrent';
import { AppConfig } from '../../../src/config/app-config';
import { CommentDocument, PostDocument } from '../../../src/store/mongo/mongo-documents';
import { excerptOf } from '../../../src/store/post';
import { BlogClient } from './blog-client';
import { AckedPost } from './blog-traffic';
import { scanRows } from './migration';
import { withMongo } from './stores';

/** A store's (or the app's) view of some posts and comments, to compare with what was acked. */
export interface Seen {
  posts: Map<string, { title: string; author: string; content: string; version: number }>;
  comments: Map<string, { postId: string; commenter: string; comment: string }>;
}

/**
 * Every difference between what the clients were told and what `seen` holds: each acked post
 * with its last acknowledged content and exactly its comments, each deleted post gone with its
 * comments. `complete`: `seen` read the whole store, so anything else in it is extra.
 */
export function differences(
  where: string,
  acked: AckedPost[],
  seen: Seen,
  complete: boolean,
): string[] {
  const out: string[] = [];
  const expectedComments = new Map<string, string>();
  for (const post of acked) {
    const got = seen.posts.get(post.id);
    if (post.deleted) {
      if (got) out.push(`${where}: deleted post ${post.id} is there`);
    } else if (!got) {
      out.push(`${where}: post ${post.id} is missing`);
    } else {
      const want = { title: post.title, author: post.author, content: post.content };
      const has = { title: got.title, author: got.author, content: got.content };
      if (JSON.stringify(want) !== JSON.stringify(has)) {
        out.push(
          `${where}: post ${post.id} is ${JSON.stringify(has)}, acked ${JSON.stringify(want)}`,
        );
      }
      if (post.version !== undefined && got.version !== post.version) {
        out.push(`${where}: post ${post.id} has version ${got.version}, acked ${post.version}`);
      }
      for (const [id, c] of post.comments) {
        expectedComments.set(id, post.id);
        const gotComment = seen.comments.get(id);
        if (!gotComment) out.push(`${where}: comment ${id} of ${post.id} is missing`);
        else if (gotComment.comment !== c.comment || gotComment.commenter !== c.commenter) {
          out.push(`${where}: comment ${id} is ${JSON.stringify(gotComment)}`);
        }
      }
    }
  }
  const checked = new Set(acked.map((p) => p.id));
  for (const [id, c] of seen.comments) {
    if (expectedComments.has(id)) continue;
    if (complete || checked.has(c.postId)) {
      out.push(`${where}: comment ${id} of post ${c.postId} should not be there`);
    }
  }
  if (complete) {
    for (const id of seen.posts.keys()) {
      if (!checked.has(id)) out.push(`${where}: post ${id} was never written`);
    }
  }
  return out;
}

/** Every post and comment in MongoDB's `posts` and `comments` collections. */
export async function mongoSeen(config: AppConfig): Promise<Seen> {
  return withMongo(config, async (db) => {
    const posts = await db.collection<PostDocument>('posts').find({}).toArray();
    const comments = await db.collection<CommentDocument>('comments').find({}).toArray();
    return {
      posts: new Map(posts.map((d) => [d._id, { ...d, version: Number(d.version) }])),
      comments: new Map(comments.map((d) => [d._id, { ...d, postId: d.post_id }])),
    };
  });
}

/**
 * posts_by_id and comments_by_id, and where comments_by_post disagrees with comments_by_id (a
 * comment listed under a post without its row by id, or the other way round).
 */
export async function cassandraSeen(client: Client, ks: string) {
  const scan = (table: string, pk: string, columns: string) =>
    scanRows(client, `${ks}.${table}`, pk, columns);
  const posts = await scan('posts_by_id', 'id', 'id, title, author, content, version');
  const byId = await scan('comments_by_id', 'id', 'id, post_id, commenter, comment');
  const byPost = await scan('comments_by_post', 'post_id', 'id, post_id');
  const seen: Seen = { posts: new Map(), comments: new Map() };
  for (const r of posts) {
    if (r.get('version') === null) continue; // cells a deletion left: no post
    seen.posts.set(r.get('id') as string, {
      title: r.get('title') as string,
      author: r.get('author') as string,
      content: r.get('content') as string,
      version: Number(r.get('version')),
    });
  }
  for (const r of byId) {
    seen.comments.set(r.get('id') as string, {
      postId: r.get('post_id') as string,
      commenter: r.get('commenter') as string,
      comment: r.get('comment') as string,
    });
  }
  const key = (r: types.Row) => `${r.get('post_id') as string}/${r.get('id') as string}`;
  const listed = new Set(byPost.map(key));
  const inById = new Set(byId.map(key));
  const byPostDiffers = [
    ...[...inById].filter((k) => !listed.has(k)).map((k) => `not in comments_by_post: ${k}`),
    ...[...listed].filter((k) => !inById.has(k)).map((k) => `only in comments_by_post: ${k}`),
  ];
  return { seen, byPostDiffers };
}

/**
 * The posts as the app answers GET /api/posts/:id (404 = absent), with every comment page;
 * `concurrency` requests at a time.
 */
export async function appSeen(blog: BlogClient, ids: string[], concurrency = 4): Promise<Seen> {
  const seen: Seen = { posts: new Map(), comments: new Map() };
  await mapConcurrent(ids, concurrency, async (id) => {
    let res = await blog.get(`/api/posts/${id}`);
    if (res.status === 404) return;
    if (res.status !== 200) throw new Error(`GET /api/posts/${id}: ${res.status} ${res.text}`);
    const post = res.body as { title: string; author: string; content: string; version: number };
    seen.posts.set(id, post);
    for (;;) {
      const body = res.body as {
        comments: { id: string; postId: string; commenter: string; comment: string }[];
        nextComments: string | null;
      };
      for (const c of body.comments) seen.comments.set(c.id, c);
      if (!body.nextComments) break;
      res = await blog
        .get(`/api/posts/${id}?comments=${encodeURIComponent(body.nextComments)}`)
        .expect(200);
    }
  });
  return seen;
}

export interface ListedPost {
  id: string;
  title: string;
  author: string;
  excerpt: string;
  version: number;
}

/** Every post of the app's listing (GET /api/posts, newest first, 100 a page). */
export async function appListing(blog: BlogClient): Promise<ListedPost[]> {
  const items: ListedPost[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const res = await blog.get(`/api/posts?sort=newest&limit=100${query}`).expect(200);
    const page = res.body as { items: ListedPost[]; next: string | null };
    items.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return items;
}

/** The listing shows every live post once, with its acked title, author and excerpt. */
export function listingDifferences(acked: AckedPost[], items: ListedPost[]): string[] {
  const out: string[] = [];
  const listed = new Map(items.map((i) => [i.id, i]));
  if (listed.size !== items.length) out.push(`listing: ${items.length - listed.size} repeated`);
  for (const post of acked) {
    const item = listed.get(post.id);
    if (post.deleted) {
      if (item) out.push(`listing: deleted post ${post.id} is listed`);
      continue;
    }
    const want = { title: post.title, author: post.author, excerpt: excerptOf(post.content) };
    const has = item && { title: item.title, author: item.author, excerpt: item.excerpt };
    if (JSON.stringify(want) !== JSON.stringify(has)) {
      out.push(`listing: post ${post.id} is ${JSON.stringify(has)}, acked ${JSON.stringify(want)}`);
    } else if (post.version !== undefined && item!.version !== post.version) {
      out.push(`listing: post ${post.id} has version ${item!.version}, acked ${post.version}`);
    }
    listed.delete(post.id);
  }
  for (const id of listed.keys()) out.push(`listing: post ${id} was never written`);
  return out;
}

/**
 * Through the app, spread over its instances: the whole listing (every post's title, author,
 * excerpt and version; deleted ones absent), then one by one with every comment each deleted
 * post (a 404), `touched` of the posts the clients wrote to (all by default) and `untouched`
 * others. Returns the differences and how many posts were read one by one.
 */
export async function appDifferences(
  blogs: BlogClient[],
  acked: AckedPost[],
  sample: { touched?: number; untouched?: number } = {},
): Promise<{ differences: string[]; read: number }> {
  const out = listingDifferences(acked, await appListing(blogs[0]));
  const shuffled = (posts: AckedPost[]) => posts.sort(() => Math.random() - 0.5);
  const touched = shuffled(acked.filter((p) => p.touched && !p.deleted));
  const untouched = shuffled(acked.filter((p) => !p.touched));
  const checked = [
    ...acked.filter((p) => p.deleted),
    ...touched.slice(0, sample.touched ?? touched.length),
    ...untouched.slice(0, sample.untouched ?? 50),
  ];
  const shares = blogs.map((_, i) => checked.filter((__, index) => index % blogs.length === i));
  const seen = await Promise.all(
    shares.map((posts, i) =>
      appSeen(
        blogs[i],
        posts.map((p) => p.id),
        3,
      ),
    ),
  );
  for (const [i, posts] of shares.entries()) {
    out.push(...differences(`app ${i + 1}`, posts, seen[i], false));
  }
  return { differences: out, read: checked.length };
}

/** How often each value occurs. */
export function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** An account as a store holds it (the fields a client can see and change). */
export interface StoredAccount {
  id: string;
  username: string;
  name: string;
  role: string;
  disabled: boolean;
}

/** A store's accounts, and in Cassandra the name claims (`account_names`: username → id). */
export interface AccountsSeen {
  accounts: StoredAccount[];
  claims?: Map<string, string>;
}

/** Every account in MongoDB's `accounts` collection. */
export async function mongoAccounts(config: AppConfig): Promise<AccountsSeen> {
  return withMongo(config, async (db) => {
    const docs = await db
      .collection<{ _id: string } & Omit<StoredAccount, 'id'>>('accounts')
      .find({})
      .toArray();
    return {
      accounts: docs.map((d) => ({
        id: d._id,
        username: d.username,
        name: d.name,
        role: d.role,
        disabled: d.disabled,
      })),
    };
  });
}

/** Every account row in Cassandra's `accounts` table (with a version) and every name claim. */
export async function cassandraAccounts(client: Client, ks: string): Promise<AccountsSeen> {
  const rows = await scanRows(
    client,
    `${ks}.accounts`,
    'id',
    'id, username, name, role, disabled, version',
  );
  const claims = await scanRows(client, `${ks}.account_names`, 'username', 'username, account_id');
  return {
    accounts: rows
      .filter((r) => r.get('version') !== null)
      .map((r) => ({
        id: r.get('id') as string,
        username: r.get('username') as string,
        name: r.get('name') as string,
        role: r.get('role') as string,
        disabled: r.get('disabled') as boolean,
      })),
    claims: new Map(
      claims.map((r) => [r.get('username') as string, r.get('account_id') as string]),
    ),
  };
}

/**
 * Every difference between the acknowledged accounts and a store's: each one present with its
 * acked username, name, role and disabled flag, no username held by two accounts, and in
 * Cassandra each acked username claimed by its account.
 */
export function accountDifferences(
  where: string,
  acked: Iterable<StoredAccount>,
  seen: AccountsSeen,
): string[] {
  const out: string[] = [];
  const byId = new Map(seen.accounts.map((a) => [a.id, a]));
  const perName = countBy(seen.accounts.map((a) => a.username));
  for (const [username, n] of Object.entries(perName)) {
    if (n > 1) out.push(`${where}: ${n} accounts named ${username}`);
  }
  for (const want of acked) {
    const got = byId.get(want.id);
    const fields = (a: StoredAccount) =>
      JSON.stringify({ username: a.username, name: a.name, role: a.role, disabled: a.disabled });
    if (!got) out.push(`${where}: account ${want.id} (${want.username}) is missing`);
    else if (fields(got) !== fields(want)) {
      out.push(`${where}: account ${want.id} is ${fields(got)}, acked ${fields(want)}`);
    }
    const claim = seen.claims?.get(want.username);
    if (seen.claims && claim !== want.id) {
      out.push(
        `${where}: the name ${want.username} is claimed by ${claim ?? 'nobody'}, not ${want.id}`,
      );
    }
  }
  return out;
}
