import {
  AUDIT_TAIL,
  auditTailView,
  SHOWN_MISMATCHES,
  shadowView,
} from '../../../src/admin/tail-views';

const entry = (n: number, outcome = 'ok') => ({
  id: `${String(1764780000000 + n).padStart(15, '0')}-0000-aaaaaaaa`,
  at: new Date(1764780000000 + n).toISOString(),
  actor: 'account:root',
  action: 'phase.set',
  target: 'mongo',
  outcome,
});

describe('auditTailView', () => {
  it('shows the newest entries first, at most AUDIT_TAIL, marking what did not succeed', () => {
    const entries = Array.from({ length: AUDIT_TAIL + 5 }, (_, i) =>
      entry(i, i === AUDIT_TAIL + 4 ? 'refused' : 'ok'),
    );
    const view = auditTailView({ ok: true, value: { entries, unreadable: [] } });
    expect(view.entries).toHaveLength(AUDIT_TAIL);
    expect(view.entries![0]).toMatchObject({ id: entries.at(-1)!.id, notOk: true });
    expect(view.entries![1].notOk).toBe(false);
    expect(view.unreadable).toBeUndefined();
  });

  it('names the stores it could not read, and a failed read', () => {
    expect(
      auditTailView({ ok: true, value: { entries: [], unreadable: ['mongo (down)'] } }),
    ).toMatchObject({ empty: true, unreadable: 'mongo (down)' });
    expect(auditTailView({ ok: false, error: 'timeout' })).toEqual({
      error: 'Not available: timeout',
    });
  });
});

describe('shadowView', () => {
  const mismatch = (n: number) => ({
    kind: 'post',
    id: `p${n}`,
    fields: ['title', 'content'],
    page: 'post',
    first_seen: '2026-12-03T18:00:00.000Z',
    last_seen: '2026-12-03T18:05:00.000Z',
    confirmations: 2,
  });
  const lastHour = { compared: 1234, mismatched: 2, errors: 1, dropped: 0 };

  it('lists the open mismatches by record with the fields that differ, and the last hour', () => {
    const view = shadowView({ ok: true, value: { open: [mismatch(1)], lastHour } });
    expect(view).toMatchObject({
      available: true,
      none: false,
      openCount: '1',
      compared: '1,234',
      mismatched: '2',
    });
    expect(view.open![0]).toMatchObject({ key: 'post:p1', fields: 'title, content' });
  });

  it('shows at most SHOWN_MISMATCHES and says how many more', () => {
    const open = Array.from({ length: SHOWN_MISMATCHES + 3 }, (_, i) => mismatch(i));
    const view = shadowView({ ok: true, value: { open, lastHour } });
    expect(view.open).toHaveLength(SHOWN_MISMATCHES);
    expect(view.more).toBe('3');
    expect(shadowView({ ok: true, value: { open: [], lastHour } })).toMatchObject({
      none: true,
      more: undefined,
    });
  });
});
