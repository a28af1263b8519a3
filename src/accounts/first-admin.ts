import { AccountStore } from '../store/account-store';

export const FIRST_ADMIN_HINT =
  'create the first admin with: npm run cli -- user add <name> --role admin';

/**
 * At start-up: while no account exists nobody can sign in, so say how to make the first admin.
 * Never fails the start: a store that cannot answer yet gets the hint with the reason.
 */
export async function firstAdminHint(
  store: AccountStore,
  log: (line: string) => void,
): Promise<void> {
  try {
    if ((await store.listAccounts()).length === 0) log(`No accounts yet: ${FIRST_ADMIN_HINT}`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log(`Could not check for accounts (${reason}); if there are none, ${FIRST_ADMIN_HINT}`);
  }
}
