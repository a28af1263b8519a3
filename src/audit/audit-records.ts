import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { Connection, mongo } from 'mongoose';
import { reasonOf } from '../common/with-timeout';
import { StoreName } from '../config/migration-phase';
import { CassandraClient } from '../database/cassandra/cassandra-client';
import { AuditEntry, auditDay, auditIdTime } from './audit-entry';

/** A range of ids: `from` inclusive, `before` exclusive; either may be open. */
export interface AuditRange {
  from?: string;
  before?: string;
}

/** Where one store keeps the trail. Append only: there is no update and no delete. */
export abstract class AuditRecords {
  abstract readonly store: StoreName;
  /**
   * Adds the entry; false when this store has no trail (its schema migration not applied, or
   * MongoDB removed after cleanup): nothing is created behind the schema migrations' back.
   */
  abstract append(entry: AuditEntry): Promise<boolean>;
  /** The newest `limit` entries of the range (all of them without a limit), in any order. */
  abstract list(range: AuditRange, limit?: number): Promise<AuditEntry[]>;
}

export const AUDIT_COLLECTION = 'audit_log';

interface AuditDocument {
  _id: string;
  at: Date;
  actor: string;
  action: string;
  target?: string;
  outcome: AuditEntry['outcome'];
  // JSON text: details keep their exact shape, whatever keys they have ($, dots)
  details: string;
}

/** MongoDB: `audit_log`, one document per entry, `_id` the entry's id (so sorted by time). */
@Injectable()
export class MongoAuditRecords extends AuditRecords {
  readonly store = 'mongo' as const;

  constructor(@InjectConnection() private readonly connection: Connection) {
    super();
  }

  private get collection(): mongo.Collection<AuditDocument> {
    return this.connection.collection<AuditDocument>(AUDIT_COLLECTION);
  }

  async append(entry: AuditEntry): Promise<boolean> {
    // an insert would create the collection: in a MongoDB emptied by cleanup or never migrated
    const db = this.connection.db;
    if (!db) throw new Error('MongoDB connection is not open');
    const found = await db
      .listCollections({ name: AUDIT_COLLECTION }, { nameOnly: true })
      .toArray();
    if (found.length === 0) return false;
    const { id, at, details, ...rest } = entry;
    await this.collection.insertOne({
      ...rest,
      _id: id,
      at: new Date(at),
      details: JSON.stringify(details),
    });
    return true;
  }

  async list(range: AuditRange, limit?: number): Promise<AuditEntry[]> {
    const filter: mongo.Filter<AuditDocument> = {};
    if (range.from !== undefined || range.before !== undefined) {
      filter._id = {
        ...(range.from !== undefined && { $gte: range.from }),
        ...(range.before !== undefined && { $lt: range.before }),
      };
    }
    let cursor = this.collection.find(filter).sort({ _id: -1 });
    if (limit !== undefined) cursor = cursor.limit(limit);
    const documents = await cursor.toArray();
    return documents.map(({ _id, at, details, target, ...rest }) => ({
      ...rest,
      id: _id,
      at: at.toISOString(),
      ...(target != null && { target }),
      details: JSON.parse(details) as Record<string, unknown>,
    }));
  }
}

const DAYS_BUCKET = 'days';
const PAGE = 500;

/**
 * Cassandra: `audit_log`, partitioned by UTC day and clustered by id (newest first), and
 * `audit_days`, one small partition listing the days that have entries, so a read walks the
 * days it needs, newest first, and never scans the table.
 */
@Injectable()
export class CassandraAuditRecords extends AuditRecords {
  readonly store = 'cassandra' as const;

  constructor(private readonly client: CassandraClient) {
    super();
  }

  async append(entry: AuditEntry): Promise<boolean> {
    const day = auditDay(auditIdTime(entry.id));
    // the day first: an entry is never in a day the list does not know
    try {
      await this.client.execute(
        `INSERT INTO ${this.client.table('audit_days')} (bucket, day) VALUES (?, ?)`,
        [DAYS_BUCKET, day],
        { idempotent: true },
      );
    } catch (error) {
      if (/unconfigured table|does not exist/i.test(reasonOf(error))) return false;
      throw error;
    }
    await this.client.execute(
      `INSERT INTO ${this.client.table('audit_log')} (day, id, body) VALUES (?, ?, ?)`,
      [day, entry.id, JSON.stringify(entry)],
      { idempotent: true },
    );
    return true;
  }

  async list(range: AuditRange, limit?: number): Promise<AuditEntry[]> {
    const days = await this.days(range);
    const found: AuditEntry[] = [];
    for (const day of days) {
      if (limit !== undefined && found.length >= limit) break;
      const conditions = ['day = ?'];
      const params: unknown[] = [day];
      if (range.from !== undefined) {
        conditions.push('id >= ?');
        params.push(range.from);
      }
      if (range.before !== undefined) {
        conditions.push('id < ?');
        params.push(range.before);
      }
      const cql = `SELECT body FROM ${this.client.table('audit_log')} WHERE ${conditions.join(' AND ')}`;
      for await (const row of this.client.rows(cql, params, {
        idempotent: true,
        fetchSize: PAGE,
      })) {
        found.push(JSON.parse(row.get('body') as string) as AuditEntry);
        if (limit !== undefined && found.length >= limit) break;
      }
    }
    return found;
  }

  /** The days with entries that the range touches, newest first. */
  private async days(range: AuditRange): Promise<string[]> {
    const conditions = ['bucket = ?'];
    const params: unknown[] = [DAYS_BUCKET];
    if (range.from !== undefined) {
      conditions.push('day >= ?');
      params.push(auditDay(auditIdTime(range.from)));
    }
    if (range.before !== undefined) {
      conditions.push('day <= ?');
      params.push(auditDay(auditIdTime(range.before)));
    }
    const result = await this.client.execute(
      `SELECT day FROM ${this.client.table('audit_days')} WHERE ${conditions.join(' AND ')}`,
      params,
      { idempotent: true },
    );
    return result.rows.map((row) => row.get('day') as string);
  }
}
