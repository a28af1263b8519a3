import { Injectable } from '@nestjs/common';
import { types } from 'cassandra-driver';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { CassandraClient } from '../database/cassandra/cassandra-client';
import { LWT } from '../database/cassandra/lwt-outcome';
import { sleep } from '../common/sleep';

/**
 * A lease in Cassandra, so that one app instance at a time runs a job (reconcile, hint retry).
 * Taken and renewed with lightweight transactions; written with a TTL, so the lease of a holder
 * that died expires by itself. The holder renews it while it works and releases it when done.
 */
@Injectable()
export class Leases {
  constructor(private readonly client: CassandraClient) {}

  /** True when `holder` now holds `name` for `ttlSeconds` (taken anew or renewed). */
  async acquire(name: string, holder: string, ttlSeconds: number): Promise<boolean> {
    const taken = await this.client.execute(
      `INSERT INTO ${this.client.table('leases')} (name, holder, taken_at) VALUES (?, ?, ?) IF NOT EXISTS USING TTL ?`,
      [name, holder, new Date(), ttlSeconds],
      LWT,
    );
    if (applied(taken)) return true;
    if (taken.first()?.get('holder') !== holder) return false;
    return this.renew(name, holder, ttlSeconds);
  }

  /** Extends the lease; false when it expired or someone else holds it now. */
  async renew(name: string, holder: string, ttlSeconds: number): Promise<boolean> {
    const renewed = await this.client.execute(
      `UPDATE ${this.client.table('leases')} USING TTL ? SET holder = ?, taken_at = ? WHERE name = ? IF holder = ?`,
      [ttlSeconds, holder, new Date(), name, holder],
      LWT,
    );
    return applied(renewed);
  }

  async release(name: string, holder: string): Promise<void> {
    await this.client.execute(
      `DELETE FROM ${this.client.table('leases')} WHERE name = ? IF holder = ?`,
      [name, holder],
      LWT,
    );
  }

  /**
   * Runs `work` holding the lease: taken (waiting up to `waitMs` for another holder to release
   * it or to expire), renewed every third of its life while `work` runs, released after. Returns
   * `held: false`, without running `work`, when another holder kept it.
   */
  async hold<T>(
    name: string,
    ttlSeconds: number,
    work: () => Promise<T>,
    options: { holder?: string; waitMs?: number; onRenewError?: (error: unknown) => void } = {},
  ): Promise<{ held: true; value: T } | { held: false; holder?: string }> {
    const holder = options.holder ?? newHolder();
    const waitMs = options.waitMs ?? 0;
    const giveUpAt = Date.now() + waitMs;
    while (!(await this.acquire(name, holder, ttlSeconds))) {
      if (Date.now() >= giveUpAt) return { held: false, holder: await this.holder(name) };
      await sleep(Math.min(1000, waitMs / 10));
    }
    const renew = setInterval(
      () => {
        this.renew(name, holder, ttlSeconds).catch((error: unknown) =>
          options.onRenewError?.(error),
        );
      },
      (ttlSeconds * 1000) / 3,
    );
    try {
      return { held: true, value: await work() };
    } finally {
      clearInterval(renew);
      await this.release(name, holder).catch(() => undefined);
    }
  }

  /** Who holds the lease now, if anyone. */
  async holder(name: string): Promise<string | undefined> {
    const result = await this.client.execute(
      `SELECT holder FROM ${this.client.table('leases')} WHERE name = ?`,
      [name],
      { idempotent: true, consistency: types.consistencies.localSerial },
    );
    return (result.first()?.get('holder') as string | null | undefined) ?? undefined;
  }
}

/** A lease holder's name: this host and process, and a random part per holder. */
export function newHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

function applied(result: types.ResultSet): boolean {
  return result.first()?.get('[applied]') === true;
}
