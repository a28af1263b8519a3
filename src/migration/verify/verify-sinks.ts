import { Hash64, hashHex } from '../../common/hash';
import { SeenRow, VerifySink } from '../../store/replica';
import { BUCKETS, bucketOf } from './buckets';

export { BUCKETS } from './buckets';

class Digest {
  readonly count = new Uint32Array(BUCKETS);
  // sums of 32-bit halves stay exact in a double up to 2^21 rows per bucket
  readonly hi = new Float64Array(BUCKETS);
  readonly lo = new Float64Array(BUCKETS);

  add(bucket: number, hash: Hash64): void {
    this.count[bucket]++;
    this.hi[bucket] += hash.hi;
    this.lo[bucket] += hash.lo;
  }

  same(other: Digest, bucket: number): boolean {
    return (
      this.count[bucket] === other.count[bucket] &&
      this.hi[bucket] === other.hi[bucket] &&
      this.lo[bucket] === other.lo[bucket]
    );
  }
}

const EMPTY = new Digest();

/**
 * Pass 1 of verify: per channel and role, an order-independent digest of every record per bucket
 * (a sum, so a record present twice or missing changes it). Memory is fixed, whatever the size
 * of the data.
 */
export class DigestSink implements VerifySink {
  readonly keepsRows = false;
  private readonly digests = new Map<string, Digest>();

  add(channel: string, role: string, id: string, hash: Hash64): void {
    const key = `${channel}|${role}`;
    let digest = this.digests.get(key);
    if (!digest) this.digests.set(key, (digest = new Digest()));
    digest.add(bucketOf(id, BUCKETS), hash);
  }

  /** How many records a channel's role holds in total. */
  total(channel: string, role: string): number {
    return (this.digests.get(`${channel}|${role}`) ?? EMPTY).count.reduce((a, b) => a + b, 0);
  }

  /** The buckets where the two roles of a channel disagree. */
  differing(channel: string, a: string, b: string): number[] {
    const left = this.digests.get(`${channel}|${a}`) ?? EMPTY;
    const right = this.digests.get(`${channel}|${b}`) ?? EMPTY;
    const out: number[] = [];
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      if (!left.same(right, bucket)) out.push(bucket);
    }
    return out;
  }

  /** Records in a bucket over every channel and role: what a drill into it will hold. */
  entriesIn(bucket: number): number {
    let n = 0;
    for (const digest of this.digests.values()) n += digest.count[bucket];
    return n;
  }
}

export interface DrillEntry {
  role: string;
  hash: string;
  seen?: SeenRow;
}

/** Pass 2 of verify: every entry of the chosen buckets, by channel and id. */
export class DrillSink implements VerifySink {
  readonly keepsRows = true;
  readonly byChannel = new Map<string, Map<string, DrillEntry[]>>();

  constructor(private readonly buckets: ReadonlySet<number>) {}

  add(channel: string, role: string, id: string, hash: Hash64, seen?: SeenRow): void {
    if (!this.buckets.has(bucketOf(id, BUCKETS))) return;
    let byId = this.byChannel.get(channel);
    if (!byId) this.byChannel.set(channel, (byId = new Map()));
    let entries = byId.get(id);
    if (!entries) byId.set(id, (entries = []));
    entries.push({ role, hash: hashHex(hash), seen });
  }
}
