import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds a process has used so far (utime + stime from /proc), or undefined if gone. */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may contain spaces) start at ") "
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine has been busy (every core, every process, all tenants). */
function machineBusySeconds(): number {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9);
  // user nice system idle iowait irq softirq steal: all but idle and iowait
  const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/** A process's short name (java, ferretdb, node). */
export function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return `pid ${pid}`;
  }
}

/** Where the CPU went during one measurement. */
export interface CpuUse {
  wallSeconds: number;
  /** CPU seconds per named process (database servers, and the measured client) */
  byProcess: Record<string, number>;
  /** CPU seconds of the whole machine, every tenant included */
  machine: number;
}

/**
 * Measures the CPU the database servers (and the whole machine) use while `run` runs; `client`
 * reports the measured client's own CPU seconds (a child process, or this one).
 */
export async function withCpu<T>(
  servers: number[],
  run: () => Promise<T>,
  client: (result: T) => number,
): Promise<{ result: T; cpu: CpuUse }> {
  const before = servers.map((pid) => cpuSecondsOf(pid) ?? 0);
  const machine = machineBusySeconds();
  const started = Date.now();
  const result = await run();
  const byProcess: Record<string, number> = { client: client(result) };
  servers.forEach((pid, i) => {
    byProcess[processName(pid)] = (cpuSecondsOf(pid) ?? 0) - before[i];
  });
  return {
    result,
    cpu: {
      wallSeconds: (Date.now() - started) / 1000,
      byProcess,
      machine: machineBusySeconds() - machine,
    },
  };
}

/** This process's CPU seconds so far (for measurements run in the bench process itself). */
export const ownCpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
