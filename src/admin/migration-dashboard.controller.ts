import { Controller, Get, Post, Query, Render, Req, Res, UseInterceptors } from '@nestjs/common';
import { Request, Response } from 'express';
import { Access } from '../auth/access';
import { signedIn } from '../auth/viewer';
import { answerInvalid, answerWrite } from '../common/http/respond';
import { FlashInterceptor } from '../common/http/flash.interceptor';
import { wantsJson } from '../common/http/wants-json';
import { FormBody } from '../common/validation/form-body.decorator';
import { FormInput } from '../common/validation/input-validation';
import { MigrationPhase, nextPhases, phasePlan } from '../config/migration-phase';
import { PhaseUnknownError } from '../control/phase-control';
import { HISTORY_MS } from '../metrics/metrics-history';
import { PhaseStepError, PhaseSwitch, refusal } from '../phase/phase-switch';
import { PhaseStepDto } from './dto/phase-step.dto';
import { migrationCharts } from './migration-charts';
import { MigrationDashboardService } from './migration-dashboard.service';
import { AUTO_REFRESH_SECONDS, confirmView, dashboardView } from './migration-views';

/**
 * How long a step from the page waits for pending hints to drain before its gate counts them
 * (`phase set --wait` is 60 s by default; a browser should not hang that long on a few hints).
 */
export const WEB_HINT_WAIT_MS = 10_000;

const CONFIRM_VIEW = 'admin/migration-confirm';

/**
 * `/admin/migration`: the migration dashboard, and `phase set` from the page through a
 * confirmation step. The same PhaseSwitch as the CLI checks the step and its gate; the page
 * never forces one.
 */
@Controller('admin/migration')
@Access('admin')
@UseInterceptors(FlashInterceptor)
export class MigrationDashboardController {
  constructor(
    private readonly dashboard: MigrationDashboardService,
    private readonly phaseSwitch: PhaseSwitch,
  ) {}

  @Get()
  @Render('admin/migration')
  async show(@Res({ passthrough: true }) res: Response, @Query('refresh') refresh?: unknown) {
    const auto = refresh === 'on';
    // the Refresh header reloads the page without any script
    if (auto) res.setHeader('Refresh', String(AUTO_REFRESH_SECONDS));
    res.setHeader('Cache-Control', 'no-store');
    const data = await this.dashboard.read();
    const phase = data.overview.ok ? data.overview.value.current.phase : data.served;
    const charts = migrationCharts(
      this.dashboard.history.list(),
      phasePlan(phase).secondary,
      data.now,
      HISTORY_MS,
    );
    return dashboardView(data, {
      backfillCopied: (backfill) =>
        backfill.checkpoint ? this.dashboard.copied(backfill.checkpoint) : 0,
      charts,
      historyStartedAt: this.dashboard.history.startedAt,
      refresh: auto,
    });
  }

  /** The confirmation page: from → to and the gate as last recorded; nothing changes yet. */
  @Post('phase')
  async review(
    @Req() req: Request,
    @Res() res: Response,
    @FormBody(PhaseStepDto) input: FormInput<PhaseStepDto>,
  ): Promise<void> {
    if (!input.ok) return this.invalid(req, res, input.errors);
    const target = input.value.target as MigrationPhase;
    const overview = await this.overviewOr503(req, res);
    if (!overview) return;
    const { current, next } = overview;
    const step = next.find((candidate) => candidate.phase === target);
    if (!step) return this.notAStep(req, res, current.phase, target);
    res.setHeader('Cache-Control', 'no-store');
    // a page that changes nothing: 200, not the 201 Nest gives a POST
    res.status(200);
    res.render(CONFIRM_VIEW, confirmView({ from: current.phase, to: target, checks: step.checks }));
  }

  /** Does the step: the live gate (a verify where the step needs one), then the phase record. */
  @Post('phase/confirm')
  async confirm(
    @Req() req: Request,
    @Res() res: Response,
    @FormBody(PhaseStepDto) input: FormInput<PhaseStepDto>,
  ): Promise<void> {
    if (!input.ok) return this.invalid(req, res, input.errors);
    const target = input.value.target as MigrationPhase;
    const overview = await this.overviewOr503(req, res);
    if (!overview) return;
    const { current } = overview;
    if (input.value.from !== undefined && input.value.from !== current.phase) {
      const error = `the phase changed to ${current.phase} since this page showed ${input.value.from}; nothing changed`;
      return this.conflict(req, res, { from: current.phase, to: target, checks: [], error });
    }
    let outcome;
    try {
      outcome = await this.phaseSwitch.set({
        target,
        force: false,
        hintWaitMs: WEB_HINT_WAIT_MS,
        actor: `account:${signedIn(req.viewer).account.username}`,
      });
    } catch (error) {
      if (error instanceof PhaseUnknownError) return this.unknownPhase(req, res, error);
      if (!(error instanceof PhaseStepError)) throw error;
      return this.conflict(req, res, {
        from: current.phase,
        to: target,
        checks: [],
        error: error.message,
      });
    }
    if (outcome.status === 'unchanged') return this.notAStep(req, res, outcome.from, target);
    if (outcome.status === 'refused') {
      return this.conflict(req, res, { ...outcome, to: target, refused: refusal(outcome) });
    }
    answerWrite(req, res, {
      status: 200,
      json: { phase: outcome.record.phase, from: outcome.from, version: outcome.record.version },
      redirectTo: '/admin/migration',
      flash: 'phaseChanged',
    });
  }

  /**
   * The phase and its gates, or (a store that may hold the newest phase record is unreachable)
   * a 503 saying so: no step is offered or taken on a phase that cannot be known.
   */
  private async overviewOr503(req: Request, res: Response) {
    try {
      return await this.phaseSwitch.overview();
    } catch (error) {
      if (!(error instanceof PhaseUnknownError)) throw error;
      this.unknownPhase(req, res, error);
      return undefined;
    }
  }

  private unknownPhase(req: Request, res: Response, error: PhaseUnknownError): void {
    const message = `${error.message}; nothing changed, try again once the store answers`;
    res.status(503).setHeader('Retry-After', '5');
    if (wantsJson(req)) {
      res.json({ statusCode: 503, message });
      return;
    }
    res.render(CONFIRM_VIEW, confirmView({ checks: [], error: message }));
  }

  private invalid(req: Request, res: Response, errors: Record<string, string>): void {
    const model = confirmView({ checks: [], error: Object.values(errors).join(' ') });
    answerInvalid(req, res, errors, { view: CONFIRM_VIEW, model });
  }

  private notAStep(req: Request, res: Response, from: MigrationPhase, to: MigrationPhase): void {
    const error =
      from === to
        ? `the phase is already ${to}; nothing changed`
        : `phase ${from} cannot go to ${to} in one step (next: ${nextPhases(from).join(' or ')}); nothing changed`;
    this.conflict(req, res, { from, to, checks: [], error });
  }

  /** 409: the step cannot be taken now (not one step away, the gate refused, the phase moved). */
  private conflict(req: Request, res: Response, step: Parameters<typeof confirmView>[0]): void {
    res.status(409);
    if (wantsJson(req)) {
      res.json({ statusCode: 409, message: step.refused ?? step.error, checks: step.checks });
      return;
    }
    res.render(CONFIRM_VIEW, confirmView(step));
  }
}
