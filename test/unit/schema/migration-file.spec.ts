import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MigrationFileError,
  checksumOf,
  discoverMigrations,
  migrationsRoot,
  parseMigrationFileName,
} from '../../../src/schema/migration-file';

describe('migration files', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'migrations-'));
    mkdirSync(join(root, 'cassandra'));
    mkdirSync(join(root, 'mongo'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const write = (store: string, name: string, content = '-- nothing') =>
    writeFileSync(join(root, store, name), content);

  it('reads a store folder in version order, ignoring notes and dotfiles', () => {
    write('cassandra', '20261124120100-create-core-tables.cql', 'B');
    write('cassandra', '20261124120000-create-keyspace.cql', 'A');
    write('cassandra', '20250101000000-older.cql', 'C');
    write('cassandra', 'README.md');
    write('cassandra', '.gitkeep');
    const files = discoverMigrations(root, 'cassandra');
    expect(files.map((file) => `${file.version}-${file.name}`)).toEqual([
      '20250101000000-older',
      '20261124120000-create-keyspace',
      '20261124120100-create-core-tables',
    ]);
    expect(files[1]).toMatchObject({
      store: 'cassandra',
      fileName: '20261124120000-create-keyspace.cql',
      content: 'A',
      checksum: checksumOf('A'),
    });
  });

  it('computes sha256 of the file bytes', () => {
    expect(checksumOf('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it.each([
    ['2026112412000-short-version.cql', 'cassandra'],
    ['20261124120000_create.cql', 'cassandra'],
    ['20261124120000-Create-Keyspace.cql', 'cassandra'],
    ['20261124120000-create--keyspace.cql', 'cassandra'],
    ['20261124120000-create.CQL', 'cassandra'],
    ['20261124120000-create.json', 'cassandra'],
    ['20261124120000-create.cql', 'mongo'],
    ['create.json', 'mongo'],
  ] as const)('rejects the file name %s for %s', (fileName, store) => {
    expect(() => parseMigrationFileName(fileName, store)).toThrow(MigrationFileError);
  });

  it('accepts a well-formed name', () => {
    expect(parseMigrationFileName('20261124120000-create-posts-2.json', 'mongo')).toEqual({
      version: '20261124120000',
      name: 'create-posts-2',
    });
  });

  it('fails on a badly named file in the folder rather than skipping it', () => {
    write('mongo', '20261124120000-ok.json');
    write('mongo', '2026-11-24-typo.json');
    expect(() => discoverMigrations(root, 'mongo')).toThrow(/2026-11-24-typo\.json/);
  });

  it('fails on two files with the same version', () => {
    write('mongo', '20261124120000-one.json');
    write('mongo', '20261124120000-two.json');
    expect(() => discoverMigrations(root, 'mongo')).toThrow(/share version 20261124120000/);
  });

  it('fails when the store folder is missing', () => {
    rmSync(join(root, 'mongo'), { recursive: true });
    expect(() => discoverMigrations(root, 'mongo')).toThrow(/no mongo migrations folder/);
  });

  it('finds the project migrations by walking up to package.json, unless overridden', () => {
    const files = discoverMigrations(migrationsRoot(), 'cassandra');
    expect(files[0].fileName).toBe('20261124120000-create-keyspace.cql');
    expect(files[1].fileName).toBe('20261124120100-create-core-tables.cql');
    expect(migrationsRoot('/somewhere/else')).toBe('/somewhere/else');
  });
});
