import { Logger } from '@nestjs/common';
import { DualWriteAccountStore } from '../../../src/store/dual-write/dual-write-account-store';
import {
  DualWritePrimaryError,
  SecondaryCopier,
} from '../../../src/store/dual-write/secondary-copier';
import { Hint, HintLog } from '../../../src/store/hints/hint-log';
import { Account } from '../../../src/store/account-store';
import { KindRecord, RecordKind } from '../../../src/kinds/record-kind';
import { Replica } from '../../../src/store/replica';
import { NameClashError, UsernameTakenError } from '../../../src/store/store-errors';
import { newId, nextVersion } from '../../../src/store/versions';
import { MemoryAccountStore } from '../../support/memory-account-store';

class Hints extends HintLog {
  readonly store = 'mongo';
  readonly hints: Hint[] = [];
  record(hint: Hint) {
    this.hints.push(hint);
    return Promise.resolve();
  }
  pending = () => Promise.resolve(this.hints.length);
  list = () => Promise.resolve(this.hints);
  remove = () => Promise.resolve();
}

/** The secondary's replica writes, recorded; `refuse` makes an account copy clash. */
function secondaryReplica(copied: string[], refuse?: (record: KindRecord) => Error | undefined) {
  return {
    name: 'cassandra',
    apply: (kind: RecordKind, record: KindRecord) => {
      const refused = refuse?.(record);
      if (refused) return Promise.reject(refused);
      copied.push(`${kind.name} ${record.id}`);
      return Promise.resolve();
    },
    applyDelete: (kind: RecordKind, id: string) => {
      copied.push(`-${kind.name} ${id}`);
      return Promise.resolve();
    },
  } as unknown as Replica;
}

const account = (username: string): Account => {
  const now = new Date();
  return {
    id: newId(),
    username,
    name: username,
    role: 'author',
    passwordHash: 'x',
    disabled: false,
    createdAt: now,
    updatedAt: now,
    version: nextVersion(),
  };
};

describe('DualWriteAccountStore: the primary decides, the copy follows', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  function dual(refuse?: (record: KindRecord) => Error | undefined) {
    const primary = new MemoryAccountStore('mongo');
    const copied: string[] = [];
    const hints = new Hints();
    const copier = new SecondaryCopier('mongo', secondaryReplica(copied, refuse), hints, {
      secondaryTimeoutMs: 1000,
      maxInFlight: 10,
    });
    return { store: new DualWriteAccountStore(primary, copier), primary, copied, hints, copier };
  }

  it('a taken name is the answer (409), not an outage, and nothing is copied', async () => {
    const { store, copied, copier } = dual();
    const first = account('ada');
    await store.createAccount(first);
    await expect(store.createAccount(account('ada'))).rejects.toBeInstanceOf(UsernameTakenError);
    await copier.drain();
    expect(copied).toEqual([`account ${first.id}`]);
  });

  it('a primary that is down fails the request as the primary, copying nothing', async () => {
    const { store, primary, copied } = dual();
    primary.unavailable = true;
    await expect(store.createAccount(account('bob'))).rejects.toBeInstanceOf(DualWritePrimaryError);
    expect(copied).toEqual([]);
  });

  it('a clash in the secondary is a missed copy: hinted with its reason, the request succeeds', async () => {
    const { store, hints, copier } = dual(
      (record) => new NameClashError('cassandra', 'carol', record.id, 'someone-else'),
    );
    const carol = account('carol');
    await store.createAccount(carol);
    await copier.drain();
    expect(copier.counters).toMatchObject({ writes: 1, missed: 1, inFlight: 0 });
    expect(hints.hints).toEqual([
      expect.objectContaining({ entity: 'account', id: carol.id, op: 'upsert' }),
    ]);
    expect(hints.hints[0].error).toMatch(/carol .* is held by account someone-else/);
  });

  it('copies a credential deletion only when the primary deleted that version', async () => {
    const { store, primary, copied, copier } = dual();
    const now = new Date();
    const session = {
      id: newId(),
      accountId: newId(),
      type: 'session' as const,
      secretHash: 'h',
      label: '',
      createdAt: now,
      usedAt: now,
      version: nextVersion(),
    };
    await primary.createCredential(session);
    const stale = { ...session, version: session.version - 1 };
    expect(await store.deleteCredential(stale, nextVersion(session.version))).toBe(false);
    expect(await store.deleteCredential(session, nextVersion(session.version))).toBe(true);
    await copier.drain();
    expect(copied).toEqual([`-credential ${session.id}`]);
  });
});
