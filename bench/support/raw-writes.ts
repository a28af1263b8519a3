import { Client } from 'cassandra-driver';
import { mapConcurrent } from '../../src/common/map-concurrent';
import { AppConfig } from '../../src/config/app-config';
import {
  CassandraStatement,
  cassandraClientOptions,
} from '../../src/database/cassandra/cassandra-client';
import {
  baseRowWrite,
  commentWrites,
  derivedRowWrites,
} from '../../src/store/cassandra/cassandra-post-rows';
import { Records } from './migration-data';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { executeConcurrent } = require('cassandra-driver').concurrent as {
  executeConcurrent(
    client: Client,
    queries: CassandraStatement[],
    options: { concurrencyLevel: number },
  ): Promise<unknown>;
};

export interface RawResult {
  records: number;
  seconds: number;
  rate: number;
}

const WRITE = { prepare: true, isIdempotent: true } as const;

/** Runs every batch, `concurrency` at a time (executeConcurrent runs single statements only). */
async function batches(client: Client, list: CassandraStatement[][], concurrency: number) {
  await mapConcurrent(list, concurrency, (statements) =>
    client.batch(statements, { ...WRITE, logged: true }),
  );
}

/**
 * The Cassandra write ceiling for what backfill writes: per post, baseRowWrite as one statement
 * and derivedRowWrites as one logged batch; per comment, commentWrites as one logged batch (the
 * statements the Cassandra post and comment writers of a backfill send, without their read-backs).
 * Statements are built before the clock starts. Posts: the base rows through cassandra-driver's
 * executeConcurrent and, at the same time, the batches through a loop of the same concurrency
 * (executeConcurrent takes no batches), so `concurrency` records are in flight with two requests
 * each, as in backfill; then the comment batches, `concurrency` at a time. The driver options are
 * the app's own (cassandraClientOptions: LOCAL_QUORUM, prepared).
 */
export async function rawWrites(
  config: AppConfig,
  records: Records,
  concurrency: number,
): Promise<RawResult> {
  const client = new Client(cassandraClientOptions(config));
  await client.connect();
  try {
    const ks = config.cassandraKeyspace;
    const base = records.posts.map((post) => baseRowWrite(ks, post));
    const derived = records.posts.map((post) => derivedRowWrites(ks, post));
    let started = Date.now();
    await Promise.all([
      executeConcurrent(client, base, { concurrencyLevel: concurrency }),
      batches(client, derived, concurrency),
    ]);
    let seconds = (Date.now() - started) / 1000;
    base.length = 0;
    derived.length = 0;

    const comments = records.comments.map((comment) => commentWrites(ks, comment));
    started = Date.now();
    await batches(client, comments, concurrency);
    seconds += (Date.now() - started) / 1000;
    const count = records.posts.length + records.comments.length;
    return { records: count, seconds, rate: count / seconds };
  } finally {
    await client.shutdown();
  }
}
