import {
  shadowMismatchCheck,
  shadowSamplesCheck,
} from '../../../src/migration/gates/shadow-gate-checks';
import { loadConfig } from '../../../src/config/app-config';
import { ShadowLedger } from '../../../src/shadow/shadow-ledger';

const ledger = (open: { kind: string; id: string; fields: string[] }[], compared = 0) =>
  ({
    openMismatches: async () => open,
    samplesSince: async () => ({
      matched: compared,
      mismatched: 0,
      errors: 1,
      dropped: 2,
      compared,
    }),
  }) as unknown as ShadowLedger;

describe('shadow read gate checks', () => {
  it('refuses with open mismatches, naming the records and their fields', async () => {
    const check = await shadowMismatchCheck(
      ledger([
        { kind: 'post', id: 'p1', fields: ['content'] },
        { kind: 'comment', id: 'c9', fields: ['missing in cassandra'] },
      ]),
      ['mongo', 'cassandra'],
    );
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(
      /^2 open: post p1 \(content\), comment c9 \(missing in cassandra\)/,
    );
  });

  it('passes with none open', async () => {
    expect((await shadowMismatchCheck(ledger([]), ['mongo'])).ok).toBe(true);
  });

  it('refuses when the record cannot be read', async () => {
    const failing = {
      openMismatches: async () => {
        throw new Error('cassandra down');
      },
    } as unknown as ShadowLedger;
    const check = await shadowMismatchCheck(failing, ['cassandra']);
    expect(check).toMatchObject({ ok: false, detail: expect.stringContaining('cassandra down') });
  });

  it('needs SHADOW_MIN_SAMPLES compared samples in the window', async () => {
    const settings = { minSamples: 200, windowMs: 3_600_000 };
    const few = await shadowSamplesCheck(ledger([], 199), ['mongo'], settings);
    expect(few.ok).toBe(false);
    expect(few.detail).toMatch(/^199 compared in the last 1h .*200 needed/);
    expect((await shadowSamplesCheck(ledger([], 200), ['mongo'], settings)).ok).toBe(true);
  });
});

describe('shadow read settings', () => {
  const load = (env: Record<string, string>) => () => loadConfig({ SESSION_SECRET: '', ...env });

  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      shadowReadRate: 0.01,
      shadowRecheckDelayMs: 2000,
      shadowQueueLimit: 1000,
      shadowMinSamples: 200,
      shadowWindowMs: 3_600_000,
    });
  });

  it('takes durations with units and a rate from 0 to 1', () => {
    const config = loadConfig({
      SHADOW_READ_RATE: '1',
      SHADOW_RECHECK_DELAY: '500ms',
      SHADOW_WINDOW: '30m',
    });
    expect(config).toMatchObject({
      shadowReadRate: 1,
      shadowRecheckDelayMs: 500,
      shadowWindowMs: 1_800_000,
    });
  });

  it.each([
    [
      'SHADOW_READ_RATE',
      '1.5',
      'SHADOW_READ_RATE must be a number from 0 to 1, like 0.01 (got "1.5")',
    ],
    ['SHADOW_READ_RATE', 'often', 'SHADOW_READ_RATE must be a number from 0 to 1'],
    ['SHADOW_RECHECK_DELAY', '2', 'SHADOW_RECHECK_DELAY must be a duration from 0 to 1m'],
    ['SHADOW_WINDOW', '30s', 'SHADOW_WINDOW must be a duration from 1m to 24h'],
    ['SHADOW_MIN_SAMPLES', '-1', 'SHADOW_MIN_SAMPLES must be an integer'],
    ['SHADOW_QUEUE_LIMIT', '0', 'SHADOW_QUEUE_LIMIT must be an integer from 1 to 100000'],
  ])('refuses %s=%s in one line', (name, value, message) => {
    expect(load({ [name]: value })).toThrow(message);
  });
});
