import { Connection } from 'mongoose';
import {
  KNOWN_VERSIONS_MAX,
  KnownVersions,
  MongoPostRecords,
} from '../../../src/store/mongo/mongo-post-records';
import { fakePost } from '../migration/fake-replica';

/** A `posts` collection that counts its scans, holding `count` posts (ids p0, p1, …). */
function fakePosts(count: number) {
  const calls = { scans: 0, failures: 0 };
  const collection = {
    estimatedDocumentCount: async () => count,
    find: () => ({
      batchSize: () => ({
        async *[Symbol.asyncIterator]() {
          calls.scans++;
          if (calls.failures > 0) {
            calls.failures--;
            throw new Error('connection reset');
          }
          for (let i = 0; i < Math.min(count, 3); i++) yield { _id: `p${i}`, version: 10 + i };
        },
      }),
    }),
  };
  const connection = { collection: () => collection } as unknown as Connection;
  const known: (KnownVersions | undefined)[] = [];
  const records = new MongoPostRecords(connection);
  records.applyMany = async (_posts, _concurrency, versions) => {
    known.push(versions);
  };
  return { records, calls, known };
}

describe('MongoPostRecords.writer (logic, fake collection)', () => {
  const page = [fakePost(), fakePost()];

  it('reads the posts’ versions once for a whole run and hands them to every page', async () => {
    const { records, calls, known } = fakePosts(3);
    const write = records.writer();
    for (let i = 0; i < 4; i++) await write(page, 4);
    expect(calls.scans).toBe(1);
    expect(known).toHaveLength(4);
    for (const versions of known) {
      expect(versions).toEqual(
        new Map([
          ['p0', 10],
          ['p1', 11],
          ['p2', 12],
        ]),
      );
    }
    // a new run reads again: the store may have moved on
    await records.writer()(page, 4);
    expect(calls.scans).toBe(2);
  });

  it('beyond KNOWN_VERSIONS_MAX posts, reads nothing and lets each page look its posts up', async () => {
    const { records, calls, known } = fakePosts(KNOWN_VERSIONS_MAX + 1);
    const write = records.writer();
    await write(page, 4);
    await write(page, 4);
    expect(calls.scans).toBe(0);
    expect(known).toEqual([undefined, undefined]);
  });

  it('a failed read fails the page, and the page written again reads again', async () => {
    const { records, calls, known } = fakePosts(3);
    calls.failures = 1;
    const write = records.writer();
    await expect(write(page, 4)).rejects.toThrow('connection reset');
    expect(known).toHaveLength(0);
    await write(page, 4);
    expect(calls.scans).toBe(2);
    expect(known[0]?.size).toBe(3);
  });
});
