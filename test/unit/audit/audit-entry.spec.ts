import {
  AuditEntry,
  auditIdAt,
  auditIdTime,
  mergeEntries,
  newAuditId,
  parseSince,
  withoutSecrets,
} from '../../../src/audit/audit-entry';

function entry(id: string, action = 'x'): AuditEntry {
  return {
    id,
    at: new Date(auditIdTime(id)).toISOString(),
    actor: 'cli:a@b',
    action,
    outcome: 'ok',
    details: {},
  };
}

describe('audit ids', () => {
  it('sort in the order they were made, within one millisecond too', () => {
    const ids = Array.from({ length: 500 }, (_, i) =>
      newAuditId(1_765_000_000_000 + Math.floor(i / 100)),
    );
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stay after the last one when the clock steps back', () => {
    const later = newAuditId(1_800_000_000_000);
    const stepBack = newAuditId(1_799_999_999_000);
    expect(stepBack > later).toBe(true);
  });

  it('carry their time, and a time bound sorts before every id of that millisecond', () => {
    const id = newAuditId(1_900_000_000_123);
    expect(auditIdTime(id)).toBe(1_900_000_000_123);
    expect(auditIdAt(1_900_000_000_123) <= id).toBe(true);
    expect(auditIdAt(1_900_000_000_124) > id).toBe(true);
  });
});

describe('mergeEntries', () => {
  it('keeps each id once, oldest first', () => {
    const [a, b, c] = [
      '000000000000001-0000-aaaaaaaa',
      '000000000000002-0000-bbbbbbbb',
      '000000000000003-0000-cccccccc',
    ].map((id) => entry(id));
    expect(
      mergeEntries([
        [c, a],
        [b, a, c],
      ]).map((e) => e.id),
    ).toEqual([a.id, b.id, c.id]);
  });

  it('with a limit, keeps the newest', () => {
    const all = [1, 2, 3, 4, 5].map((n) => entry(`00000000000000${n}-0000-aaaaaaaa`));
    expect(mergeEntries([all.slice(0, 3), all.slice(2)], 2).map((e) => e.id)).toEqual([
      all[3].id,
      all[4].id,
    ]);
    expect(mergeEntries([[], []], 10)).toEqual([]);
  });
});

describe('parseSince', () => {
  const now = Date.parse('2026-12-03T18:00:00Z');

  it.each([
    ['1h', now - 3_600_000],
    ['30m', now - 1_800_000],
    ['7d', now - 7 * 86_400_000],
    ['0', now],
    ['2026-12-03T17:00:00Z', Date.parse('2026-12-03T17:00:00Z')],
    ['2026-12-03T17:00:00.5+01:00', Date.parse('2026-12-03T16:00:00.5Z')],
    ['2026-12-01', Date.parse('2026-12-01T00:00:00Z')],
  ])('%s', (raw, expected) => {
    expect(parseSince(raw, now)).toBe(expected);
  });

  it.each([
    '',
    'yesterday',
    '1y',
    '-1h',
    '1.5h',
    '2026-13-45',
    '2026-12-03T25:00Z',
    '12/03/2026',
    '99999999999d',
    'NaN',
  ])('refuses %j', (raw) => {
    expect(parseSince(raw, now)).toBeUndefined();
  });
});

describe('withoutSecrets', () => {
  it('drops keys that name a secret and keeps token ids and labels', () => {
    expect(
      withoutSecrets({
        password: 'x',
        passwordHash: 'h',
        token: 't',
        secret: 's',
        key: 'k',
        token_id: 'id',
        label: 'ci',
        role: 'admin',
        key_id: 'abc',
      }),
    ).toEqual({ token_id: 'id', label: 'ci', role: 'admin', key_id: 'abc' });
  });
});
