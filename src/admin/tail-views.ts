import { dateView, DateView } from '../common/view/date-view';
import { Part } from './migration-dashboard.service';

/*
 * The dashboard's audit tail and shadow-read parts. Their sources (src/audit's AuditTrail,
 * src/shadow's ShadowLedger) are read by MigrationDashboardService; the shapes below are what
 * this page needs of them (their records fit them), so these views stay plain functions.
 */

/** Entries of the audit trail the dashboard shows, newest first (/admin/audit has them all). */
export const AUDIT_TAIL = 10;
/** Open shadow-read mismatches the dashboard lists (the gate names every one). */
export const SHOWN_MISMATCHES = 20;

export interface AuditTailEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  target?: string;
  outcome: string;
}

export interface ShadowMismatchEntry {
  kind: string;
  id: string;
  fields: string[];
  page: string;
  first_seen: string;
  last_seen: string;
  confirmations: number;
}

export interface ShadowData {
  open: ShadowMismatchEntry[];
  /** every instance's samples over the last hour */
  lastHour: { compared: number; mismatched: number; errors: number; dropped: number };
}

const time = (iso: string): DateView | undefined => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : dateView(date);
};

const number = (n: number) => n.toLocaleString('en-US');

export function auditTailView(part: Part<{ entries: AuditTailEntry[]; unreadable: string[] }>) {
  if (!part.ok) return { error: `Not available: ${part.error}` };
  const entries = [...part.value.entries]
    .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, AUDIT_TAIL);
  return {
    entries: entries.map((entry) => ({
      id: entry.id,
      at: time(entry.at),
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      outcome: entry.outcome,
      notOk: entry.outcome !== 'ok',
    })),
    empty: entries.length === 0,
    unreadable: part.value.unreadable.length > 0 ? part.value.unreadable.join('; ') : undefined,
  };
}

export function shadowView(part: Part<ShadowData>) {
  if (!part.ok) return { error: `Not available: ${part.error}` };
  const { open, lastHour } = part.value;
  return {
    available: true,
    openCount: number(open.length),
    none: open.length === 0,
    open: open.slice(0, SHOWN_MISMATCHES).map((mismatch) => ({
      key: `${mismatch.kind}:${mismatch.id}`,
      kind: mismatch.kind,
      id: mismatch.id,
      fields: mismatch.fields.join(', '),
      page: mismatch.page,
      firstSeen: time(mismatch.first_seen),
      lastSeen: time(mismatch.last_seen),
      confirmations: mismatch.confirmations,
    })),
    more: open.length > SHOWN_MISMATCHES ? number(open.length - SHOWN_MISMATCHES) : undefined,
    compared: number(lastHour.compared),
    mismatched: number(lastHour.mismatched),
    errors: number(lastHour.errors),
    dropped: number(lastHour.dropped),
  };
}
