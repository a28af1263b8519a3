import * as net from 'node:net';
import { sleep } from '../../src/common/sleep';

export { sleep };

/** A TCP port nothing listens on right now (`port`: that one, else any). */
export function freePort(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as net.AddressInfo;
      server.close(() => resolve(bound));
    });
  });
}

/** The first free port from `from` up, for settings that refuse the ephemeral range. */
export async function freePortFrom(from: number, tries = 50): Promise<number> {
  for (let port = from; port < from + tries; port++) {
    const free = await freePort(port).catch(() => undefined);
    if (free) return free;
  }
  throw new Error(`no free port in ${from}-${from + tries - 1}`);
}

export interface Polled {
  status: number;
  body: string;
  /** ms from the start of polling to this answer */
  elapsedMs: number;
}

/**
 * GETs url every intervalMs until accept(status, body) holds, returning that answer; throws with
 * the last answer seen when timeoutMs passes first.
 */
export async function pollUntil(
  url: string,
  accept: (status: number, body: string) => boolean,
  timeoutMs: number,
  intervalMs = 200,
): Promise<Polled> {
  const start = Date.now();
  let last = 'no answer';
  while (Date.now() - start < timeoutMs) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      const body = await res.text();
      last = `${res.status} ${body.slice(0, 300)}`;
      if (accept(res.status, body))
        return { status: res.status, body, elapsedMs: Date.now() - start };
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(intervalMs);
  }
  throw new Error(`${url} did not reach the expected state within ${timeoutMs} ms; last: ${last}`);
}
