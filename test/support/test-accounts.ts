import { Account } from '../../src/store/account-store';
import { newId } from '../../src/store/versions';

/** An account as the stores hold it, for tests that need one without hashing a password. */
export function testAccount(overrides: Partial<Account> = {}): Account {
  const now = new Date();
  return {
    id: newId(now),
    username: 'ada',
    name: 'Ada',
    role: 'author',
    passwordHash: 'scrypt$unused',
    disabled: false,
    createdAt: now,
    updatedAt: now,
    version: now.getTime() * 1000,
    ...overrides,
  };
}
