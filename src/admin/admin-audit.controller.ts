import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { Request, Response } from 'express';
import { parseSince } from '../audit/audit-entry';
import { AuditTrail } from '../audit/audit-trail';
import { Access } from '../auth/access';
import { BadInputError } from '../common/errors/service-errors';
import { wantsJson } from '../common/http/wants-json';
import { AUDIT_PAGE_SIZE, auditPageJson, auditPageView } from './audit-view';

const CURSOR = /^\d{15}(-[0-9a-f]{4}-[0-9a-f]{8})?$/;

/** One query parameter as a string, or a 400: arrays and objects (`?since[$ne]=`) are refused. */
function oneString(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > 64) {
    throw new BadInputError(name, `${name} must be given once, as text of at most 64 characters`);
  }
  return value;
}

/**
 * `/admin/audit`: the audit trail, newest first, a page at a time (`?before=<id>` is the
 * cursor of the next older page), from a time on with `?since=` (an ISO time or `1h`, `7d`).
 * JSON when asked for it.
 */
@Controller('admin/audit')
@Access('admin')
export class AdminAuditController {
  constructor(private readonly trail: AuditTrail) {}

  @Get()
  async list(
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const sinceText = oneString(query, 'since');
    const before = oneString(query, 'before');
    const since = sinceText === undefined ? undefined : parseSince(sinceText);
    if (sinceText !== undefined && since === undefined) {
      throw new BadInputError(
        'since',
        'since must be an ISO time (2026-12-03T18:00:00Z) or a duration back from now like 30m, 1h or 7d',
      );
    }
    if (before !== undefined && !CURSOR.test(before)) {
      throw new BadInputError('before', 'before must be the id of an audit entry (a page cursor)');
    }
    // one more than a page: whether an older page exists
    const read = await this.trail.read({ since, before, limit: AUDIT_PAGE_SIZE + 1 });
    if (wantsJson(req)) {
      res.json(auditPageJson(read));
      return;
    }
    res.render('admin/audit', auditPageView(read, { since: sinceText, before }));
  }
}
