import { isIP } from 'node:net';

/**
 * Which proxies may tell the app the client's address (X-Forwarded-For) and scheme
 * (X-Forwarded-Proto), as written in TRUST_PROXY; the value goes to Express's `trust proxy`:
 * - unset, `false` or `0`: none (the default): the client is the connection's peer;
 * - `N` (1 to 10): the N proxies nearest the app, whatever their addresses;
 * - a comma-separated list of addresses, CIDRs and the names `loopback`, `linklocal`,
 *   `uniquelocal`: the proxies at those addresses.
 * `true` (Express: trust every hop) is refused: any client could then name its own address.
 */
export type TrustProxy = false | number | string[];

export const TRUST_PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'] as const;
export const MAX_PROXY_HOPS = 10;

export class TrustProxyParseError extends Error {}

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/** Parses TRUST_PROXY; throws TrustProxyParseError with a short reason. */
export function parseTrustProxy(raw: string): TrustProxy {
  const text = raw.trim();
  if (text === '' || text === 'false' || text === '0') return false;
  if (text === 'true') {
    throw new TrustProxyParseError('true would believe any client; name the proxies');
  }
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > MAX_PROXY_HOPS) throw new TrustProxyParseError(`too many hops`);
    return hops;
  }
  const entries = text.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const named = (TRUST_PROXY_NAMES as readonly string[]).includes(entry);
    if (!named && !isAddressOrCidr(entry)) {
      throw new TrustProxyParseError(`cannot read "${entry}"`);
    }
  }
  return entries;
}
