import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { Collection, Connection } from 'mongoose';
import { FieldType } from '../../kinds/record-kind';
import { isDuplicateKey } from '../mongo/mongo-documents';
import { Hint, HintLog } from './hint-log';

interface HintDocument {
  /** `${entity}:${id}`: one document per record */
  _id: string;
  entity: Hint['entity'];
  id: string;
  post_id: string;
  op: Hint['op'];
  at: number;
  error: string;
  /** added later: hints recorded before it, and outside a request, have none */
  request_id?: string;
}

/**
 * The type of every field of a hint document (a restored backup's hints are checked on it);
 * HINT_OPTIONAL_FIELDS may be missing.
 */
export const HINT_DOCUMENT_FIELDS: Readonly<Record<keyof HintDocument, FieldType>> = {
  _id: 'text',
  entity: 'text',
  id: 'text',
  post_id: 'text',
  op: 'text',
  at: 'integer',
  error: 'text',
  request_id: 'text',
};

export const HINT_OPTIONAL_FIELDS: readonly (keyof HintDocument)[] = ['request_id'];

/** MongoDB's collection of hints. */
export const HINTS_COLLECTION = 'hints';

/** Hints in MongoDB's `hints` collection (phases where MongoDB is the primary). */
@Injectable()
export class MongoHintLog extends HintLog {
  readonly store = 'mongo';

  constructor(@InjectConnection() private readonly connection: Connection) {
    super();
  }

  private get hints(): Collection<HintDocument> {
    return this.connection.collection<HintDocument>(HINTS_COLLECTION);
  }

  async record(hint: Hint): Promise<void> {
    const doc: HintDocument = {
      _id: `${hint.entity}:${hint.id}`,
      entity: hint.entity,
      id: hint.id,
      post_id: hint.postId,
      op: hint.op,
      at: hint.at,
      error: hint.error,
      ...(hint.requestId && { request_id: hint.requestId }),
    };
    // a newer miss replaces the whole hint: an older miss's request id must not stay behind
    const unset = doc.request_id === undefined ? { $unset: { request_id: '' as const } } : {};
    try {
      await this.hints.updateOne(
        { _id: doc._id, at: { $lt: hint.at } },
        { $set: doc, ...unset },
        { upsert: true },
      );
    } catch (error) {
      // the log already holds a newer (or the same) miss of this record
      if (!isDuplicateKey(error)) throw error;
    }
  }

  pending(): Promise<number> {
    return this.hints.countDocuments({});
  }

  async list(limit: number): Promise<Hint[]> {
    const docs = await this.hints.find({}).sort({ at: 1 }).limit(limit).toArray();
    return docs.map((doc) => ({
      entity: doc.entity,
      id: doc.id,
      postId: doc.post_id,
      op: doc.op,
      at: Number(doc.at),
      error: doc.error,
      ...(doc.request_id && { requestId: doc.request_id }),
    }));
  }

  async remove(hint: Hint): Promise<void> {
    await this.hints.deleteOne({ _id: `${hint.entity}:${hint.id}`, at: hint.at });
  }

  /** One bulk write of remove's deletes: each still matches only the miss it was read as. */
  override async removeMany(hints: readonly Hint[]): Promise<void> {
    if (hints.length === 0) return;
    await this.hints.bulkWrite(
      hints.map((hint) => ({
        deleteOne: { filter: { _id: `${hint.entity}:${hint.id}`, at: hint.at } },
      })),
      { ordered: false },
    );
  }
}
