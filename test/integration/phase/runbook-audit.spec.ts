import { getConnectionToken } from '@nestjs/mongoose';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from 'mongoose';
import { AuditEntry } from '../../../src/audit/audit-entry';
import { cliActor } from '../../../src/control/phase-control';
import { runCliWithInput } from '../helpers/app';
import { cli, cliEnvOf, insertDataset, makeDataset } from '../helpers/migration';
import { StoreModule, storeModule } from '../helpers/store-module';

const BACKUP_KEY = 'runbook-audit-backup-key-0123456789abcdef';

/**
 * The audit trail of a whole runbook, driven through the CLI as an operator would: mongo →
 * dual-write → cassandra-primary → cassandra (forced) → backup, cleanup, restore →
 * cassandra-primary → dual-write, with an account change in phase mongo (in MongoDB only until
 * cleanup copies it) and one refused step. The trail is read after `mongo cleanup`, with
 * MongoDB's copy of it gone, and at the end: every action, in order, with who and what came of it.
 */
describe('the audit trail of a full runbook run (real servers, CLI)', () => {
  let m: StoreModule;
  let env: Record<string, string>;
  let dir: string;
  const actor = cliActor();

  beforeAll(async () => {
    m = await storeModule('runbook_audit', 'mongo');
    env = { ...cliEnvOf(m.config), BACKUP_KEY };
    dir = await mkdtemp(join(tmpdir(), 'runbook-audit-'));
    const db = m.module.get<Connection>(getConnectionToken()).db!;
    await insertDataset(db, makeDataset(20, 40));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await m?.close();
  });

  async function run(expected: number, ...args: string[]) {
    const result = await cli(env, ...args);
    if (result.status !== expected) {
      throw new Error(`${args.join(' ')}: exit ${result.status}\n${result.stdout}${result.stderr}`);
    }
    return result;
  }

  async function trail(since?: string): Promise<AuditEntry[]> {
    const args = ['audit', 'list', '--json', ...(since ? ['--since', since] : [])];
    return JSON.parse((await run(0, ...args)).stdout) as AuditEntry[];
  }

  const summary = (entries: AuditEntry[]) =>
    entries.map((e) => `${e.action} ${e.target ?? '-'} ${e.outcome}`);

  it('holds every action in order, after mongo cleanup and at the end', async () => {
    const started = new Date().toISOString();
    const add = runCliWithInput(
      env,
      'a long enough password\n',
      'user',
      'add',
      'opal',
      '--role',
      'admin',
    );
    expect(add.status).toBe(0);
    await run(0, 'phase', 'set', 'dual-write');
    await run(1, 'phase', 'set', 'cassandra-primary'); // no backfill yet: refused
    await run(0, 'migrate', 'backfill');
    await run(0, 'migrate', 'verify');
    await run(0, 'phase', 'set', 'cassandra-primary');
    await run(0, 'phase', 'set', 'cassandra', '--force');
    const file = join(dir, 'blog.jsonl.gz');
    await run(0, 'mongo', 'backup', '--out', file);
    const cleanup = await run(0, 'mongo', 'cleanup', '--backup', file, '--yes');
    // the user add and phase set dual-write of phase mongo were in MongoDB only
    expect(cleanup.stdout).toMatch(/audit trail: [1-9]\d* entr(y|ies) only MongoDB had copied/);

    // MongoDB removed for good: its audit_log gone too, the trail is whole in Cassandra
    const db = m.module.get<Connection>(getConnectionToken()).db!;
    await db.dropCollection('audit_log');
    const afterCleanup = await trail();
    const firstPart = [
      'account.add opal ok',
      'phase.set dual-write ok',
      'phase.set cassandra-primary refused',
      'migrate.backfill - ok',
      'migrate.verify - ok',
      'phase.set cassandra-primary ok',
      'phase.set cassandra ok',
      `mongo.backup ${file} ok`,
      `mongo.cleanup ${file} ok`,
    ];
    expect(summary(afterCleanup)).toEqual(firstPart);

    await run(0, 'mongo', 'restore', '--from', file);
    await run(0, 'migrate', 'backfill', '--from', 'cassandra', '--restart');
    await run(0, 'phase', 'set', 'cassandra-primary');
    await run(0, 'migrate', 'reconcile');
    await run(0, 'phase', 'set', 'dual-write');

    const entries = await trail();
    expect(summary(entries)).toEqual([
      ...firstPart,
      `mongo.restore ${file} ok`,
      'migrate.backfill - ok',
      'phase.set cassandra-primary ok',
      'migrate.reconcile - ok',
      'phase.set dual-write ok',
    ]);
    // exact order: ids and times ascend; every action by the operator at this host
    expect(entries.map((e) => e.id)).toEqual(entries.map((e) => e.id).sort());
    expect(new Set(entries.map((e) => e.actor))).toEqual(new Set([actor]));
    expect(entries.every((e) => e.at >= started)).toBe(true);

    const byAction = (action: string, target?: string) =>
      entries.filter((e) => e.action === action && (target === undefined || e.target === target));
    const [refused] = byAction('phase.set', 'cassandra-primary');
    expect(refused.outcome).toBe('refused');
    expect(refused.details.checks).toContainEqual(
      expect.objectContaining({ name: expect.stringMatching(/^backfill/), ok: false }),
    );
    const forced = byAction('phase.set', 'cassandra')[0];
    expect(forced.details).toMatchObject({ from: 'cassandra-primary', forced: true, checks: [] });
    const gated = byAction('phase.set', 'cassandra-primary')[1];
    expect(gated.details).toMatchObject({ forced: false });
    expect((gated.details.checks as { ok: boolean }[]).every((c) => c.ok)).toBe(true);
    const [backfill, reverse] = byAction('migrate.backfill');
    expect(backfill.details).toMatchObject({
      source: 'mongo',
      target: 'cassandra',
      records: { posts: 20, comments: 40 },
    });
    expect(reverse.details).toMatchObject({ source: 'cassandra', target: 'mongo' });
    expect(byAction('migrate.verify')[0].details).toMatchObject({ clean: true, differences: 0 });
    expect(byAction('mongo.backup')[0].details).toMatchObject({
      counts: { posts: 20 },
      signed: true,
    });
    expect(byAction('mongo.cleanup')[0].details).toMatchObject({
      audit_entries_copied: expect.any(Number),
    });
    expect(byAction('mongo.restore')[0].details).toMatchObject({ counts: { posts: 20 } });
    expect(JSON.stringify(entries)).not.toContain('a long enough password');

    // --since walks back only as far as asked
    const last = entries[entries.length - 1];
    expect(summary(await trail(last.at))).toEqual(['phase.set dual-write ok']);
    const text = await run(0, 'audit', 'list', '--since', '1h');
    expect(text.stdout.trim().split('\n')).toHaveLength(entries.length);
    expect(text.stdout).toContain(
      `ok      ${actor} phase.set cassandra {"from":"cassandra-primary","forced":true`,
    );
    // 18 CLI runs, each a process start, some running a verify: more than the default 120 s on a busy machine
  }, 300_000);

  it.each([
    [['--since', 'yesterday'], '--since must be an ISO time'],
    [['--since', '2026-13-45'], '--since must be an ISO time'],
    [['--limit', '0'], '--limit must be a whole number'],
    [['now'], "audit list takes no arguments (got 'now')"],
  ])('audit list %j: one line, exit 1', async (args, message) => {
    const result = await cli(env, 'audit', 'list', ...args);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
  });
});
