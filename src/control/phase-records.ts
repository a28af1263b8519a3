import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { Connection, mongo } from 'mongoose';
import { StoreName } from '../config/migration-phase';
import { CassandraClient } from '../database/cassandra/cassandra-client';
import { MigrationState } from './migration-state';
import { InstanceReport, PhaseRecord } from './phase-record';

const PHASE_ID = 'phase';
const INSTANCE_PREFIX = 'instance:';

/** Where one store keeps the phase record and the instances' reports. */
export abstract class PhaseRecords {
  abstract readonly store: StoreName;
  abstract readPhase(): Promise<PhaseRecord | undefined>;
  abstract writePhase(record: PhaseRecord): Promise<void>;
  /** Reports not yet expired. */
  abstract readInstances(): Promise<InstanceReport[]>;
  abstract writeInstance(report: InstanceReport, ttlSeconds: number): Promise<void>;
  abstract removeInstance(id: string): Promise<void>;
}

interface ControlDocument {
  _id: string;
  body: string;
  expires_at?: Date;
}

/** MongoDB: one collection, `migration_control` (the record and, expiring, the reports). */
@Injectable()
export class MongoPhaseRecords extends PhaseRecords {
  readonly store = 'mongo' as const;

  constructor(@InjectConnection() private readonly connection: Connection) {
    super();
  }

  private get collection(): mongo.Collection<ControlDocument> {
    return this.connection.collection<ControlDocument>('migration_control');
  }

  async readPhase(): Promise<PhaseRecord | undefined> {
    const document = await this.collection.findOne({ _id: PHASE_ID });
    return document ? (JSON.parse(document.body) as PhaseRecord) : undefined;
  }

  async writePhase(record: PhaseRecord): Promise<void> {
    await this.collection.replaceOne(
      { _id: PHASE_ID },
      { body: JSON.stringify(record) },
      { upsert: true },
    );
  }

  async readInstances(): Promise<InstanceReport[]> {
    const now = new Date();
    const documents = await this.collection
      .find({ _id: { $gt: INSTANCE_PREFIX, $lt: `${INSTANCE_PREFIX}\uffff` } })
      .toArray();
    const expired = documents.filter(
      (document) => !document.expires_at || document.expires_at < now,
    );
    if (expired.length > 0) {
      // FerretDB has no TTL index: the readers sweep (a report rewritten meanwhile stays).
      await this.collection.deleteMany({
        _id: { $in: expired.map((document) => document._id) },
        expires_at: { $lt: now },
      });
    }
    return documents
      .filter((document) => !expired.includes(document))
      .map((document) => JSON.parse(document.body) as InstanceReport);
  }

  async writeInstance(report: InstanceReport, ttlSeconds: number): Promise<void> {
    await this.collection.replaceOne(
      { _id: INSTANCE_PREFIX + report.id },
      { body: JSON.stringify(report), expires_at: new Date(Date.now() + ttlSeconds * 1000) },
      { upsert: true },
    );
  }

  async removeInstance(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: INSTANCE_PREFIX + id });
  }
}

/** Cassandra: the record in `migration_state`, the reports in `app_instances` with a TTL. */
@Injectable()
export class CassandraPhaseRecords extends PhaseRecords {
  readonly store = 'cassandra' as const;
  private readonly state: MigrationState;

  constructor(private readonly client: CassandraClient) {
    super();
    this.state = new MigrationState(client);
  }

  readPhase(): Promise<PhaseRecord | undefined> {
    return this.state.get<PhaseRecord>(PHASE_ID);
  }

  writePhase(record: PhaseRecord): Promise<void> {
    return this.state.put(PHASE_ID, record);
  }

  async readInstances(): Promise<InstanceReport[]> {
    const result = await this.client.execute(
      `SELECT body FROM ${this.client.table('app_instances')}`,
      [],
      { idempotent: true },
    );
    return result.rows.map((row) => JSON.parse(row.get('body') as string) as InstanceReport);
  }

  async writeInstance(report: InstanceReport, ttlSeconds: number): Promise<void> {
    await this.client.execute(
      `INSERT INTO ${this.client.table('app_instances')} (id, body, seen_at) VALUES (?, ?, ?) USING TTL ?`,
      [report.id, JSON.stringify(report), new Date(report.seen_at), ttlSeconds],
      { idempotent: true },
    );
  }

  async removeInstance(id: string): Promise<void> {
    await this.client.execute(
      `DELETE FROM ${this.client.table('app_instances')} WHERE id = ?`,
      [id],
      { idempotent: true },
    );
  }
}
