import { sleep as pause } from '../../src/common/sleep';
import { cpuSecondsOf as cpuSeconds } from './cpu-meter';

/**
 * Waits until every process uses less than `maxShare` of a core over a 1 s window, three
 * windows running: a load run leaves queued work behind in the app and the databases (FerretDB
 * keeps scanning for requests the load generator has already given up on), and the next
 * measurement must not pay for it.
 */
export async function waitUntilIdle(pids: number[], maxShare = 0.15, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (quiet < 3 && Date.now() < deadline) {
    const before = pids.map(cpuSeconds);
    await pause(1000);
    const busy = pids.some((pid, i) => {
      const start = before[i];
      const end = cpuSeconds(pid);
      return start !== undefined && end !== undefined && end - start > maxShare;
    });
    quiet = busy ? 0 : quiet + 1;
  }
}
