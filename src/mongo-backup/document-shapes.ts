import { BLOG_KINDS } from '../kinds/blog-kinds';
import { FieldType, KindRecord, RecordKind, fieldNames } from '../kinds/record-kind';
import {
  HINT_DOCUMENT_FIELDS,
  HINT_OPTIONAL_FIELDS,
  HINTS_COLLECTION,
} from '../store/hints/mongo-hint-log';
import { TOMBSTONE_DOCUMENT_FIELDS } from '../store/mongo/mongo-documents';

/**
 * The shape of every document a backup may hold, read from the declarations (the record kinds'
 * fields and derived fields, the hint and tombstone documents), never written out here: a restore
 * puts back only documents the app itself could have written. Documents are checked as the
 * canonical Extended JSON they are stored as in the file, before they are turned into BSON.
 */
interface FieldShape {
  type: FieldType;
  /** a field added after records were stored (old documents lack it) */
  optional: boolean;
}
type DocumentShape = ReadonlyMap<string, FieldShape>;

/** A value of each type, to learn which fields a kind derives and of what type. */
const PLACEHOLDER: Record<FieldType, unknown> = {
  text: '',
  date: new Date(0),
  integer: 0,
  boolean: false,
};

function typeOfValue(value: unknown): FieldType {
  if (value instanceof Date) return 'date';
  if (typeof value === 'number') return 'integer';
  if (typeof value === 'boolean') return 'boolean';
  return 'text';
}

function kindShape(kind: RecordKind): DocumentShape {
  const shape = new Map<string, FieldShape>();
  const placeholder: Record<string, unknown> = {};
  for (const field of fieldNames(kind)) {
    const spec = kind.fields[field as keyof KindRecord];
    shape.set(spec.mongo, { type: spec.type, optional: spec.absent !== undefined });
    placeholder[field] = PLACEHOLDER[spec.type];
  }
  // derived fields (sort keys, excerpts) are written with every record: required, but for those
  // added later, which backups taken before lack (a restore derives them)
  const derived = kind.mongo.derived?.(placeholder as unknown as KindRecord) ?? {};
  for (const [name, value] of Object.entries(derived)) {
    const optional = kind.mongo.addedDerived?.includes(name) ?? false;
    shape.set(name, { type: typeOfValue(value), optional });
  }
  return shape;
}

function plainShape(
  fields: Readonly<Record<string, FieldType>>,
  optional: readonly string[] = [],
): DocumentShape {
  return new Map(
    Object.entries(fields).map(([name, type]) => [
      name,
      { type, optional: optional.includes(name) },
    ]),
  );
}

const SHAPES: ReadonlyMap<string, DocumentShape> = new Map<string, DocumentShape>([
  ...BLOG_KINDS.map((kind): [string, DocumentShape] => [kind.mongo.collection, kindShape(kind)]),
  [HINTS_COLLECTION, plainShape(HINT_DOCUMENT_FIELDS, HINT_OPTIONAL_FIELDS)],
  ...BLOG_KINDS.flatMap((kind): [string, DocumentShape][] =>
    kind.deletions ? [[kind.deletions.mongo, plainShape(TOMBSTONE_DOCUMENT_FIELDS)]] : [],
  ),
]);

/** The collections a shape is declared for (every backed-up collection must be one). */
export const SHAPED_COLLECTIONS: readonly string[] = [...SHAPES.keys()];

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** `{"$numberLong": "…"}` and its kin: the one key and its string value, or undefined. */
function wrapped(value: unknown, keys: readonly string[]): [string, string] | undefined {
  if (!isObject(value)) return undefined;
  const entries = Object.entries(value);
  if (entries.length !== 1) return undefined;
  const [key, inner] = entries[0];
  return keys.includes(key) && typeof inner === 'string' ? [key, inner] : undefined;
}

const INTEGER_TEXT = /^-?\d{1,19}$/;
// doubles hold the versions (microseconds): whole and exact, as EJSON writes them ("…0.0")
const WHOLE_DOUBLE_TEXT = /^-?\d{1,19}(\.0+)?$/;

function isInteger(value: unknown): boolean {
  const number = wrapped(value, ['$numberInt', '$numberLong', '$numberDouble']);
  if (!number) return false;
  const [kind, text] = number;
  const pattern = kind === '$numberDouble' ? WHOLE_DOUBLE_TEXT : INTEGER_TEXT;
  return pattern.test(text) && Number.isSafeInteger(Number(text));
}

function isDate(value: unknown): boolean {
  if (!isObject(value) || Object.keys(value).length !== 1 || !('$date' in value)) return false;
  const date = value.$date;
  // canonical: milliseconds as $numberLong; relaxed: an ISO string
  if (typeof date === 'string') return !Number.isNaN(Date.parse(date));
  const millis = wrapped(date, ['$numberLong']);
  return millis !== undefined && INTEGER_TEXT.test(millis[1]);
}

const CHECKS: Record<FieldType, (value: unknown) => boolean> = {
  text: (value) => typeof value === 'string',
  boolean: (value) => typeof value === 'boolean',
  integer: isInteger,
  date: isDate,
};

const shown = (name: string) => JSON.stringify(name).slice(0, 60);

/**
 * What is wrong with a document (canonical Extended JSON) of `collection`, in a few words, or
 * undefined when it has its declared shape: every required field, each of its type, no other.
 */
export function shapeProblem(collection: string, doc: Record<string, unknown>): string | undefined {
  const shape = SHAPES.get(collection);
  if (!shape) return `${collection} has no declared document shape`;
  for (const [name, field] of shape) {
    if (!Object.prototype.hasOwnProperty.call(doc, name) || doc[name] === null) {
      if (field.optional) continue;
      return `field ${name} is missing`;
    }
    if (!CHECKS[field.type](doc[name])) return `field ${name} is not ${field.type}`;
  }
  const unknown = Object.keys(doc).find((name) => !shape.has(name));
  return unknown === undefined ? undefined : `field ${shown(unknown)} is not a ${collection} field`;
}

/** The document's `_id` for a message, if it is text (shortened). */
export function idOf(doc: Record<string, unknown>): string | undefined {
  return typeof doc._id === 'string' ? JSON.stringify(doc._id.slice(0, 40)) : undefined;
}
