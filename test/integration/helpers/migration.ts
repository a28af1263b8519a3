import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client, types } from 'cassandra-driver';
import mongoose from 'mongoose';
import { AppConfig } from '../../../src/config/app-config';
import { BackfillCheckpoint, backfillName } from '../../../src/migration/backfill/backfill.service';
import { VerifyReport } from '../../../src/migration/verify/verify.service';
import { Comment, Post } from '../../../src/store/post';
import { tokenRanges } from '../../../src/store/cassandra/cassandra-scan';
import { toCommentDocument, toPostDocument } from '../../../src/store/mongo/mongo-documents';
import { listingPartitionsOf } from '../../../src/store/mongo/mongo-listing-partitions';
import { newId, nowMicros } from '../../../src/store/versions';
import { CliRun } from './app';

const ROOT = join(__dirname, '../../..');

/** The Cassandra query tables with the partition key a token-range scan goes by. */
export const POST_TABLES = {
  posts_by_id: 'id',
  posts_by_month: 'month',
  posts_by_title: 'prefix',
  posts_by_author: 'author',
} as const;
export const COMMENT_TABLES = { comments_by_id: 'id', comments_by_post: 'post_id' } as const;

/** A backfill checkpoint of the blog's kinds: its stages and what each copied. */
export type BlogCheckpoint = BackfillCheckpoint & {
  stage: 'posts' | 'comments' | 'deletions' | 'comment-deletions' | 'done';
  posts: number;
  comments: number;
  deletions?: number;
  'comment-deletions'?: number;
};

export interface Dataset {
  posts: Post[];
  comments: Comment[];
}

const AUTHORS = Array.from({ length: 40 }, (_, i) => `Author ${i}`);
const WORDS = [
  'Apple',
  'banana',
  'Cherry',
  'délice',
  'Émile',
  'fig',
  'Grape',
  'zeta',
  '42',
  'Ökonomie',
];

/**
 * Posts and comments written "before dual-write started": ids and versions made like the app
 * makes them (newId, nowMicros), created over the last two years so they land in many month and
 * title partitions, comments spread over the posts (round robin, so every post gets some).
 */
export function makeDataset(postCount: number, commentCount: number, tag = 'seed'): Dataset {
  const now = Date.now();
  const twoYears = 2 * 365 * 24 * 3600 * 1000;
  const posts: Post[] = [];
  for (let i = 0; i < postCount; i++) {
    const createdAt = new Date(now - twoYears + Math.floor((twoYears * i) / postCount));
    posts.push({
      id: newId(createdAt),
      title: `${WORDS[i % WORDS.length]} ${tag} post ${i}`,
      content: `Content of ${tag} post ${i}.\nSecond line ${'x'.repeat(i % 300)}`,
      author: AUTHORS[i % AUTHORS.length],
      ownerId: '',
      createdAt,
      updatedAt: createdAt,
      version: nowMicros(),
    });
  }
  const comments: Comment[] = [];
  for (let i = 0; i < commentCount; i++) {
    const post = posts[i % postCount];
    const createdAt = new Date(post.createdAt.getTime() + 1000 + i);
    comments.push({
      id: newId(createdAt),
      postId: post.id,
      commenter: `Reader ${i % 97}`,
      comment: `Comment ${i} on ${post.title}`,
      createdAt,
    });
  }
  return { posts, comments };
}

/** Writes the dataset straight into MongoDB's collections (what the app stores), in batches. */
export async function insertDataset(db: mongoose.mongo.Db, data: Dataset, batch = 2000) {
  const insert = async <D extends { _id: string }>(name: string, docs: D[]) => {
    for (let i = 0; i < docs.length; i += batch) {
      await db
        .collection<D>(name)
        .insertMany(docs.slice(i, i + batch) as mongoose.mongo.OptionalUnlessRequiredId<D>[], {
          ordered: false,
        });
    }
  };
  // as the app writes them: the listing partitions first, then the documents
  await listingPartitionsOf(db).note(data.posts);
  await insert('posts', data.posts.map(toPostDocument));
  await insert('comments', data.comments.map(toCommentDocument));
}

/** The environment a CLI run needs to reach the same stores as `config` (cf. testEnv). */
export function cliEnvOf(config: AppConfig): Record<string, string> {
  return {
    NODE_ENV: config.nodeEnv,
    MIGRATION_PHASE: config.migrationPhase,
    MONGO_URL: config.mongoUrl,
    CASSANDRA_CONTACT_POINTS: config.cassandraContactPoints.join(','),
    CASSANDRA_LOCAL_DC: config.cassandraLocalDc,
    CASSANDRA_KEYSPACE: config.cassandraKeyspace,
    CASSANDRA_REPLICATION: config.cassandraReplication,
    // what the cassandra-primary and cassandra gates need from shadow reads (testEnv: none)
    SHADOW_MIN_SAMPLES: String(config.shadowMinSamples),
    SHADOW_WINDOW: `${config.shadowWindowMs}ms`,
    // a secured Cassandra's login and TLS, when the config has them
    ...Object.fromEntries(
      (
        [
          ['CASSANDRA_USERNAME', config.cassandraUsername],
          ['CASSANDRA_PASSWORD', config.cassandraPassword],
          ['CASSANDRA_TLS_CA', config.cassandraTlsCa],
          ['CASSANDRA_TLS_CERT', config.cassandraTlsCert],
          ['CASSANDRA_TLS_KEY', config.cassandraTlsKey],
        ] as const
      ).filter(([, value]) => value !== undefined),
    ),
  };
}

/** A CLI run in a child process that the test may kill. */
export interface CliProcess {
  child: ChildProcess;
  /** resolves when the process has exited, however it ended */
  done: Promise<CliRun & { signal: NodeJS.Signals | null }>;
}

/**
 * Starts the CLI the way `npm run cli --` does (scripts/run-cli.js: the compiled app) with
 * only the given environment (like runCli), without waiting for it.
 */
export function startCli(env: Record<string, string>, ...args: string[]): CliProcess {
  const child = spawn(process.execPath, [join(ROOT, 'scripts/run-cli.js'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Runs the CLI to the end (asynchronously, unlike runCli, so the test's own work goes on). */
export function cli(env: Record<string, string>, ...args: string[]) {
  return startCli(env, ...args).done;
}

/** `migrate verify --json`: the exit status and the parsed report (undefined if none printed). */
export async function verifyStores(env: Record<string, string>, recheckDelayMs = 2000) {
  const run = await cli(env, 'migrate', 'verify', '--json', '--recheck-delay', `${recheckDelayMs}`);
  let report: VerifyReport | undefined;
  try {
    report = JSON.parse(run.stdout) as VerifyReport;
  } catch {
    report = undefined;
  }
  return { ...run, report };
}

/** The backfill's checkpoint as the CLI saved it in `<keyspace>.migration_state`. */
export async function readCheckpoint(
  client: Client,
  keyspace: string,
): Promise<BlogCheckpoint | undefined> {
  const result = await client.execute(
    `SELECT body FROM ${keyspace}.migration_state WHERE name = ?`,
    [backfillName('mongo', 'cassandra')],
    { prepare: true },
  );
  const body = result.first()?.get('body') as string | null | undefined;
  return body ? (JSON.parse(body) as BlogCheckpoint) : undefined;
}

/** Every row of a table (the given columns), read by token range: bounded statements, paged. */
export async function scanRows(
  client: Client,
  table: string,
  partitionKey: string,
  columns: string,
): Promise<types.Row[]> {
  const rows: types.Row[] = [];
  for (const { start, end } of tokenRanges(16)) {
    let pageState: string | undefined;
    do {
      const result = await client.execute(
        `SELECT ${columns} FROM ${table} WHERE token(${partitionKey}) > ? AND token(${partitionKey}) <= ?`,
        [start, end],
        { prepare: true, fetchSize: 5000, pageState },
      );
      rows.push(...result.rows);
      pageState = result.pageState ?? undefined;
    } while (pageState);
  }
  return rows;
}

/** Every row's `column` (an id): callers compare the row count with the distinct ids. */
export async function scanColumn(
  client: Client,
  table: string,
  partitionKey: string,
  column = 'id',
): Promise<string[]> {
  const rows = await scanRows(client, table, partitionKey, column);
  return rows.map((row) => row.get(column) as string);
}

/** Exact row count of a table with COUNT(*) per token range (like countRows in the app). */
export async function countTable(
  client: Client,
  table: string,
  partitionKey: string,
): Promise<number> {
  let total = 0;
  for (const { start, end } of tokenRanges(16)) {
    const result = await client.execute(
      `SELECT COUNT(*) AS n FROM ${table} WHERE token(${partitionKey}) > ? AND token(${partitionKey}) <= ?`,
      [start, end],
      { prepare: true, readTimeout: 60_000 },
    );
    total += Number(result.first().get('n') as types.Long);
  }
  return total;
}
