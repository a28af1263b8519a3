import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PostgresService } from '../../scripts/stack/postgres-service';
import { loadStackSettings } from '../../scripts/stack/stack-settings';
import { PostStoreRouter } from '../../src/store/post-store.router';
import { fakeComment, fakePost } from '../../bench/support/seed';
import { StoreModule, storeModule } from './helpers/store-module';

const ROOT = path.resolve(__dirname, '..', '..');
// this file's own ports and data folder: it starts and stops its servers
const MONGO_PORT = process.env.TEST_STACK_PG_MONGO_PORT || '27072';
const POSTGRES_PORT = process.env.TEST_STACK_PG_POSTGRES_PORT || '5472';
const DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-postgres-'));
// PostgreSQL runs as the postgres user when we are root: it must be able to enter the folder
fs.chmodSync(DIR, 0o755);
const ENV = {
  STACK_DIR: DIR,
  STACK_MONGO: 'ferretdb-postgres',
  STACK_MONGO_PORT: MONGO_PORT,
  STACK_POSTGRES_PORT: POSTGRES_PORT,
};

/** `npm run stack -- …` as a user runs it (through its launcher). */
function stack(args: string[]) {
  const result = spawnSync(
    process.execPath,
    [path.join(ROOT, 'scripts', 'run-stack.js'), ...args],
    { cwd: ROOT, env: { ...process.env, ...ENV }, encoding: 'utf8', timeout: 300_000 },
  );
  return { code: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

describe('the stack with STACK_MONGO=ferretdb-postgres (real PostgreSQL and FerretDB)', () => {
  const postgres = new PostgresService(loadStackSettings({ ...process.env, ...ENV }));
  let stores: StoreModule | undefined;

  afterAll(async () => {
    await stores?.close().catch(() => undefined);
    stack(['down', 'mongo']);
    fs.rmSync(DIR, { recursive: true, force: true });
  });

  it('up starts PostgreSQL, then FerretDB on it', () => {
    const { code, stdout, stderr } = stack(['up', 'mongo']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^postgres\\s+started.*127\\.0\\.0\\.1:${POSTGRES_PORT}`));
    expect(lines[1]).toMatch(new RegExp(`^ferretdb\\s+started.*127\\.0\\.0\\.1:${MONGO_PORT}`));
    expect(fs.existsSync(path.join(DIR, 'postgres', 'data', 'PG_VERSION'))).toBe(true);
  });

  it("applies the app's Mongo schema migrations and round-trips a post and its comment", async () => {
    stores = await storeModule('stack_postgres', 'mongo', {
      MONGO_URL: `mongodb://127.0.0.1:${MONGO_PORT}/stack_postgres`,
    });
    const store = stores.module.get(PostStoreRouter).storeNamed('mongo');
    const post = fakePost(20);
    const comment = fakeComment(post);
    await store.createPost(post);
    expect(await store.addComment(comment)).toBe(true);
    expect(await store.getPost(post.id)).toEqual(post);
    expect((await store.listComments(post.id, 10)).items).toEqual([comment]);
    // and it is PostgreSQL that holds it
    const tables = postgres.psql(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'stack_postgres' ORDER BY 1",
    );
    expect(tables).toMatch(/^posts_[0-9a-f]+$/m);
  });

  it("serves a post's comments from an index (the GIN twin of FerretDB's post_id index)", () => {
    const table = postgres
      .psql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'stack_postgres' AND tablename LIKE 'comments\\_%'",
      )
      .trim();
    const plan = postgres.psql(
      `SET enable_seqscan = off; EXPLAIN SELECT _jsonb FROM stack_postgres.${table} WHERE _jsonb->'post_id' @> '"x"'`,
    );
    expect(plan).toMatch(/Bitmap Index Scan on comments_[0-9a-f]+_gin_[0-9a-f]{12}/);
  });

  it('status shows postgres, and down stops FerretDB then PostgreSQL', async () => {
    await stores?.close();
    stores = undefined;
    const status = stack(['status', 'mongo']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(`^postgres\\s+ready\\s+127\\.0\\.0\\.1:${POSTGRES_PORT}\\s+pid \\d+`, 'm'),
    );
    expect(status.stdout).toMatch(
      new RegExp(`^ferretdb\\s+ready\\s+127\\.0\\.0\\.1:${MONGO_PORT}\\s+pid \\d+`, 'm'),
    );
    const down = stack(['down', 'mongo']);
    expect(down.code).toBe(0);
    expect(down.stdout.split('\n')).toEqual([
      expect.stringMatching(/^postgres\s+stopped$/),
      expect.stringMatching(/^ferretdb\s+stopped$/),
    ]);
    expect(stack(['status', 'mongo']).stdout).toMatch(/^postgres\s+stopped/m);
  });
});
