import { mongo } from 'mongoose';
import { POST_KIND } from '../kinds/post.kind';
import { RederiveResult, rederivePosts } from '../store/mongo/mongo-listing-partitions';
import { MigrationFileError } from './migration-file';

/**
 * The collections `rederive` rewrites, each with the store code that derives its documents'
 * fields (the record kinds with derived fields: posts).
 */
export const REDERIVERS: Readonly<Record<string, (db: mongo.Db) => Promise<RederiveResult>>> = {
  [POST_KIND.mongo.collection]: rederivePosts,
};

/**
 * What a Mongo migration may do. Deliberately small: only what both MongoDB and FerretDB 1.24
 * support (no partial, TTL or text indexes), and nothing that destroys data. `rederive` computes
 * the derived fields a release added to the documents already stored (REDERIVERS).
 */
export type MongoOperation =
  | { createCollection: string }
  | {
      createIndex: {
        collection: string;
        key: Record<string, 1 | -1>;
        name: string;
        unique?: boolean;
      };
    }
  | { dropIndex: { collection: string; name: string } }
  | { rederive: string };

export interface MongoMigration {
  description: string;
  operations: MongoOperation[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.]{0,119}$/;

function fail(fileName: string, problem: string): never {
  throw new MigrationFileError(`mongo migration ${fileName}: ${problem}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkName(fileName: string, where: string, value: unknown): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    fail(fileName, `${where} must be a collection/index name (got ${JSON.stringify(value)})`);
  }
  return value;
}

function checkOperation(fileName: string, op: unknown, index: number): MongoOperation {
  const where = `operations[${index}]`;
  if (!isObject(op) || Object.keys(op).length !== 1) {
    fail(fileName, `${where} must be an object with exactly one operation`);
  }
  const [kind, arg] = Object.entries(op)[0];
  if (kind === 'createCollection') {
    return { createCollection: checkName(fileName, `${where}.createCollection`, arg) };
  }
  if (kind === 'createIndex' && isObject(arg)) {
    const { collection, key, name, unique, ...rest } = arg;
    if (Object.keys(rest).length > 0) {
      fail(
        fileName,
        `${where}.createIndex has unsupported options: ${Object.keys(rest).join(', ')}`,
      );
    }
    if (!isObject(key) || Object.keys(key).length === 0) {
      fail(fileName, `${where}.createIndex.key must list at least one field`);
    }
    for (const [field, direction] of Object.entries(key)) {
      if (direction !== 1 && direction !== -1) {
        fail(fileName, `${where}.createIndex.key.${field} must be 1 or -1`);
      }
    }
    if (unique !== undefined && typeof unique !== 'boolean') {
      fail(fileName, `${where}.createIndex.unique must be true or false`);
    }
    return {
      createIndex: {
        collection: checkName(fileName, `${where}.createIndex.collection`, collection),
        key: key as Record<string, 1 | -1>,
        name: checkName(fileName, `${where}.createIndex.name`, name),
        ...(unique !== undefined && { unique }),
      },
    };
  }
  if (kind === 'dropIndex' && isObject(arg)) {
    return {
      dropIndex: {
        collection: checkName(fileName, `${where}.dropIndex.collection`, arg.collection),
        name: checkName(fileName, `${where}.dropIndex.name`, arg.name),
      },
    };
  }
  if (kind === 'rederive') {
    const collection = checkName(fileName, `${where}.rederive`, arg);
    if (!(collection in REDERIVERS)) {
      fail(
        fileName,
        `${where}.rederive: ${collection} has no derived fields (one of: ${Object.keys(REDERIVERS).join(', ')})`,
      );
    }
    return { rederive: collection };
  }
  return fail(
    fileName,
    `${where}: unknown operation "${kind}" (use createCollection, createIndex, dropIndex or rederive)`,
  );
}

/** Parses and validates a declarative Mongo migration (JSON). */
export function parseMongoMigration(content: string, fileName: string): MongoMigration {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    fail(fileName, `not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(parsed) || typeof parsed.description !== 'string') {
    fail(fileName, 'must be an object with a "description" string');
  }
  if (!Array.isArray(parsed.operations) || parsed.operations.length === 0) {
    fail(fileName, 'must have a non-empty "operations" array');
  }
  return {
    description: parsed.description,
    operations: parsed.operations.map((op, index) => checkOperation(fileName, op, index)),
  };
}

/** One line per operation, for `schema migrate --dry-run`. */
export function describeMongoOperation(op: MongoOperation): string {
  if ('createCollection' in op) return `createCollection ${op.createCollection}`;
  if ('createIndex' in op) {
    const { collection, key, name, unique } = op.createIndex;
    return `createIndex ${collection} ${name} ${JSON.stringify(key)}${unique ? ' unique' : ''}`;
  }
  if ('rederive' in op) return `rederive ${op.rederive}`;
  return `dropIndex ${op.dropIndex.collection} ${op.dropIndex.name}`;
}
