import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Client } from 'cassandra-driver';
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
import { fakeComment, fakePost } from './seed';

/** How many months back the seeded posts' created_at reaches (a blog ten years old). */
export const SCALE_MONTHS = 120;
/** Posts with exactly this many comments: the post page measured (one page of comments). */
export const FULL_THREAD = 50;
/** How many such posts the first size seeds. */
const FULL_THREADS = 20;
const CHUNK = 4000;
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

const WRITE = { prepare: true, isIdempotent: true } as const;
/** A schema change waits for every table's flush lock: slow on a busy machine (12 s seen). */
const SCHEMA_CHANGE = { readTimeout: 180_000 } as const;

export interface SeedProgress {
  posts: number;
  rows: number;
  seconds: number;
}

export interface SeedStep {
  /** posts and comments added by this step */
  posts: number;
  comments: number;
  /** Cassandra rows written (every query table, the listing partitions included) */
  rows: number;
  seconds: number;
  rows_per_second: number;
}

/**
 * Seeds the app's Cassandra tables directly, with the app's own row builders (baseRowWrite,
 * derivedRowWrites, commentWrites: the statements a createPost / addComment sends), grouped by
 * partition into unlogged batches. Posts are made CHUNK at a time, so memory stays flat at 1M.
 * The created_at of each post is spread at random over SCALE_MONTHS months before `now`.
 */
export class ScaleSeeder {
  private readonly client: Client;
  private readonly ks: string;
  /** posts seeded with FULL_THREAD comments each (made by the first grow) */
  readonly fullThreads: string[] = [];
  total = 0;
  commentTotal = 0;

  constructor(
    config: AppConfig,
    private readonly now = Date.now(),
  ) {
    this.client = new Client(cassandraClientOptions(config));
    this.ks = config.cassandraKeyspace;
  }

  connect(): Promise<void> {
    return this.client.connect();
  }

  shutdown(): Promise<void> {
    return this.client.shutdown();
  }

  /**
   * Adds posts (and 5× comments) until there are `target` posts, or until `until` (epoch ms)
   * has passed (then the size is what it reached: a run with a time budget).
   * The keyspace is written without its commit log meanwhile (durable_writes = false, a bulk
   * load's usual setting: the rows are the same, only a crash would lose them), and set back
   * to the migrations' durable_writes = true before anything is measured.
   */
  async growTo(
    target: number,
    progress: (p: SeedProgress) => void,
    until = Infinity,
  ): Promise<SeedStep> {
    await this.durableWrites(false);
    try {
      return await this.grow(target, progress, until);
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
    target: number,
    progress: (p: SeedProgress) => void,
    until: number,
  ): Promise<SeedStep> {
    const started = Date.now();
    let rows = 0;
    let posts = 0;
    let comments = 0;
    let lastReport = started;
    while (this.total < target && Date.now() < until) {
      const size = Math.min(CHUNK, target - this.total);
      const made = Array.from({ length: size }, () => spreadPost(this.now));
      const threads = this.fullThreads.length < FULL_THREADS ? made.slice(0, FULL_THREADS) : [];
      this.fullThreads.push(...threads.map((p) => p.id));
      const madeComments = this.comments(made, threads);
      const statements = [
        ...made.flatMap((post) => [
          baseRowWrite(this.ks, post),
          ...derivedRowWrites(this.ks, post),
        ]),
        ...madeComments.flatMap((comment) => commentWrites(this.ks, comment)),
      ];
      const units = byPartition(statements);
      await mapConcurrent(units, CONCURRENCY, (unit) =>
        unit.length === 1
          ? this.client.execute(unit[0].query, unit[0].params, WRITE)
          : this.client.batch(unit, { ...WRITE, logged: false }),
      );
      rows += units.reduce((sum, unit) => sum + unit.length, 0);
      posts += made.length;
      comments += madeComments.length;
      this.total += made.length;
      this.commentTotal += madeComments.length;
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        progress({ posts: this.total, rows, seconds: (Date.now() - started) / 1000 });
      }
    }
    const seconds = (Date.now() - started) / 1000;
    progress({ posts: this.total, rows, seconds });
    return { posts, comments, rows, seconds, rows_per_second: rows / seconds };
  }

  /** 5 comments per post in all: FULL_THREAD each for `threads`, the rest at random. */
  private comments(posts: Post[], threads: Post[]): Comment[] {
    const out = threads.flatMap((post) =>
      Array.from({ length: FULL_THREAD }, () => fakeComment(post)),
    );
    const others = posts.filter((post) => !threads.includes(post));
    while (out.length < posts.length * 5 && others.length) {
      out.push(fakeComment(others[Math.floor(Math.random() * others.length)]));
    }
    return out;
  }
}

/** A post created at a random moment of the SCALE_MONTHS months before `now`. */
export function spreadPost(now: number): Post {
  const createdAt = new Date(now - Math.floor(Math.random() * SCALE_MONTHS * 30.4 * 86_400_000));
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
