import { Injectable } from '@nestjs/common';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { CliUsageError, rejectExtraArguments } from '../../cli/cli-usage';
import { readSecret } from '../../cli/read-secret';
import { storeNamesUsedBy } from '../../config/migration-phase';
import { CurrentPhase } from '../../control/current-phase';
import { PhaseControl } from '../../control/phase-control';
import { StoreConnections } from '../../database/store-connections';
import { Account, ROLES } from '../../store/account-store';
import { cliActor } from '../../control/phase-control';
import { AccountAudit } from '../account-audit';
import { AccountsService } from '../accounts.service';
import { CredentialsService } from '../credentials.service';

/** The one or two words a subcommand takes, or a one-line usage error. */
function words(usage: string, params: string[], count: number): string[] {
  const [given, extra] = [params.slice(0, count), params.slice(count)];
  rejectExtraArguments(usage, extra);
  if (given.length < count || given.some((word) => !word)) {
    throw new CliUsageError(`usage: ${usage}`);
  }
  return given;
}

/** What `user list` shows of an account: never its hash. */
function shown(account: Account) {
  const { id, username, name, role, disabled, createdAt, updatedAt } = account;
  return { id, username, name, role, disabled, createdAt, updatedAt };
}

const ROLE_LIST = ROLES.join('|');

/**
 * The CLI connects nothing up front. Before a user command touches accounts: the phase from the
 * phase record (not MIGRATION_PHASE: the fleet may have moved on), served by this process, with
 * the stores it uses connected, so the command reads and writes where the app instances do.
 */
@Injectable()
export class UserCommandStores {
  constructor(
    private readonly control: PhaseControl,
    private readonly current: CurrentPhase,
    private readonly connections: StoreConnections,
  ) {}

  async ready(): Promise<void> {
    const { phase, record } = await this.control.read();
    this.current.set(phase, record);
    await Promise.all(storeNamesUsedBy(phase).map((store) => this.connections.ensure(store, 3)));
  }
}

/**
 * What every `user` subcommand needs; subclasses inherit the constructor (Nest reads the
 * parameter types through the prototype chain), so each command is only its own steps.
 */
@Injectable()
abstract class UserSubcommand extends CommandRunner {
  constructor(
    protected readonly accounts: AccountsService,
    protected readonly credentials: CredentialsService,
    protected readonly stores: UserCommandStores,
    protected readonly audit: AccountAudit,
  ) {
    super();
  }

  /** Connects the phase's stores, then finds the account (a one-line error when there is none). */
  protected async named(username: string): Promise<Account> {
    await this.stores.ready();
    return this.accounts.requireNamed(username);
  }
}

/** `user add <username> --role admin|author [--name "Display Name"]`, password on stdin. */
@SubCommand({
  name: 'add',
  arguments: '<username>',
  description: 'Create an account; the password is read from standard input (first line)',
})
export class UserAddCommand extends UserSubcommand {
  async run(params: string[], flags: { role?: string; name?: string }): Promise<void> {
    const [username] = words(`user add <username> --role ${ROLE_LIST}`, params, 1);
    if (!flags.role) throw new CliUsageError(`user add needs --role ${ROLE_LIST}`);
    await this.stores.ready();
    const password = await readSecret('Password (not shown): ');
    const account = await this.audit.run(
      cliActor(),
      'add',
      username,
      () => this.accounts.create({ username, name: flags.name, role: flags.role!, password }),
      (created) => ({ role: created.role, id: created.id }),
    );
    process.stdout.write(`created ${account.role} ${account.username} (id ${account.id})\n`);
  }

  @Option({ flags: '--role <role>', description: `the account's role: ${ROLE_LIST}` })
  parseRole(value: string): string {
    return value;
  }

  @Option({ flags: '--name <name>', description: 'the display name (default: the username)' })
  parseName(value: string): string {
    return value;
  }
}

@SubCommand({ name: 'list', description: 'List the accounts' })
export class UserListCommand extends UserSubcommand {
  async run(params: string[], flags: { json?: boolean }): Promise<void> {
    rejectExtraArguments('user list', params);
    await this.stores.ready();
    const accounts = (await this.accounts.list()).map(shown);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(accounts, null, 2)}\n`);
      return;
    }
    const lines = accounts.map(
      (a) =>
        `${a.username}\t${a.role}\t${a.disabled ? 'disabled' : 'active'}\t${a.name}\t${a.createdAt.toISOString()}`,
    );
    process.stdout.write(
      accounts.length ? `${lines.join('\n')}\n` : 'no accounts yet (user add)\n',
    );
  }

  @Option({ flags: '--json', description: 'print as JSON' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({
  name: 'role',
  arguments: '<username> <role>',
  description: "Change an account's role",
})
export class UserRoleCommand extends UserSubcommand {
  async run(params: string[]): Promise<void> {
    const [username, role] = words(`user role <username> <${ROLE_LIST}>`, params, 2);
    const account = await this.named(username);
    const changed = await this.audit.run(
      cliActor(),
      'role',
      account.username,
      () => this.accounts.setRole(account.id, role),
      () => ({ from: account.role, to: role }),
    );
    process.stdout.write(`${changed.username} is now ${changed.role}\n`);
  }
}

@SubCommand({
  name: 'disable',
  arguments: '<username>',
  description: 'Disable an account and end its sessions and tokens',
})
export class UserDisableCommand extends UserSubcommand {
  async run(params: string[]): Promise<void> {
    const [username] = words('user disable <username>', params, 1);
    const account = await this.named(username);
    await this.audit.run(cliActor(), 'disable', account.username, () =>
      this.accounts.setDisabled(account.id, true),
    );
    process.stdout.write(`${account.username} is disabled; its sessions and tokens ended\n`);
  }
}

@SubCommand({ name: 'enable', arguments: '<username>', description: 'Enable an account again' })
export class UserEnableCommand extends UserSubcommand {
  async run(params: string[]): Promise<void> {
    const [username] = words('user enable <username>', params, 1);
    const account = await this.named(username);
    await this.audit.run(cliActor(), 'enable', account.username, () =>
      this.accounts.setDisabled(account.id, false),
    );
    process.stdout.write(`${account.username} is enabled\n`);
  }
}

@SubCommand({
  name: 'password',
  arguments: '<username>',
  description: "Set an account's password (from standard input) and end its sessions",
})
export class UserPasswordCommand extends UserSubcommand {
  async run(params: string[]): Promise<void> {
    const [username] = words('user password <username>', params, 1);
    const account = await this.named(username);
    const password = await readSecret('New password (not shown): ');
    await this.audit.run(cliActor(), 'password', account.username, () =>
      this.accounts.setPassword(account.id, password),
    );
    process.stdout.write(`password of ${account.username} changed; its sessions ended\n`);
  }
}

@SubCommand({
  name: 'token',
  arguments: '<username>',
  description: 'Make an API token for the account and print it (the only time it is shown)',
})
export class UserTokenCommand extends UserSubcommand {
  async run(params: string[], flags: { label?: string }): Promise<void> {
    const [username] = words('user token <username> [--label TEXT]', params, 1);
    const label = (flags.label ?? '').trim();
    if (label.length > 100) throw new CliUsageError('--label must be at most 100 characters');
    const account = await this.named(username);
    if (account.disabled) throw new CliUsageError(`${account.username} is disabled`);
    const token = await this.audit.run(
      cliActor(),
      'token.create',
      account.username,
      () => this.credentials.issueToken(account, label),
      (issued) => ({ token_id: issued.credential.id, label }),
    );
    // stdout holds the token alone, so `TOKEN=$(npm run -s cli -- user token ada)` works
    process.stdout.write(`${token.value}\n`);
  }

  @Option({ flags: '--label <text>', description: 'what the token is for' })
  parseLabel(value: string): string {
    return value;
  }
}

@SubCommand({ name: 'tokens', arguments: '<username>', description: "List an account's tokens" })
export class UserTokensCommand extends UserSubcommand {
  async run(params: string[]): Promise<void> {
    const [username] = words('user tokens <username>', params, 1);
    const account = await this.named(username);
    const tokens = await this.credentials.tokensOf(account.id);
    const lines = tokens.map(
      (t) =>
        `${t.id}\tcreated ${t.createdAt.toISOString()}\tlast used ${t.usedAt.toISOString()}\t${t.label}`,
    );
    process.stdout.write(tokens.length ? `${lines.join('\n')}\n` : 'no tokens\n');
  }
}

@SubCommand({ name: 'revoke', arguments: '<token-id>', description: 'Delete an API token' })
export class UserRevokeCommand extends UserSubcommand {
  async run(params: string[]): Promise<void> {
    const [id] = words('user revoke <token-id>', params, 1);
    await this.stores.ready();
    const revoked = await this.audit.run(
      cliActor(),
      'token.revoke',
      id,
      () => this.credentials.revokeToken(id),
      (done) => ({ token_id: id, found: done }),
      (done) => !done,
    );
    if (!revoked) {
      throw new CliUsageError(`there is no token with id ${id}; nothing changed`);
    }
    process.stdout.write(`token ${id} revoked\n`);
  }
}

@Command({
  name: 'user',
  description: 'Manage accounts and their API tokens',
  subCommands: [
    UserAddCommand,
    UserListCommand,
    UserRoleCommand,
    UserDisableCommand,
    UserEnableCommand,
    UserPasswordCommand,
    UserTokenCommand,
    UserTokensCommand,
    UserRevokeCommand,
  ],
})
export class UserCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

export const USER_COMMANDS = [
  UserCommandStores,
  UserCommand,
  UserAddCommand,
  UserListCommand,
  UserRoleCommand,
  UserDisableCommand,
  UserEnableCommand,
  UserPasswordCommand,
  UserTokenCommand,
  UserTokensCommand,
  UserRevokeCommand,
];
