import express from 'express';
import { ConfigError, loadConfig } from '../../../src/config/app-config';
import { parseTrustProxy, TrustProxyParseError } from '../../../src/config/trust-proxy';

function problemFor(value: string): string {
  try {
    loadConfig({ TRUST_PROXY: value });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`expected a ConfigError for TRUST_PROXY=${value}`);
}

/** What Express makes of the setting: does it believe a proxy at `peer`? */
function trusts(value: string, peer: string, hop = 0): boolean {
  const app = express();
  app.set('trust proxy', parseTrustProxy(value));
  const trust = app.get('trust proxy fn') as (address: string, hop: number) => boolean;
  return trust(peer, hop);
}

describe('TRUST_PROXY', () => {
  it('is off by default: no proxy is believed', () => {
    expect(loadConfig({}).trustProxySetting).toBe(false);
    expect(trusts('', '127.0.0.1')).toBe(false);
  });

  it.each([
    ['false', false],
    ['0', false],
    [' 2 ', 2],
    ['loopback', ['loopback']],
    ['10.0.0.0/8, 192.168.1.7 ,fd00::/8,::1', ['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1']],
    ['loopback,linklocal,uniquelocal', ['loopback', 'linklocal', 'uniquelocal']],
  ])('reads %j', (raw, setting) => {
    expect(parseTrustProxy(raw)).toEqual(setting);
    expect(loadConfig({ TRUST_PROXY: raw }).trustProxySetting).toEqual(setting);
  });

  it('gives Express what it understands', () => {
    expect(trusts('loopback', '127.0.0.1')).toBe(true);
    expect(trusts('loopback', '::ffff:127.0.0.1')).toBe(true);
    expect(trusts('loopback', '10.0.0.1')).toBe(false);
    expect(trusts('10.0.0.0/8,192.168.1.7', '10.9.8.7')).toBe(true);
    expect(trusts('10.0.0.0/8,192.168.1.7', '192.168.1.8')).toBe(false);
    expect(trusts('1', '203.0.113.9', 0)).toBe(true);
    expect(trusts('1', '203.0.113.9', 1)).toBe(false);
  });

  it.each([
    'yes',
    '10.0.0.0/33',
    '::/129',
    '10.0.0',
    'loopback,,10.0.0.1',
    '11',
    'proxy.example',
    '-1',
    '1.5',
  ])('refuses %j in one line naming the variable and what it accepts', (raw) => {
    expect(() => parseTrustProxy(raw)).toThrow(TrustProxyParseError);
    const message = problemFor(raw);
    expect(message).not.toContain('\n');
    expect(message).toContain(
      'TRUST_PROXY must be off (unset, false or 0), a hop count from 1 to 10, or a comma-separated list of proxy addresses, CIDRs, loopback, linklocal or uniquelocal',
    );
    expect(message).toContain(`(got "${raw}")`);
  });

  it('refuses true, which would let any client choose its own address', () => {
    expect(problemFor('true')).toBe(
      'Invalid configuration: TRUST_PROXY must name the proxies (a hop count or their addresses): true would let any client choose its own address (got "true")',
    );
  });
});
