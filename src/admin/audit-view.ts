import { AuditEntry } from '../audit/audit-entry';
import { DateView } from '../common/view/date-view';

/** Entries on one page of /admin/audit. */
export const AUDIT_PAGE_SIZE = 50;

export interface AuditEntryView {
  id: string;
  at: DateView;
  actor: string;
  action: string;
  target?: string;
  outcome: AuditEntry['outcome'];
  /** `ok` reads calm, `refused` and `failed` stand out */
  notOk: boolean;
  /** details as `key: value` lines (JSON values), none when empty */
  details: { key: string; value: string }[];
  hasDetails: boolean;
}

export interface AuditPageView {
  title: string;
  /** newest first */
  entries: AuditEntryView[];
  empty: boolean;
  /** the cursor of the next older page, if there are older entries */
  older?: string;
  /** `since`, URL-encoded for the older page's link */
  sinceQuery?: string;
  /** on an older page or a filtered one: the link back to the newest entries */
  newestHref?: string;
  since?: string;
  /** stores that could not be read: the trail shown may miss their entries */
  unreadable: string[];
}

function entryView(entry: AuditEntry): AuditEntryView {
  return {
    id: entry.id,
    // to the second, unlike the posts' dates: the order of actions is the point here
    at: { iso: entry.at, text: `${entry.at.slice(0, 10)} ${entry.at.slice(11, 19)} UTC` },
    actor: entry.actor,
    action: entry.action,
    ...(entry.target !== undefined && { target: entry.target }),
    outcome: entry.outcome,
    notOk: entry.outcome !== 'ok',
    details: Object.entries(entry.details).map(([key, value]) => ({
      key,
      value: typeof value === 'string' ? value : JSON.stringify(value),
    })),
    hasDetails: Object.keys(entry.details).length > 0,
  };
}

/**
 * The page of entries (read oldest first, one more than a page to know whether older ones
 * exist), shown newest first with a cursor to the older ones.
 */
export function auditPageView(
  read: { entries: AuditEntry[]; unreadable: string[] },
  query: { since?: string; before?: string },
): AuditPageView {
  const older = read.entries.length > AUDIT_PAGE_SIZE;
  const shown = read.entries.slice(older ? 1 : 0).reverse();
  const oldest = shown[shown.length - 1];
  return {
    title: 'Audit trail',
    entries: shown.map(entryView),
    empty: shown.length === 0,
    ...(older && oldest && { older: oldest.id }),
    ...((query.before || query.since) && { newestHref: '/admin/audit' }),
    ...(query.since && { since: query.since, sinceQuery: encodeURIComponent(query.since) }),
    unreadable: read.unreadable,
  };
}

/** What `Accept: application/json` gets: the entries newest first and the cursor of the next page. */
export function auditPageJson(read: { entries: AuditEntry[]; unreadable: string[] }) {
  const older = read.entries.length > AUDIT_PAGE_SIZE;
  const entries = read.entries.slice(older ? 1 : 0).reverse();
  return {
    entries,
    next: older ? entries[entries.length - 1].id : null,
    unreadable: read.unreadable,
  };
}
