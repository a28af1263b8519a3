import { SingleBar } from 'cli-progress';

/** How a long job shows how far it is. */
export interface Progress {
  /** `total` 0: not known yet (see total()) */
  start(label: string, total: number, done: number): void;
  /** the total, once known */
  total(total: number): void;
  update(done: number): void;
  stop(): void;
}

/** Records per second and the time left, from what was done since start. */
export function rateAndEta(
  done: number,
  startDone: number,
  total: number,
  startedAt: number,
  now = Date.now(),
) {
  const seconds = Math.max((now - startedAt) / 1000, 0.001);
  const rate = (done - startDone) / seconds;
  const eta = rate > 0 ? Math.max(total - done, 0) / rate : Infinity;
  return { rate, eta };
}

/** A bar with rate and ETA on a terminal (stderr, so stdout stays for the summary). */
export class BarProgress implements Progress {
  private readonly bar = new SingleBar({
    format: '{label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted}',
    stream: process.stderr,
    etaBuffer: 50,
  });
  private startedAt = 0;
  private startDone = 0;

  start(label: string, total: number, done: number): void {
    this.startedAt = Date.now();
    this.startDone = done;
    this.bar.start(Math.max(total, done), done, { label, rate: 0 });
  }

  total(total: number): void {
    this.bar.setTotal(Math.max(total, this.bar.getTotal()));
  }

  update(done: number): void {
    const { rate } = rateAndEta(done, this.startDone, 0, this.startedAt);
    if (done > this.bar.getTotal()) this.bar.setTotal(done);
    this.bar.update(done, { rate: Math.round(rate) });
  }

  stop(): void {
    this.bar.stop();
  }
}

/** Off a terminal (logs, CI): one line on stderr every `everyMs`. */
export class LogProgress implements Progress {
  private label = '';
  private totalRecords = 0;
  private startDone = 0;
  private startedAt = 0;
  private lastLog = 0;

  constructor(private readonly everyMs = 5000) {}

  start(label: string, total: number, done: number): void {
    const now = Date.now();
    Object.assign(this, {
      label,
      totalRecords: total,
      startDone: done,
      startedAt: now,
      lastLog: now,
    });
  }

  total(total: number): void {
    this.totalRecords = total;
  }

  update(done: number): void {
    const now = Date.now();
    if (now - this.lastLog < this.everyMs) return;
    this.lastLog = now;
    const { rate, eta } = rateAndEta(done, this.startDone, this.totalRecords, this.startedAt, now);
    const known = this.totalRecords > 0;
    const total = Math.max(this.totalRecords, done);
    const share = known ? `${done}/${total} (${Math.floor((100 * done) / total)}%)` : `${done}`;
    const left = known && Number.isFinite(eta) ? `${Math.ceil(eta)} s` : 'unknown';
    process.stderr.write(
      `${new Date().toISOString()} ${this.label}: ${share}, ${Math.round(rate)} records/s, ETA ${left}\n`,
    );
  }

  stop(): void {
    this.lastLog = 0;
  }
}

export const quietProgress: Progress = { start() {}, total() {}, update() {}, stop() {} };
