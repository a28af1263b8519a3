import { IncomingMessage } from 'node:http';
import {
  isMetricsScraper,
  isMetricsToken,
  markMetricsScraper,
} from '../../../src/auth/metrics-token';

describe('METRICS_TOKEN', () => {
  const token = 'x'.repeat(40);

  it('matches the token exactly, never when none is set', () => {
    expect(isMetricsToken(token, token)).toBe(true);
    expect(isMetricsToken(`${token}x`, token)).toBe(false);
    expect(isMetricsToken(token.slice(1), token)).toBe(false);
    expect(isMetricsToken('', '')).toBe(false);
    expect(isMetricsToken(token, '')).toBe(false);
  });

  it('only the mark the middleware sets makes a request the scraper', () => {
    const req = { headers: { 'x-metrics-scraper': 'true' } } as unknown as IncomingMessage;
    expect(isMetricsScraper(req)).toBe(false);
    markMetricsScraper(req);
    expect(isMetricsScraper(req)).toBe(true);
  });
});
