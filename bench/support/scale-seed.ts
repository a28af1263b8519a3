import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Client, types } from 'cassandra-driver';
import { mapConcurrent } from '../../src/common/map-concurrent';
import { sleep } from '../../src/common/sleep';
import { AppConfig } from '../../src/config/app-config';
import {
  CassandraStatement,
  cassandraClientOptions,
} from '../../src/database/cassandra/cassandra-client';
import { Comment, Post } from '../../src/store/post';
import {
  baseRowWrite,
  commentWrites,
  derivedRowWrites,
} from '../../src/store/cassandra/cassandra-post-rows';
import { LISTING_PARTITIONS } from '../../src/store/cassandra/cql';
import { newId } from '../../src/store/versions';
import { AUTHORS, WORDS, fakePost } from './seed';

/** How many months back the seeded posts' created_at reaches (a blog ten years old). */
export const SCALE_MONTHS = 120;
/** Posts with exactly this many comments: the post page measured (one page of comments). */
export const FULL_THREAD = 50;
/** How many such posts the first chunk of a keyspace seeds. */
export const FULL_THREADS = 20;
/** Posts per chunk: the unit of progress (a rerun redoes at most one chunk). */
export const CHUNK = 4000;
/** Requests in flight (single rows or one partition's batch each). */
const CONCURRENCY = 64;
/**
 * One partition's rows per unlogged batch, at most: a batch of rows sharing a partition is one
 * mutation for Cassandra, the cheapest write there is. Kept under batch_size_fail_threshold
 * (50 KiB by default) with posts_by_title rows of ~0.5 KiB.
 */
const BATCH_ROWS = 40;
const BATCH_BYTES = 40_000;
const SPREAD_ROWS = 10;
/** The table of each size's keyspace that records how far its seed got. */
export const PROGRESS_TABLE = 'bench_scale_seed';

const WRITE = { prepare: true, isIdempotent: true } as const;
/** A schema change waits for every table's flush lock: slow on a busy machine (12 s seen). */
const SCHEMA_CHANGE = { readTimeout: 180_000 } as const;
const MONTH_MS = 30.4 * 86_400_000;

/** The keyspace of one size: scale_10k, scale_100k, scale_1m, scale_1100. */
export function keyspaceOf(posts: number): string {
  const name =
    posts >= 1e6 && posts % 1e6 === 0
      ? `${posts / 1e6}m`
      : posts >= 1000 && posts % 1000 === 0
        ? `${posts / 1000}k`
        : String(posts);
  return `scale_${name}`;
}

/** A seeded pseudo-random generator (mulberry32): the same seed gives the same numbers. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex8 = (random: () => number) =>
  Math.floor(random() * 2 ** 32)
    .toString(16)
    .padStart(8, '0');
/** newId's layout (4 bytes of seconds, 8 more), the 8 bytes drawn from `random`. */
const idAt = (at: Date, random: () => number) =>
  Math.floor(at.getTime() / 1000)
    .toString(16)
    .padStart(8, '0') +
  hex8(random) +
  hex8(random);
const pickWith = <T>(random: () => number, items: readonly T[]) =>
  items[Math.floor(random() * items.length)];
const words = (random: () => number, n: number) =>
  Array.from({ length: n }, () => pickWith(random, WORDS)).join(' ');

/**
 * A post like fakePost's (3-word title, 150 words), created at a moment of the SCALE_MONTHS
 * months before `anchor`, everything drawn from `random`; its version (the write timestamp) is
 * its creation, so writing it twice writes the same cells.
 */
export function scalePost(random: () => number, anchor: number): Post {
  const createdAt = new Date(anchor - Math.floor(random() * SCALE_MONTHS * MONTH_MS));
  return {
    id: idAt(createdAt, random),
    title: words(random, 3),
    content: words(random, 150),
    author: pickWith(random, AUTHORS),
    ownerId: '',
    createdAt,
    updatedAt: createdAt,
    version: createdAt.getTime() * 1000,
  };
}

/** A comment like fakeComment's, within a day of its post, drawn from `random`. */
export function scaleComment(random: () => number, post: Post): Comment {
  const createdAt = new Date(post.createdAt.getTime() + Math.floor(random() * 86_400_000));
  return {
    id: idAt(createdAt, random),
    postId: post.id,
    commenter: pickWith(random, AUTHORS),
    comment: words(random, 20),
    createdAt,
  };
}

export interface ScaleChunk {
  posts: Post[];
  comments: Comment[];
  /** the posts given FULL_THREAD comments each (chunk 0 only) */
  threads: string[];
}

/**
 * Chunk `index` of a keyspace of `target` posts: a function of (index, target, anchor) only, so a
 * rerun after an interruption writes exactly the rows the cut run was writing (upserts at the
 * same timestamps: nothing doubles). CHUNK posts (the last chunk fewer) and 5 comments per post:
 * FULL_THREAD each for the first FULL_THREADS posts of chunk 0, the rest at random.
 */
export function scaleChunk(index: number, target: number, anchor: number): ScaleChunk {
  const size = Math.max(0, Math.min(CHUNK, target - index * CHUNK));
  const random = seededRandom(0x5ca1e + index * 7919);
  const posts = Array.from({ length: size }, () => scalePost(random, anchor));
  const threads = index === 0 ? posts.slice(0, FULL_THREADS) : [];
  const comments = threads.flatMap((post) =>
    Array.from({ length: FULL_THREAD }, () => scaleComment(random, post)),
  );
  const others = posts.slice(threads.length);
  while (comments.length < size * 5 && others.length) {
    comments.push(scaleComment(random, pickWith(random, others)));
  }
  return { posts, comments, threads: threads.map((p) => p.id) };
}

/** How far a keyspace's seed got (its row in PROGRESS_TABLE). */
export interface SeedState {
  target: number;
  /** created_at of the posts spreads over the SCALE_MONTHS months before this (epoch ms) */
  anchor: number;
  /** chunks fully written */
  chunks: number;
  posts: number;
  comments: number;
  /** Cassandra rows written (every query table, the listing partitions included) */
  rows: number;
  /** seconds spent seeding, over every run that seeded this keyspace */
  seconds: number;
  threads: string[];
  /** the keyspace's SSTables after a flush, when last measured */
  dataBytes: number | null;
}

export interface SeedProgress {
  posts: number;
  rows: number;
  seconds: number;
}

export interface SeedRun {
  state: SeedState;
  /** what this run added */
  rows: number;
  seconds: number;
}

/**
 * Seeds one size's keyspace directly, with the app's own row builders (baseRowWrite,
 * derivedRowWrites, commentWrites: the statements a createPost / addComment sends), grouped by
 * partition into unlogged batches, CHUNK posts at a time, so memory stays flat at 1M. Resumable:
 * after each chunk its row in PROGRESS_TABLE says how far the seed got, and chunks are
 * deterministic (scaleChunk), so a rerun continues at the first chunk not recorded; a complete
 * keyspace is left as it is.
 */
export class ScaleSeeder {
  private readonly client: Client;
  readonly ks: string;

  constructor(config: AppConfig) {
    this.client = new Client(cassandraClientOptions(config));
    this.ks = config.cassandraKeyspace;
  }

  connect(): Promise<void> {
    return this.client.connect();
  }

  shutdown(): Promise<void> {
    return this.client.shutdown();
  }

  /** The recorded progress (null: never seeded); creates the progress table if needed. */
  async state(): Promise<SeedState | null> {
    await this.client.execute(
      `CREATE TABLE IF NOT EXISTS ${this.ks}.${PROGRESS_TABLE} (id text PRIMARY KEY, target int, anchor timestamp, chunks int, posts int, comments int, rows bigint, seconds double, threads list<text>, data_bytes bigint)`,
      [],
      SCHEMA_CHANGE,
    );
    const row = (
      await this.client.execute(`SELECT * FROM ${this.ks}.${PROGRESS_TABLE} WHERE id = 'seed'`)
    ).first();
    if (!row) return null;
    const bytes = row.get('data_bytes') as types.Long | null;
    return {
      target: row.get('target') as number,
      anchor: (row.get('anchor') as Date).getTime(),
      chunks: row.get('chunks') as number,
      posts: row.get('posts') as number,
      comments: row.get('comments') as number,
      rows: Number(row.get('rows')),
      seconds: row.get('seconds') as number,
      threads: (row.get('threads') as string[] | null) ?? [],
      dataBytes: bytes === null ? null : Number(bytes),
    };
  }

  async record(state: SeedState): Promise<void> {
    await this.client.execute(
      `INSERT INTO ${this.ks}.${PROGRESS_TABLE} (id, target, anchor, chunks, posts, comments, rows, seconds, threads, data_bytes) VALUES ('seed', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        state.target,
        new Date(state.anchor),
        state.chunks,
        state.posts,
        state.comments,
        types.Long.fromNumber(state.rows),
        state.seconds,
        state.threads,
        state.dataBytes === null ? null : types.Long.fromNumber(state.dataBytes),
      ],
      { prepare: true },
    );
  }

  /**
   * Seeds until the keyspace holds `target` posts (5× comments), or until `until` (epoch ms) has
   * passed (the keyspace then holds what it reached; the next run continues it). The keyspace
   * is written without its commit log meanwhile (durable_writes = false, a bulk load's usual
   * setting: the rows are the same; a drained or stopped Cassandra flushes them, only a crash
   * would lose them), and set back to the migrations' durable_writes = true after.
   */
  async seed(
    target: number,
    progress: (p: SeedProgress) => void,
    until = Infinity,
    now = Date.now(),
  ): Promise<SeedRun> {
    const recorded = await this.state();
    if (recorded && recorded.target !== target) {
      throw new Error(
        `keyspace ${this.ks} was seeded for ${recorded.target} posts, not ${target}: drop it to reseed`,
      );
    }
    const state: SeedState = recorded ?? {
      target,
      anchor: now,
      chunks: 0,
      posts: 0,
      comments: 0,
      rows: 0,
      seconds: 0,
      threads: [],
      dataBytes: null,
    };
    if (state.posts >= target) return { state, rows: 0, seconds: 0 };
    await this.durableWrites(false);
    try {
      return await this.grow(state, progress, until);
    } finally {
      await this.durableWrites(true);
    }
  }

  private durableWrites(on: boolean) {
    return this.client.execute(
      `ALTER KEYSPACE ${this.ks} WITH durable_writes = ${String(on)}`,
      [],
      SCHEMA_CHANGE,
    );
  }

  private async grow(
    state: SeedState,
    progress: (p: SeedProgress) => void,
    until: number,
  ): Promise<SeedRun> {
    const started = Date.now();
    let rows = 0;
    let lastReport = started;
    while (state.posts < state.target && Date.now() < until) {
      const chunkStarted = Date.now();
      const chunk = scaleChunk(state.chunks, state.target, state.anchor);
      const statements = [
        ...chunk.posts.flatMap((post) => [
          baseRowWrite(this.ks, post),
          ...derivedRowWrites(this.ks, post),
        ]),
        ...chunk.comments.flatMap((comment) => commentWrites(this.ks, comment)),
      ];
      const units = byPartition(statements);
      await mapConcurrent(units, CONCURRENCY, (unit) =>
        unit.length === 1
          ? this.client.execute(unit[0].query, unit[0].params, WRITE)
          : this.client.batch(unit, { ...WRITE, logged: false }),
      );
      const written = units.reduce((sum, unit) => sum + unit.length, 0);
      rows += written;
      state.chunks += 1;
      state.posts += chunk.posts.length;
      state.comments += chunk.comments.length;
      state.rows += written;
      state.seconds += (Date.now() - chunkStarted) / 1000;
      state.threads.push(...chunk.threads);
      state.dataBytes = null;
      await this.record(state);
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        progress({ posts: state.posts, rows, seconds: (Date.now() - started) / 1000 });
      }
    }
    const seconds = (Date.now() - started) / 1000;
    progress({ posts: state.posts, rows, seconds });
    return { state, rows, seconds };
  }
}

/** A post created at a random moment of the SCALE_MONTHS months before `now`. */
export function spreadPost(now: number): Post {
  const createdAt = new Date(now - Math.floor(Math.random() * SCALE_MONTHS * MONTH_MS));
  return { ...fakePost(), id: newId(createdAt), createdAt, updatedAt: createdAt };
}

/**
 * The statements as units of work. An INSERT's first parameter is its table's (single-column)
 * partition key, so INSERTs into one table and partition go together as one unlogged batch (at
 * most BATCH_ROWS rows / BATCH_BYTES): one mutation for Cassandra. What is left alone in its
 * partition (posts_by_id's UPDATE, a comments_by_id row) goes in unlogged batches of
 * SPREAD_ROWS partitions of one table: one request instead of SPREAD_ROWS, all local on one node,
 * and under unlogged_batch_across_partitions_warn_threshold (10). Repeats of one listing
 * partition (every post of a month names it) are sent once.
 */
export function byPartition(statements: CassandraStatement[]): CassandraStatement[][] {
  const groups = new Map<string, CassandraStatement[]>();
  const seen = new Set<string>();
  for (const statement of statements) {
    if (statement.query.includes(LISTING_PARTITIONS)) {
      const whole = statement.params.join('\n');
      if (seen.has(whole)) continue;
      seen.add(whole);
    }
    const partition = statement.query.startsWith('INSERT')
      ? String(statement.params[0])
      : String(statement.params[statement.params.length - 1]); // UPDATE … WHERE key = ?
    const key = `${statement.query}\n${partition}`;
    const group = groups.get(key);
    if (group) group.push(statement);
    else groups.set(key, [statement]);
  }
  const units: CassandraStatement[][] = [];
  const alone = new Map<string, CassandraStatement[]>();
  for (const group of groups.values()) {
    if (group.length === 1) {
      const same = alone.get(group[0].query) ?? [];
      alone.set(group[0].query, same);
      same.push(group[0]);
    } else {
      units.push(...slices(group, BATCH_ROWS));
    }
  }
  for (const same of alone.values()) units.push(...slices(same, SPREAD_ROWS));
  return units;
}

/** Consecutive runs of at most `rows` statements and BATCH_BYTES of parameters. */
function slices(group: CassandraStatement[], rows: number): CassandraStatement[][] {
  const out: CassandraStatement[][] = [];
  let unit: CassandraStatement[] = [];
  let bytes = 0;
  for (const statement of group) {
    const size = paramBytes(statement);
    if (unit.length && (unit.length >= rows || bytes + size > BATCH_BYTES)) {
      out.push(unit);
      unit = [];
      bytes = 0;
    }
    unit.push(statement);
    bytes += size;
  }
  if (unit.length) out.push(unit);
  return out;
}

const paramBytes = (statement: CassandraStatement) =>
  statement.params.reduce<number>((sum, p) => sum + (typeof p === 'string' ? p.length * 2 : 16), 0);

/** Bytes of every file under `dir` (0 when it does not exist). */
export function folderBytes(dir: string): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of entries) {
    const full = path.join(dir, name);
    const stat = statSync(full, { throwIfNoEntry: false });
    if (!stat) continue;
    total += stat.isDirectory() ? folderBytes(full) : stat.size;
  }
  return total;
}

/**
 * The keyspace's SSTables on disk after its memtables were flushed. The stack runs Cassandra
 * without JMX (no nodetool flush), so each table gets memtable_flush_period_in_ms for a moment:
 * Cassandra then flushes it on its own. Waits until the folder stops growing, and puts the
 * tables back as the schema migrations made them (period 0).
 */
export async function flushedKeyspaceBytes(config: AppConfig, dataDir: string): Promise<number> {
  const client = new Client(cassandraClientOptions(config));
  await client.connect();
  const ks = config.cassandraKeyspace;
  try {
    const tables = (
      await client.execute(
        'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?',
        [ks],
        { prepare: true },
      )
    ).rows.map((row) => row.get('table_name') as string);
    const setPeriod = (ms: number) =>
      Promise.all(
        tables.map((table) =>
          client.execute(
            `ALTER TABLE ${ks}.${table} WITH memtable_flush_period_in_ms = ${ms}`,
            [],
            SCHEMA_CHANGE,
          ),
        ),
      );
    await setPeriod(1000);
    const folder = keyspaceFolder(dataDir, ks);
    let last = -1;
    let size = folderBytes(folder);
    // flushes happen within a second or two; compactions after them may shrink the folder again
    for (let i = 0; i < 60 && size !== last; i++) {
      await sleep(3000);
      last = size;
      size = folderBytes(folder);
    }
    await setPeriod(0);
    return size;
  } finally {
    await client.shutdown();
  }
}

function keyspaceFolder(dataDir: string, ks: string): string {
  return path.join(dataDir, ks);
}
