import {
  classifyCql,
  CqlIdempotenceCheck,
  IdempotenceMisuseError,
} from '../../../src/database/cassandra/cql-idempotence';

describe('classifyCql', () => {
  it.each([
    'INSERT INTO ks.t (id, v) VALUES (?, ?) IF NOT EXISTS',
    'INSERT INTO ks.leases (name, holder) VALUES (?, ?) IF NOT EXISTS USING TTL ?',
    'UPDATE ks.t SET v = ? WHERE id = ? IF version = ?',
    'UPDATE ks.t USING TTL ? SET holder = ? WHERE name = ? IF holder = ?',
    'UPDATE ks.t SET v = ? WHERE id = ? IF EXISTS',
    'update ks.t set v = ? where id = ? if v > ?',
    'DELETE FROM ks.t WHERE id = ? IF EXISTS',
    'DELETE FROM ks.t WHERE name = ? IF holder = ?',
    'UPDATE ks.t SET a = ? WHERE id = ? IF m[?] = ?',
    'UPDATE ks.t SET a = ? WHERE id = ? IF b IN (?, ?)',
  ])('a lightweight transaction is never idempotent: %s', (cql) => {
    expect(classifyCql(cql)).toEqual({
      kind: 'write',
      neverIdempotent: 'a lightweight transaction (IF …)',
    });
  });

  it.each([
    'UPDATE ks.counts SET n = n + ? WHERE id = ?',
    'UPDATE ks.counts SET n = n - 1 WHERE id = ?',
    'UPDATE ks.t SET a = ?, items = items + ? WHERE id = ?',
    'UPDATE ks.t SET items = ? + items WHERE id = ?',
    'UPDATE ks.t USING TIMESTAMP ? SET items = items + ? WHERE id = ?',
  ])('a counter update or list append/prepend is never idempotent: %s', (cql) => {
    expect(classifyCql(cql).neverIdempotent).toBe('a counter update or list append/prepend');
  });

  it.each([
    'INSERT INTO ks.t (id, at) VALUES (now(), ?)',
    'UPDATE ks.t SET id = uuid() WHERE k = ?',
    'INSERT INTO ks.t (id, at) VALUES (?, currentTimestamp())',
  ])('a value the server generates per run is never idempotent: %s', (cql) => {
    expect(classifyCql(cql).neverIdempotent).toContain('generates');
  });

  it.each([
    'INSERT INTO ks.t (id, v) VALUES (?, ?) USING TIMESTAMP ?',
    'INSERT INTO ks.t (id, v) VALUES (?, ?)',
    'UPDATE ks.t USING TIMESTAMP ? SET a = ?, title_keys[?] = ? WHERE id = ?',
    'UPDATE ks.t SET a = ?, b = ? WHERE id = ?',
    'DELETE FROM ks.t USING TIMESTAMP ? WHERE id = ?',
    'DELETE keys[?] FROM ks.t USING TIMESTAMP ? WHERE id = ?',
    // words inside a string literal or a column named like a keyword are no syntax
    "INSERT INTO ks.t (id, note) VALUES (?, 'IF NOT EXISTS, n = n + 1, now()')",
    'UPDATE ks.t SET notif = ? WHERE id = ?',
    'UPDATE ks.t SET total = ? + ? WHERE id = ?',
  ])('a plain write is idempotent at one timestamp: %s', (cql) => {
    expect(classifyCql(cql)).toEqual({ kind: 'write' });
  });

  it('tells reads and other statements apart', () => {
    expect(classifyCql('  SELECT id FROM ks.t WHERE id = ?')).toEqual({ kind: 'read' });
    // a SERIAL read is a read too (and may be retried: it changes nothing)
    expect(classifyCql('select holder from ks.leases where name = ?')).toEqual({ kind: 'read' });
    expect(classifyCql('CREATE TABLE IF NOT EXISTS ks.t (id text PRIMARY KEY)')).toEqual({
      kind: 'other',
    });
  });
});

describe('CqlIdempotenceCheck', () => {
  it('throws a readable error when a never-idempotent statement is marked idempotent', () => {
    const check = new CqlIdempotenceCheck();
    const cql = `INSERT INTO ks.t (id)
      VALUES (?) IF NOT EXISTS`;
    expect(() => check.check(cql, true)).toThrow(IdempotenceMisuseError);
    expect(() => check.check(cql, true)).toThrow(
      'CQL marked idempotent but it is a lightweight transaction (IF …), which a retry would apply twice; pass idempotent: false: INSERT INTO ks.t (id) VALUES (?) IF NOT EXISTS',
    );
    expect(check.check(cql, false).neverIdempotent).toBeDefined();
  });

  it('accepts an idempotent statement either way, parsing each text once', () => {
    const check = new CqlIdempotenceCheck();
    const cql = 'SELECT v FROM ks.t WHERE id = ?';
    const first = check.verdict(cql);
    expect(check.check(cql, true)).toBe(first);
    expect(check.check(cql, false)).toBe(first);
  });
});
