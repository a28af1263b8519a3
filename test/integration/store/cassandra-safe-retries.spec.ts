import { types } from 'cassandra-driver';
import { CassandraClient } from '../../../src/database/cassandra/cassandra-client';
import { PostClaims } from '../../../src/store/cassandra/cassandra-post-claims';
import { CassandraPostStore } from '../../../src/store/cassandra/cassandra-post-store';
import { nextVersion } from '../../../src/store/versions';
import { FaultProxy, Latency } from '../../support/fault-proxy';
import { testStores } from '../../support/test-env';
import { StoreModule, storeModule } from '../helpers/store-module';
import { makePost } from './post-store.contract';

/** How long the proxy holds a request or an answer: the window in which its link is reset. */
const HOLD_MS = 400;

/**
 * Resets the link that carries a request (`toTarget`: it never reaches Cassandra) or an answer
 * (`toClient`: Cassandra applied it, the client never hears so) of whatever runs in `run`: the
 * first one held once the proxy holds that direction (at once, unless `holdAtOnce` is false and
 * `run` switches the latency on itself).
 */
async function resetInFlight<T>(
  proxy: FaultProxy,
  direction: keyof Latency,
  run: () => Promise<T>,
  holdAtOnce = true,
): Promise<{ outcome: Promise<T>; reset: number }> {
  if (holdAtOnce) proxy.setLatency({ [direction]: HOLD_MS });
  const outcome = run();
  outcome.catch(() => undefined);
  // every link holding something a quarter of the hold later: the statement's own among them,
  // even when a driver heartbeat or handshake was held first on another one
  let reset = 0;
  const giveUpAt = Date.now() + HOLD_MS * 5;
  await new Promise((resolve) => setTimeout(resolve, HOLD_MS / 4));
  while (reset === 0 && Date.now() < giveUpAt) {
    reset = proxy.resetHolding(direction);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  proxy.setLatency({ toTarget: 0, toClient: 0 });
  return { outcome, reset };
}

describe('retries that are safe, through a fault proxy in front of a real Cassandra', () => {
  let proxy: FaultProxy;
  let stores: StoreModule;
  let client: CassandraClient;

  beforeAll(async () => {
    proxy = FaultProxy.of(testStores().cassandraContactPoints.split(',')[0], 9042);
    const port = await proxy.start();
    stores = await storeModule('safe_retries', 'cassandra', {
      CASSANDRA_CONTACT_POINTS: `127.0.0.1:${port}`,
      // one node here: a speculative execution would find no other host anyway
      CASSANDRA_SPECULATIVE_DELAY_MS: '0',
      // no background statements: the link a test resets must be the one carrying its own
      PHASE_POLL_INTERVAL: '1m',
      HINT_RETRY_INTERVAL: '0',
      RECONCILE_INTERVAL: '0',
    });
    client = stores.module.get(CassandraClient);
  });
  afterAll(async () => {
    proxy?.heal();
    await stores?.close();
    await proxy?.close();
  });
  beforeEach(async () => {
    // both pooled connections up again (a reset one is reopened within about a second)
    const giveUpAt = Date.now() + 15_000;
    while (proxy.open < 2 && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(proxy.open).toBeGreaterThanOrEqual(2);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    proxy.heal();
  });

  const state = (name: string, body: string) =>
    client.execute(
      `INSERT INTO ${client.table('migration_state')} (name, body, updated_at) VALUES (?, ?, ?)`,
      [name, body, new Date()],
      { idempotent: true },
    );
  const bodyOf = async (name: string) =>
    (
      await client.execute(
        `SELECT body FROM ${client.table('migration_state')} WHERE name = ?`,
        [name],
        { idempotent: true },
      )
    )
      .first()
      ?.get('body') as string | undefined;

  // Each statement runs once before its fault: a first use is prepared first, and a PREPARE
  // that fails is the driver's own business (it tries the next host), not the retry policy's.

  it('an idempotent write whose connection is reset mid-request is retried and lands', async () => {
    await state('w', 'zero');
    const { outcome, reset } = await resetInFlight(proxy, 'toTarget', () => state('w', 'one'));
    expect(reset).toBeGreaterThanOrEqual(1);
    await expect(outcome).resolves.toBeDefined();
    expect(await bodyOf('w')).toBe('one');
  });

  it('the same fault fails the same write marked non-idempotent (the retry is what saved it)', async () => {
    await state('n', 'one');
    const { outcome, reset } = await resetInFlight(proxy, 'toTarget', () =>
      client.execute(
        `INSERT INTO ${client.table('migration_state')} (name, body, updated_at) VALUES (?, ?, ?)`,
        ['n', 'two', new Date()],
        { idempotent: false },
      ),
    );
    expect(reset).toBeGreaterThanOrEqual(1);
    await expect(outcome).rejects.toThrow();
  });

  it('an idempotent read whose answer is lost (connection reset) is retried and answers', async () => {
    await state('r', 'read me');
    const { outcome, reset } = await resetInFlight(proxy, 'toClient', () => bodyOf('r'));
    expect(reset).toBeGreaterThanOrEqual(1);
    await expect(outcome).resolves.toBe('read me');
  });

  /**
   * A post at its first version, written and claimed through the store (after a claim on
   * another post prepared every statement a claim uses); and the statements sent from then on.
   */
  async function claimedPost(hold: keyof Latency) {
    const store = stores.module.get(CassandraPostStore);
    const warm = makePost({ title: 'Warm-up' });
    await store.createPost(warm);
    await new PostClaims(client).claim(warm.id, warm.version, nextVersion(warm.version));
    const post = makePost({ title: 'Claimed' });
    await store.createPost(post);
    // the proxy starts holding when the claim's first compare-and-set is sent (not before: the
    // claim reads the data's version first, and that read would be the one reset)
    const original = client.execute.bind(client);
    let held = false;
    const execute = jest.spyOn(client, 'execute').mockImplementation((cql, params, options) => {
      if (!held && /IF version = \?/.test(cql)) {
        held = true;
        proxy.setLatency({ [hold]: HOLD_MS });
      }
      return original(cql, params, options);
    });
    const sent = (what: RegExp) =>
      execute.mock.calls.filter(([cql]) => what.test(cql)).map(([, , options]) => options);
    return { post, sent };
  }

  const head = async (id: string) => {
    const row = (
      await client.execute(
        `SELECT version, claim_id FROM ${client.table('post_heads')} WHERE id = ?`,
        [id],
        { idempotent: true, consistency: types.consistencies.localSerial },
      )
    ).first();
    return { version: Number(row?.get('version')), claimId: row?.get('claim_id') as unknown };
  };

  it('an LWT claim applied but whose answer is lost is read back as ours: no false failure, no double claim', async () => {
    const { post, sent } = await claimedPost('toClient');
    const claims = new PostClaims(client);
    const next = nextVersion(post.version);
    const { outcome, reset } = await resetInFlight(
      proxy,
      'toClient',
      () => claims.claim(post.id, post.version, next),
      false,
    );
    expect(reset).toBeGreaterThanOrEqual(1);
    await expect(outcome).resolves.toBe(true);
    // sent once (never retried blindly), settled by one SERIAL read-back
    expect(sent(/IF version = \?/)).toHaveLength(1);
    expect(sent(/SELECT version, claim_id/)).toEqual([
      expect.objectContaining({ consistency: types.consistencies.localSerial }),
    ]);
    expect(await head(post.id)).toEqual({ version: next, claimId: expect.anything() });
    // a rival editor who read the same version cannot claim it too
    expect(await claims.claim(post.id, post.version, nextVersion(post.version))).toBe(false);
  });

  it('an LWT claim whose connection is reset while its request is on the way is settled, not failed', async () => {
    const { post, sent } = await claimedPost('toTarget');
    const claims = new PostClaims(client);
    const next = nextVersion(post.version);
    const { outcome, reset } = await resetInFlight(
      proxy,
      'toTarget',
      () => claims.claim(post.id, post.version, next),
      false,
    );
    expect(reset).toBeGreaterThanOrEqual(1);
    await expect(outcome).resolves.toBe(true);
    // settled by a SERIAL read-back (then sent again only if it proved the first not applied)
    expect(sent(/SELECT version, claim_id/).length).toBeGreaterThanOrEqual(1);
    expect(sent(/IF version = \?/).length).toBeLessThanOrEqual(2);
    expect(await head(post.id)).toEqual({ version: next, claimId: expect.anything() });
    expect(await claims.claim(post.id, post.version, nextVersion(post.version))).toBe(false);
  });
});
