import { FieldErrors, SubmittedValues } from '../common/validation/input-validation';
import { dateView } from '../common/view/date-view';
import { Account } from '../store/account-store';

/** `/account`: the viewer's own name and password forms (passwords are never re-filled). */
export function accountView(
  account: Account,
  state: { name?: string; nameErrors?: FieldErrors; passwordErrors?: FieldErrors } = {},
) {
  return {
    pageTitle: 'Your account',
    account: { username: account.username, name: account.name, role: account.role },
    name: state.name ?? account.name,
    nameErrors: state.nameErrors ?? {},
    passwordErrors: state.passwordErrors ?? {},
  };
}

/** `/admin/users`: every account with its actions, and the form that creates one. */
export function usersView(
  accounts: Account[],
  viewerId: string,
  state: { values?: SubmittedValues; errors?: FieldErrors } = {},
) {
  const values = { ...state.values };
  delete values.password;
  return {
    pageTitle: 'Accounts',
    accounts: accounts.map((account) => ({
      username: account.username,
      name: account.name,
      role: account.role,
      admin: account.role === 'admin',
      disabled: account.disabled,
      you: account.id === viewerId,
      created: dateView(account.createdAt),
    })),
    values,
    roleAuthor: values.role !== 'admin',
    errors: state.errors ?? {},
    hasErrors: Object.keys(state.errors ?? {}).length > 0,
  };
}
