import { randomBytes } from 'node:crypto';
import { parseInterval } from '../config/app-config';

/** What came of an action: done, refused by a check (nothing changed), or failed part way. */
export type AuditOutcome = 'ok' | 'refused' | 'failed';

/** What a caller records; the trail adds the id and the time. */
export interface AuditRecord {
  /** `account:<username>` or `cli:user@host` */
  actor: string;
  /** dotted verb, e.g. `phase.set`, `migrate.backfill`, `account.role`, `comment.delete` */
  action: string;
  /** what it acted on (a phase, a username, a record id, a backup file) */
  target?: string;
  outcome: AuditOutcome;
  /** counts, gate checks, flags: never a password, a token or a secret */
  details?: Record<string, unknown>;
}

export interface AuditEntry extends Required<Omit<AuditRecord, 'target'>> {
  /** time-ordered: sorting ids sorts entries by when they were recorded */
  id: string;
  /** ISO time of the record */
  at: string;
  target?: string;
}

const TIME_DIGITS = 15;
let lastMs = 0;
let sequence = 0;

/**
 * `<ms since 1970, 15 digits>-<sequence, 4 hex>-<random, 8 hex>`: ids compare as strings in
 * time order; entries of one process within one millisecond keep their order by the sequence,
 * and the random part keeps two processes' ids apart.
 */
export function newAuditId(now = Date.now()): string {
  if (now <= lastMs) {
    // the clock did not move (or stepped back): stay after this process's last id
    sequence++;
    now = lastMs;
  } else {
    lastMs = now;
    sequence = 0;
  }
  return `${String(now).padStart(TIME_DIGITS, '0')}-${sequence.toString(16).padStart(4, '0')}-${randomBytes(4).toString('hex')}`;
}

/** The smallest id recorded at or after `ms` (a bound for range reads). */
export function auditIdAt(ms: number): string {
  return String(Math.max(0, ms)).padStart(TIME_DIGITS, '0');
}

/** The time an id was made. */
export function auditIdTime(id: string): number {
  return Number(id.slice(0, TIME_DIGITS));
}

/** Day bucket (UTC, `YYYY-MM-DD`) of a time: Cassandra's partition of the trail. */
export function auditDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Entries of several stores as one trail: each id once (the same entry is written to both
 * stores), oldest first; with `limit`, the newest `limit` of them.
 */
export function mergeEntries(lists: AuditEntry[][], limit?: number): AuditEntry[] {
  const byId = new Map<string, AuditEntry>();
  for (const entry of lists.flat()) if (!byId.has(entry.id)) byId.set(entry.id, entry);
  const sorted = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return limit === undefined ? sorted : sorted.slice(Math.max(0, sorted.length - limit));
}

const SINCE_FORMAT =
  'must be an ISO time (2026-12-03T18:00:00Z, or a day 2026-12-03) or a duration back from now like 30m, 1h or 7d';
const MAX_SINCE_MS = 3650 * 86_400_000;

/** `--since` / `?since=`: an ISO time or a duration back from `now`; undefined if neither. */
export function parseSince(raw: string, now = Date.now()): number | undefined {
  const back = parseInterval(raw.trim(), MAX_SINCE_MS);
  if (typeof back === 'number') return now - back;
  if (
    !/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw)
  ) {
    return undefined;
  }
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? undefined : ms;
}

export class SinceError extends Error {
  constructor(raw: string) {
    super(`--since ${SINCE_FORMAT} (got '${raw}')`);
    this.name = 'SinceError';
  }
}

/** Whether a value may go into an entry's details as it is (keys that name secrets are dropped). */
const SECRET_KEY = /pass(word)?|secret|token(?!s?_?(id|label|count))|hash|key(?!_?id)/i;

/** Details without any key that names a secret: a second line of defence after the callers. */
export function withoutSecrets(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).filter(([key]) => !SECRET_KEY.test(key)));
}
