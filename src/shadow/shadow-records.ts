import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { Connection, mongo } from 'mongoose';
import { StoreName } from '../config/migration-phase';
import { CassandraClient } from '../database/cassandra/cassandra-client';
import { ShadowKind } from './shadow-compare';

/** A confirmed difference between what the two stores return for one record. */
export interface ShadowMismatch {
  /** `<kind>:<id>` */
  key: string;
  kind: ShadowKind;
  id: string;
  /** the fields that differed at the recheck (or `missing in <store>`) */
  fields: string[];
  /** the page whose sample found it: post, listing or comments */
  page: string;
  /** the phase served when it was found, and its primary and secondary */
  phase: string;
  primary: StoreName;
  secondary: StoreName;
  first_seen: string;
  last_seen: string;
  /** how many samples confirmed it */
  confirmations: number;
  /** set once a later sample of the record matched (after a repair) */
  closed_at?: string;
}

/** One instance's samples in one minute (cumulative within the minute; rewritten as it grows). */
export interface MinuteSamples {
  /** the minute's start, ISO */
  minute: string;
  instance: string;
  matched: number;
  mismatched: number;
  errors: number;
  dropped: number;
}

/** Sample rows are kept two days: the longest SHADOW_WINDOW is one. */
export const SAMPLES_TTL_SECONDS = 2 * 86_400;
/** Closed mismatches stay visible a week, for the dashboard and the runbook. */
export const CLOSED_TTL_SECONDS = 7 * 86_400;

/** Where one store keeps the shadow reads' mismatches and per-minute sample counts. */
export abstract class ShadowRecords {
  abstract readonly store: StoreName;
  abstract readOpen(): Promise<ShadowMismatch[]>;
  abstract readMismatch(key: string): Promise<ShadowMismatch | undefined>;
  abstract writeMismatch(mismatch: ShadowMismatch): Promise<void>;
  abstract readSamples(since: Date): Promise<MinuteSamples[]>;
  abstract writeSamples(rows: MinuteSamples[]): Promise<void>;
}

interface MismatchDocument {
  _id: string;
  body: string;
  open: boolean;
  expires_at?: Date;
}

interface SamplesDocument extends Omit<MinuteSamples, 'minute'> {
  _id: string;
  minute: Date;
}

/** MongoDB: collections `shadow_mismatches` and `shadow_samples`. */
@Injectable()
export class MongoShadowRecords extends ShadowRecords {
  readonly store = 'mongo' as const;

  constructor(@InjectConnection() private readonly connection: Connection) {
    super();
  }

  private get mismatches(): mongo.Collection<MismatchDocument> {
    return this.connection.collection<MismatchDocument>('shadow_mismatches');
  }

  private get samples(): mongo.Collection<SamplesDocument> {
    return this.connection.collection<SamplesDocument>('shadow_samples');
  }

  async readOpen(): Promise<ShadowMismatch[]> {
    const documents = await this.mismatches.find({ open: true }).toArray();
    return documents.map((document) => JSON.parse(document.body) as ShadowMismatch);
  }

  async readMismatch(key: string): Promise<ShadowMismatch | undefined> {
    const document = await this.mismatches.findOne({ _id: key });
    return document ? (JSON.parse(document.body) as ShadowMismatch) : undefined;
  }

  async writeMismatch(mismatch: ShadowMismatch): Promise<void> {
    const open = !mismatch.closed_at;
    await this.mismatches.replaceOne(
      { _id: mismatch.key },
      {
        body: JSON.stringify(mismatch),
        open,
        ...(open ? {} : { expires_at: new Date(Date.now() + CLOSED_TTL_SECONDS * 1000) }),
      },
      { upsert: true },
    );
    // FerretDB has no TTL index: writers sweep what expired
    if (!open) await this.mismatches.deleteMany({ open: false, expires_at: { $lt: new Date() } });
  }

  async readSamples(since: Date): Promise<MinuteSamples[]> {
    const documents = await this.samples.find({ minute: { $gte: since } }).toArray();
    return documents.map(({ _id, minute, ...counts }) => ({
      ...counts,
      minute: minute.toISOString(),
    }));
  }

  async writeSamples(rows: MinuteSamples[]): Promise<void> {
    if (rows.length === 0) return;
    await this.samples.bulkWrite(
      rows.map((row) => ({
        replaceOne: {
          filter: { _id: `${row.minute}|${row.instance}` },
          replacement: { ...row, minute: new Date(row.minute) },
          upsert: true,
        },
      })),
      { ordered: false },
    );
    await this.samples.deleteMany({
      minute: { $lt: new Date(Date.now() - SAMPLES_TTL_SECONDS * 1000) },
    });
  }
}

/** Cassandra: tables `shadow_mismatches` and `shadow_samples` (a partition per UTC day). */
@Injectable()
export class CassandraShadowRecords extends ShadowRecords {
  readonly store = 'cassandra' as const;

  constructor(private readonly client: CassandraClient) {
    super();
  }

  async readOpen(): Promise<ShadowMismatch[]> {
    // a small table (one row per record that ever differed, closed ones expire): a scan
    const result = await this.client.execute(
      `SELECT body, open FROM ${this.client.table('shadow_mismatches')}`,
      [],
      { idempotent: true },
    );
    return result.rows
      .filter((row) => row.get('open') === true)
      .map((row) => JSON.parse(row.get('body') as string) as ShadowMismatch);
  }

  async readMismatch(key: string): Promise<ShadowMismatch | undefined> {
    const result = await this.client.execute(
      `SELECT body FROM ${this.client.table('shadow_mismatches')} WHERE key = ?`,
      [key],
      { idempotent: true },
    );
    const body = result.first()?.get('body') as string | undefined;
    return body ? (JSON.parse(body) as ShadowMismatch) : undefined;
  }

  async writeMismatch(mismatch: ShadowMismatch): Promise<void> {
    const open = !mismatch.closed_at;
    await this.client.execute(
      `INSERT INTO ${this.client.table('shadow_mismatches')} (key, body, open, updated_at) VALUES (?, ?, ?, ?) USING TTL ?`,
      [mismatch.key, JSON.stringify(mismatch), open, new Date(), open ? 0 : CLOSED_TTL_SECONDS],
      { idempotent: true },
    );
  }

  async readSamples(since: Date): Promise<MinuteSamples[]> {
    const rows: MinuteSamples[] = [];
    for (const day of daysFrom(since, new Date())) {
      const result = await this.client.execute(
        `SELECT minute, instance, matched, mismatched, errors, dropped FROM ${this.client.table('shadow_samples')} WHERE day = ? AND minute >= ?`,
        [day, since],
        { idempotent: true },
      );
      for (const row of result.rows) {
        rows.push({
          minute: (row.get('minute') as Date).toISOString(),
          instance: row.get('instance') as string,
          matched: Number(row.get('matched') ?? 0),
          mismatched: Number(row.get('mismatched') ?? 0),
          errors: Number(row.get('errors') ?? 0),
          dropped: Number(row.get('dropped') ?? 0),
        });
      }
    }
    return rows;
  }

  async writeSamples(rows: MinuteSamples[]): Promise<void> {
    for (const row of rows) {
      await this.client.execute(
        `INSERT INTO ${this.client.table('shadow_samples')} (day, minute, instance, matched, mismatched, errors, dropped) VALUES (?, ?, ?, ?, ?, ?, ?) USING TTL ?`,
        [
          row.minute.slice(0, 10),
          new Date(row.minute),
          row.instance,
          row.matched,
          row.mismatched,
          row.errors,
          row.dropped,
          SAMPLES_TTL_SECONDS,
        ],
        { idempotent: true },
      );
    }
  }
}

/** The UTC days ('YYYY-MM-DD') from `since` to `until`, both included. */
export function daysFrom(since: Date, until: Date): string[] {
  const days: string[] = [];
  const day = new Date(Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate()));
  while (day.getTime() <= until.getTime()) {
    days.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return days;
}
