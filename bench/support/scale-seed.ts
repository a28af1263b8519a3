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
const CHUNK = 1000;
/** Requests in flight (single rows or one partition's batch each). */
const CONCURRENCY = 64;
/**
 * One partition's rows per unlogged batch, at most: a batch of rows sharing a partition is one
 * mutation for Cassandra, the cheapest write there is. Kept under batch_size_fail_threshold
 * (50 KiB by default) with posts_by_title rows of ~0.5 KiB.
 */
const BATCH_ROWS = 40;
const BATCH_BYTES = 40_000;

const WRITE = { prepare: true, isIdempotent: true } as const;

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

  /** Adds posts (and 5× comments) until there are `target` posts. */
  async growTo(target: number, progress: (p: SeedProgress) => void): Promise<SeedStep> {
    const started = Date.now();
    let rows = 0;
    let posts = 0;
    let comments = 0;
    let lastReport = started;
    while (this.total < target) {
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
      if (Date.now() - lastReport > 10_000 || this.total >= target) {
        lastReport = Date.now();
        progress({ posts: this.total, rows, seconds: (Date.now() - started) / 1000 });
      }
    }
    const seconds = (Date.now() - started) / 1000;
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
 * The statements as units of work: an INSERT's first parameter is its table's (single-column)
 * partition key, so INSERTs into one table and partition go together as one unlogged batch (at
 * most BATCH_ROWS rows / BATCH_BYTES); anything else (posts_by_id's UPDATE) alone. Repeats of
 * one statement (a listing partition every post of a month names) are sent once.
 */
function byPartition(statements: CassandraStatement[]): CassandraStatement[][] {
  const groups = new Map<string, CassandraStatement[]>();
  const seen = new Set<string>();
  const units: CassandraStatement[][] = [];
  for (const statement of statements) {
    if (!statement.query.startsWith('INSERT')) {
      units.push([statement]);
      continue;
    }
    if (statement.query.includes(LISTING_PARTITIONS)) {
      const whole = statement.params.join('\n');
      if (seen.has(whole)) continue;
      seen.add(whole);
    }
    const key = `${statement.query}\n${String(statement.params[0])}`;
    const group = groups.get(key) ?? [];
    groups.set(key, group);
    group.push(statement);
  }
  for (const group of groups.values()) {
    let unit: CassandraStatement[] = [];
    let bytes = 0;
    for (const statement of group) {
      const size = JSON.stringify(statement.params).length;
      if (unit.length && (unit.length >= BATCH_ROWS || bytes + size > BATCH_BYTES)) {
        units.push(unit);
        unit = [];
        bytes = 0;
      }
      unit.push(statement);
      bytes += size;
    }
    if (unit.length) units.push(unit);
  }
  return units;
}

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
          client.execute(`ALTER TABLE ${ks}.${table} WITH memtable_flush_period_in_ms = ${ms}`),
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
