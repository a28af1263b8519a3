import { Injectable } from '@nestjs/common';
import { types } from 'cassandra-driver';
import { CassandraClient } from '../../database/cassandra/cassandra-client';
import { mapConcurrent } from '../../common/map-concurrent';
import { long } from '../cassandra/cql';
import { Hint, HintLog } from './hint-log';

const BUCKETS = Array.from({ length: 16 }, (_, i) => i);

/** Ids end in random hex digits: the last one spreads hints evenly over the buckets. */
function bucketOf(id: string): number {
  const digit = parseInt(id.slice(-1), 16);
  return Number.isNaN(digit) ? 0 : digit;
}

/**
 * Hints in Cassandra's `hints` table (phases where Cassandra is the primary). Written and removed
 * with the hint's time as the write timestamp: a newer miss of the same record is written above
 * it, so removing the older one (at its own timestamp) leaves the newer in place, without a
 * lightweight transaction.
 */
@Injectable()
export class CassandraHintLog extends HintLog {
  readonly store = 'cassandra';

  constructor(private readonly client: CassandraClient) {
    super();
  }

  async record(hint: Hint): Promise<void> {
    await this.client.execute(
      `INSERT INTO ${this.client.table('hints')} (bucket, entity, id, op, post_id, at, error, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
      [
        bucketOf(hint.id),
        hint.entity,
        hint.id,
        hint.op,
        hint.postId,
        long(hint.at),
        hint.error,
        // null, not unset: a newer miss outside a request must not keep an older miss's id
        hint.requestId ?? null,
        long(hint.at),
      ],
      { idempotent: true },
    );
  }

  async pending(): Promise<number> {
    const counts = await mapConcurrent(BUCKETS, 4, async (bucket) => {
      const result = await this.client.execute(
        `SELECT COUNT(*) AS n FROM ${this.client.table('hints')} WHERE bucket = ?`,
        [bucket],
        { idempotent: true },
      );
      return Number(result.first().get('n'));
    });
    return counts.reduce((a, b) => a + b, 0);
  }

  async list(limit: number): Promise<Hint[]> {
    const perBucket = await mapConcurrent(BUCKETS, 4, async (bucket) => {
      const result = await this.client.execute(
        `SELECT entity, id, op, post_id, at, error, request_id FROM ${this.client.table('hints')} WHERE bucket = ? LIMIT ?`,
        [bucket, limit],
        { idempotent: true, fetchSize: limit },
      );
      return result.rows.map((row): Hint => ({
        entity: row.get('entity') as Hint['entity'],
        id: row.get('id') as string,
        postId: row.get('post_id') as string,
        op: row.get('op') as Hint['op'],
        at: Number(row.get('at') as types.Long),
        error: row.get('error') as string,
        ...((row.get('request_id') as string | null) && {
          requestId: row.get('request_id') as string,
        }),
      }));
    });
    return perBucket
      .flat()
      .sort((a, b) => a.at - b.at)
      .slice(0, limit);
  }

  async remove(hint: Hint): Promise<void> {
    await this.client.execute(
      `DELETE FROM ${this.client.table('hints')} USING TIMESTAMP ? WHERE bucket = ? AND entity = ? AND id = ?`,
      [long(hint.at), bucketOf(hint.id), hint.entity, hint.id],
      { idempotent: true },
    );
  }
}
