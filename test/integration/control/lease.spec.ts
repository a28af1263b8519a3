import { Leases } from '../../../src/control/lease';
import { sleep } from '../../../src/common/sleep';
import { StoreModule, storeModule } from '../helpers/store-module';

// Leases on the real Cassandra (lightweight transactions, TTL). Timing bounds are wide on
// purpose: other test runs share these servers on 2 cores, so only the order of events is
// asserted tightly; the measured times are logged.
describe('Leases (real Cassandra)', () => {
  let stores: StoreModule;
  let leases: Leases;

  beforeAll(async () => {
    stores = await storeModule('lease', 'cassandra');
    leases = stores.module.get(Leases);
  });
  afterAll(() => stores?.close());

  it('renews the lease while a job longer than its TTL runs; after release another holder gets it at once', async () => {
    // renewed every third of the TTL: a lease left alone would have expired twice over
    const ttlSeconds = 3;
    const jobMs = 7500;
    const attempts: { atMs: number; taken: boolean; holder: string | undefined }[] = [];
    let started = 0;

    const held = await leases.hold(
      'long-job',
      ttlSeconds,
      async () => {
        started = Date.now();
        while (Date.now() - started < jobMs) {
          await sleep(300);
          const taken = await leases.acquire('long-job', 'second-holder', ttlSeconds);
          attempts.push({
            atMs: Date.now() - started,
            taken,
            holder: await leases.holder('long-job'),
          });
          if (taken) break;
        }
        return 'done';
      },
      { holder: 'long-job-holder' },
    );
    const releasedAt = Date.now();
    console.log(
      `lease: job of ${releasedAt - started} ms under a ${ttlSeconds} s lease; the second holder ` +
        `tried ${attempts.length} times, last at ${attempts.at(-1)?.atMs} ms`,
    );

    expect(held).toEqual({ held: true, value: 'done' });
    expect(releasedAt - started).toBeGreaterThanOrEqual(jobMs);
    // at least two TTLs' worth of tries, every one refused: the lease was renewed, not expired
    expect(attempts.length).toBeGreaterThanOrEqual(5);
    expect(attempts.at(-1)!.atMs).toBeGreaterThan(2 * ttlSeconds * 1000);
    expect(attempts.filter((a) => a.taken)).toEqual([]);
    expect(attempts.every((a) => a.holder === 'long-job-holder')).toBe(true);

    // released when the job ended: the next holder does not wait for a TTL
    expect(await leases.holder('long-job')).toBeUndefined();
    expect(await leases.acquire('long-job', 'second-holder', ttlSeconds)).toBe(true);
    console.log(
      `lease: taken by the second holder ${Date.now() - releasedAt} ms after the release`,
    );
    expect(await leases.holder('long-job')).toBe('second-holder');
    await leases.release('long-job', 'second-holder');
  });

  it('a holder that stops renewing (it died) loses the lease after its TTL, and another takes it', async () => {
    const ttlSeconds = 2;
    // acquired and never renewed nor released: what a holder that died leaves behind
    expect(await leases.acquire('orphaned', 'dead-holder', ttlSeconds)).toBe(true);
    const acquiredAt = Date.now();
    expect(await leases.acquire('orphaned', 'next-holder', ttlSeconds)).toBe(false);
    expect(await leases.holder('orphaned')).toBe('dead-holder');

    let ranAfterMs = -1;
    const held = await leases.hold(
      'orphaned',
      ttlSeconds,
      async () => {
        ranAfterMs = Date.now() - acquiredAt;
        return leases.holder('orphaned');
      },
      { holder: 'next-holder', waitMs: 30_000 },
    );
    console.log(
      `lease: a ${ttlSeconds} s lease nobody renewed was taken over after ${ranAfterMs} ms`,
    );
    // the job ran holding the lease itself, not beside the dead holder
    expect(held).toEqual({ held: true, value: 'next-holder' });
    // not before the TTL (Cassandra counts it in whole seconds: up to a second early), and well
    // before the wait would have given up
    expect(ranAfterMs).toBeGreaterThanOrEqual((ttlSeconds - 1) * 1000);
    expect(ranAfterMs).toBeLessThan(30_000);
    expect(await leases.holder('orphaned')).toBeUndefined();
  });

  it('a holder that keeps the lease past the wait makes hold() give up without running the job', async () => {
    expect(await leases.acquire('busy', 'first-holder', 30)).toBe(true);
    const work = jest.fn(async () => 'ran');
    const held = await leases.hold('busy', 30, work, { holder: 'other-holder', waitMs: 1500 });
    expect(held).toEqual({ held: false, holder: 'first-holder' });
    expect(work).not.toHaveBeenCalled();
    await leases.release('busy', 'first-holder');
  });
});
