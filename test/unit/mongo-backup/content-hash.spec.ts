import { mongo } from 'mongoose';
import { Tally, totalsDifferences } from '../../../src/mongo-backup/backup-format';
import { ContentHash, sortedJson } from '../../../src/mongo-backup/content-hash';
import { LineSplitter, LineTooLongError } from '../../../src/mongo-backup/line-splitter';

const { EJSON, Double, Int32 } = mongo.BSON;
const ejson = (doc: mongo.Document) => EJSON.serialize(doc, { relaxed: false });

const docs = Array.from({ length: 50 }, (_, i) =>
  ejson({
    _id: `id-${i}`,
    title: `Title ${i} é ✓`,
    created_at: new Date(1_700_000_000_000 + i),
    version: new Double(1_776_000_000_000_000 + i),
    n: new Int32(i),
  }),
);

function hashOf(list: unknown[]): string {
  const hash = new ContentHash();
  for (const doc of list) hash.add(doc);
  return hash.hex();
}

describe('content hash', () => {
  it('is the same whatever order the documents come in', () => {
    const shuffled = [...docs].sort(() => Math.random() - 0.5);
    expect(hashOf(shuffled)).toBe(hashOf(docs));
    expect(hashOf([...docs].reverse())).toBe(hashOf(docs));
  });

  it('is the same whatever order a document has its fields in', () => {
    const { _id, title, ...rest } = docs[0] as Record<string, unknown>;
    expect(hashOf([{ ...rest, title, _id }])).toBe(hashOf([docs[0]]));
    expect(sortedJson({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"x":0,"y":1}]},"b":1}',
    );
  });

  it('changes when a document is changed, missing, added or doubled', () => {
    const base = hashOf(docs);
    const changed = docs.map((doc, i) => (i === 7 ? { ...doc, title: 'Title 7 é ✓.' } : doc));
    expect(hashOf(changed)).not.toBe(base);
    expect(hashOf(docs.slice(1))).not.toBe(base);
    expect(hashOf([...docs, ejson({ _id: 'new' })])).not.toBe(base);
    expect(hashOf([...docs, docs[3]])).not.toBe(base);
  });

  it('tells a BSON type change (a double holding 5 is not the int32 5)', () => {
    expect(hashOf([ejson({ _id: 'a', v: new Double(5) })])).not.toBe(
      hashOf([ejson({ _id: 'a', v: new Int32(5) })]),
    );
    expect(hashOf([ejson({ _id: 'a', v: new Date(1) })])).not.toBe(
      hashOf([ejson({ _id: 'a', v: new Date(2) })]),
    );
  });

  it('is what the same documents give after a round trip through JSON text', () => {
    const reparsed = docs.map((doc) => JSON.parse(JSON.stringify(doc)) as unknown);
    expect(hashOf(reparsed)).toBe(hashOf(docs));
  });

  it('compares totals collection by collection, naming what differs', () => {
    const a = new Tally();
    const b = new Tally();
    for (const doc of docs) {
      a.add('posts', doc);
      b.add('posts', doc);
    }
    a.add('comments', docs[0]);
    b.add('comments', docs[1]);
    a.add('hints', docs[2]);
    const differences = totalsDifferences(
      { name: 'MongoDB', totals: a.totals() },
      { name: 'the backup', totals: b.totals() },
    );
    expect(differences).toEqual([
      'comments (same count, different content)',
      'hints (MongoDB 1 documents, the backup 0)',
    ]);
  });
});

describe('line splitter', () => {
  it('splits bytes into lines across chunk boundaries, multi-byte characters intact', () => {
    const text = 'first ✓ line\nsecond é\n\nlast without newline ✓';
    const bytes = Buffer.from(text, 'utf8');
    for (const size of [1, 2, 3, 7, bytes.length]) {
      const splitter = new LineSplitter();
      const lines: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) {
        lines.push(...splitter.push(bytes.subarray(i, i + size)));
      }
      const last = splitter.end();
      if (last) lines.push(last);
      expect(lines.map((line) => line.toString('utf8'))).toEqual(text.split('\n'));
    }
  });

  it('refuses a line longer than its limit instead of buffering it', () => {
    const splitter = new LineSplitter(10);
    expect(splitter.push(Buffer.from('0123456789\nok'))).toHaveLength(1);
    expect(() => splitter.push(Buffer.from('x'.repeat(20)))).toThrow(LineTooLongError);
  });
});
