import { Injectable } from '@nestjs/common';
import { types } from 'cassandra-driver';
import { CassandraClient, CassandraStatement } from '../../database/cassandra/cassandra-client';
import { Comment, Post } from '../../store/post';
import { StoreTotals } from '../../store/post-store';
import { CassandraPostStore } from '../../store/cassandra/cassandra-post-store';
import {
  commentFromRow,
  partitionWrite,
  postFromRow,
} from '../../store/cassandra/cassandra-post-rows';
import { countRows, MIN_TOKEN, scanTable } from '../../store/cassandra/cassandra-scan';
import { mapConcurrent } from '../../common/map-concurrent';
import { nowMicros } from '../../store/versions';
import { hashHex, hashOf, postHash } from '../verify/record-hash';
import {
  Channel,
  Deletion,
  MigrationSide,
  PostState,
  ScanPage,
  SeenEntry,
  SeenRow,
  VerifySink,
} from './migration-side';
import {
  keyText,
  RequiredRow,
  requiredCommentRows,
  requiredListingRows,
  requiredPostRows,
  rowDelete,
  rowHash,
  rowKey,
  RowTable,
  rowWritetime,
  selectColumns,
  TABLES,
} from './cassandra-rows';

const READ = { idempotent: true } as const;
const WRITE = { idempotent: true } as const;

/** The listing tables and the channel that checks each. */
const LISTINGS = ['posts_by_month', 'posts_by_title', 'posts_by_author'] as const;

/**
 * Cassandra as the migration sees it. Resumable scans follow the token order of the by-id
 * tables (positions are tokens); verify scans read every query table by token range and check
 * that each post and comment has exactly the rows its base row says it must have.
 */
/** What the backfill's scans read of each table. */
const SCANNED_COLUMNS = {
  posts_by_id: 'id, title, content, author, created_at, updated_at, version',
  comments_by_id: 'id, post_id, commenter, comment, created_at',
  post_deletions: 'id, deleted_at',
} as const;

@Injectable()
export class CassandraSide extends MigrationSide {
  readonly name = 'cassandra' as const;

  constructor(
    private readonly client: CassandraClient,
    readonly store: CassandraPostStore,
  ) {
    super();
  }

  scanPosts(after: string | undefined, pageSize: number): AsyncIterable<ScanPage<Post>> {
    // a row left of a post's other cells (no version) is not a post
    return this.scanByToken('posts_by_id', after, pageSize, (row) =>
      row.get('version') === null ? undefined : postFromRow(row),
    );
  }

  scanComments(after: string | undefined, pageSize: number): AsyncIterable<ScanPage<Comment>> {
    return this.scanByToken('comments_by_id', after, pageSize, commentFromRow);
  }

  scanDeletions(after: string | undefined, pageSize: number): AsyncIterable<ScanPage<Deletion>> {
    return this.scanByToken('post_deletions', after, pageSize, (row) => ({
      id: row.get('id') as string,
      deletedAt: Number(row.get('deleted_at')),
    }));
  }

  estimate(): Promise<StoreTotals> {
    return this.store.totals();
  }

  async countAfter(postsAfter?: string, commentsAfter?: string): Promise<StoreTotals> {
    const from = (position?: string) => (position === undefined ? MIN_TOKEN : BigInt(position));
    const [posts, comments] = await Promise.all([
      countRows(this.client, 'posts_by_id', 'id', from(postsAfter)),
      countRows(this.client, 'comments_by_id', 'id', from(commentsAfter)),
    ]);
    return { posts, comments };
  }

  async verifyScan(sink: VerifySink, channels: ReadonlySet<Channel>): Promise<void> {
    const wants = (...names: Channel[]) => names.some((n) => channels.has(n));
    const partitions = new Set<string>();
    const scans: Promise<void>[] = [];
    // rows are only kept (with their keys and write times) when drilling into differences
    const keep = sink.keepsRows;
    const scan = (table: RowTable, visit: (row: types.Row, seen?: SeenRow) => void) =>
      scanTable(
        this.client,
        table,
        TABLES[table].partitionKey,
        selectColumns(table, keep),
        (row) =>
          visit(
            row,
            keep
              ? { table, key: rowKey(table, row), writetime: rowWritetime(table, row) }
              : undefined,
          ),
        2,
      );

    const listingChannels = LISTINGS.map((t) => `cassandra.${t}` as Channel);
    if (wants('post', ...listingChannels)) {
      scans.push(
        scan('posts_by_id', (row, seen) => {
          if (row.get('version') === null) return; // no post: cells left of a deleted one
          const post = postFromRow(row);
          sink.add('post', 'cassandra', post.id, postHash(post), seen);
          for (const required of requiredListingRows(post)) {
            sink.add(`cassandra.${required.table}` as Channel, 'expected', post.id, required.hash);
          }
        }),
      );
    }
    // a listing row in a partition listing_partitions does not name is never shown
    const partitionOf: Partial<Record<RowTable, (row: types.Row) => string>> = {
      posts_by_month: (row) => `month:${row.get('month') as string}`,
      posts_by_title: (row) => `title:${row.get('prefix') as string}`,
    };
    const listingScans: Promise<void>[] = [];
    for (const table of LISTINGS) {
      if (!channels.has(`cassandra.${table}`)) continue;
      const partition = partitionOf[table];
      listingScans.push(
        scan(table, (row, seen) => {
          const id = row.get('id') as string;
          sink.add(`cassandra.${table}`, 'actual', id, rowHash(table, row), seen);
          if (partition) partitions.add(partition(row));
        }),
      );
    }
    scans.push(
      Promise.all(listingScans).then(() =>
        channels.has('cassandra.listing_partitions')
          ? this.checkPartitions(sink, partitions)
          : undefined,
      ),
    );
    if (wants('comment', 'cassandra.comments_by_post')) {
      scans.push(
        scan('comments_by_id', (row, seen) => {
          const id = row.get('id') as string;
          const hash = rowHash('comments_by_id', row);
          sink.add('comment', 'cassandra', id, hash, seen);
          sink.add('cassandra.comments_by_post', 'expected', id, hash);
        }),
      );
    }
    if (channels.has('cassandra.comments_by_post')) {
      scans.push(
        scan('comments_by_post', (row, seen) => {
          const id = row.get('id') as string;
          sink.add(
            'cassandra.comments_by_post',
            'actual',
            id,
            rowHash('comments_by_post', row),
            seen,
          );
        }),
      );
    }
    await Promise.all(scans);
  }

  async repairPost(id: string, state: PostState, seen: SeenEntry[]): Promise<void> {
    const required = state.kind === 'live' ? requiredPostRows(state.post) : [];
    await this.rewrite(required, seen);
    // records the deletion and removes the comments; rows a scan found were removed above, at
    // their own times, in case they were written above the deletion
    if (state.kind === 'deleted') await this.store.applyDelete(id, state.deletedAt);
  }

  async repairComment(id: string, comment: Comment | null, seen: SeenEntry[]): Promise<void> {
    await this.rewrite(comment ? requiredCommentRows(comment) : [], seen);
  }

  /** A listing partition the posts need but listing_partitions lacks. */
  async repairPartition(name: string): Promise<void> {
    const [listing, ...rest] = name.split(':');
    await this.run([partitionWrite(this.client.keyspace, listing, rest.join(':'))]);
  }

  /**
   * Makes a record's rows exactly `required`: every seen row that is not one of them is deleted
   * at its own write time (a newer write of the same row survives), every required row not seen
   * as it should be is written at its usual timestamp (or just above a row deleted under the
   * same key). A row can still be hidden by a tombstone no scan sees (a deletion made by hand
   * at a later time): reading the rows back finds that, and such rows are written at the current
   * time, which later versions of the record (written later) still overwrite.
   */
  private async rewrite(required: RequiredRow[], seen: SeenEntry[]): Promise<void> {
    const ks = this.client.keyspace;
    const matched = new Set<number>();
    const deletedAt = new Map<string, number>();
    const deletes: CassandraStatement[] = [];
    for (const entry of seen) {
      const table = entry.row.table as RowTable;
      const index = required.findIndex(
        (r, i) => !matched.has(i) && r.table === table && hashHex(r.hash) === entry.hash,
      );
      if (index >= 0) {
        matched.add(index);
        continue;
      }
      const at = entry.row.writetime ?? nowMicros();
      deletes.push(rowDelete(ks, table, entry.row.key, at));
      deletedAt.set(keyText(table, entry.row.key), at);
    }
    await this.run(deletes);
    const missing = required.filter((_, i) => !matched.has(i));
    await this.run(
      missing.flatMap((r) => {
        const below = deletedAt.get(keyText(r.table, r.key));
        return r.write(ks, below !== undefined && below >= r.timestamp ? below + 1 : r.timestamp);
      }),
    );
    const hidden = await this.unreadable(missing);
    if (hidden.length > 0) await this.run(hidden.flatMap((r) => r.write(ks, nowMicros())));
  }

  /** The required rows that do not read back as written. */
  private async unreadable(rows: RequiredRow[]): Promise<RequiredRow[]> {
    const found = await mapConcurrent(rows, 8, async (r) => {
      const where = TABLES[r.table].keys.map((k) => `${k} = ?`).join(' AND ');
      const result = await this.client.execute(
        `SELECT ${selectColumns(r.table)} FROM ${this.client.table(r.table)} WHERE ${where}`,
        r.key,
        READ,
      );
      const row = result.first();
      return !!row && hashHex(rowHash(r.table, row)) === hashHex(r.hash);
    });
    return rows.filter((_, i) => !found[i]);
  }

  private async run(statements: CassandraStatement[]): Promise<void> {
    await mapConcurrent(statements, 8, (s) => this.client.execute(s.query, s.params, WRITE));
  }

  /** Partitions listing rows live in, against those listing_partitions names (extra ones are fine). */
  private async checkPartitions(sink: VerifySink, needed: Set<string>): Promise<void> {
    const present = new Set<string>();
    for (const listing of ['month', 'title']) {
      const result = await this.client.execute(
        `SELECT partition FROM ${this.client.table('listing_partitions')} WHERE listing = ?`,
        [listing],
        READ,
      );
      for (const row of result.rows) present.add(`${listing}:${row.get('partition') as string}`);
    }
    for (const name of needed) {
      sink.add('cassandra.listing_partitions', 'expected', name, hashOf([name]));
      if (present.has(name))
        sink.add('cassandra.listing_partitions', 'actual', name, hashOf([name]));
    }
  }

  private async *scanByToken<T>(
    table: keyof typeof SCANNED_COLUMNS,
    after: string | undefined,
    pageSize: number,
    /** undefined: the row is skipped */
    map: (row: types.Row) => T | undefined,
  ): AsyncIterable<ScanPage<T>> {
    const from = types.Long.fromString(
      (after === undefined ? MIN_TOKEN : BigInt(after)).toString(),
    );
    const columns = SCANNED_COLUMNS[table];
    let pageState: string | undefined;
    do {
      const page = await this.client.page(
        `SELECT token(id) AS t, ${columns} FROM ${this.client.table(table)} WHERE token(id) > ?`,
        [from],
        { ...READ, fetchSize: pageSize, pageState },
      );
      const last = page.rows[page.rows.length - 1];
      if (last) {
        const items = page.rows.map(map).filter((item): item is T => item !== undefined);
        yield { items, position: (last.get('t') as types.Long).toString() };
      }
      pageState = page.pageState;
    } while (pageState);
  }
}
