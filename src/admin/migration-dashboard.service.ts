import { Injectable, Logger } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { reasonOf, withTimeout } from '../common/with-timeout';
import { AppConfig } from '../config/app-config';
import { phasePlan, StoreName } from '../config/migration-phase';
import { CurrentPhase } from '../control/current-phase';
import { PhaseControl } from '../control/phase-control';
import { InstanceReport } from '../control/phase-record';
import { StoreConnections } from '../database/store-connections';
import { HISTORY_MS, MetricsHistory } from '../metrics/metrics-history';
import { BackfillCheckpoint, BackfillService } from '../migration/backfill/backfill.service';
import { ReconcileReport, ReconcileService } from '../migration/reconcile/reconcile.service';
import { LastVerify, VerifyService } from '../migration/verify/verify.service';
import { PhaseSwitch } from '../phase/phase-switch';
import { ShadowLedger } from '../shadow/shadow-ledger';
import { HintLogs } from '../store/hints/hint-logs';
import { Replicas } from '../store/replicas';
import { AUDIT_TAIL, AuditTailEntry, ShadowData } from './tail-views';

/** A part of the page: its data, or why it could not be read (the rest of the page still shows). */
export type Part<T> = { ok: true; value: T } | { ok: false; error: string };

export interface BackfillData {
  source: StoreName;
  target: StoreName;
  checkpoint?: BackfillCheckpoint;
  /** the source's records of every kind, estimated (undefined: not known yet) */
  total?: number;
  /** records per second since the dashboard last saw this run (else its average) */
  rate?: number;
  recent: boolean;
}

export interface DashboardData {
  now: number;
  /** the phase this instance serves */
  served: ReturnType<CurrentPhase['get']>;
  /** false: the migration state (in Cassandra) was not read, this instance has no connection */
  cassandraOpen: boolean;
  overview: Part<Awaited<ReturnType<PhaseSwitch['overview']>>>;
  instances: Part<InstanceReport[]>;
  backfills: Part<BackfillData[]>;
  verify: Part<LastVerify | undefined>;
  reconcile: Part<ReconcileReport | undefined>;
  hints: Part<{ store: string; pending: number } | undefined>;
  /** the audit trail's newest entries */
  audit: Part<{ entries: AuditTailEntry[]; unreadable: string[] }>;
  /** open shadow-read mismatches and the fleet's samples of the last hour */
  shadow: Part<ShadowData>;
}

/** How long a store total estimated for the backfill's ETA is reused (a count can be a scan). */
const ESTIMATE_MAX_AGE_MS = 60_000;

/**
 * Reads what the migration dashboard shows, each part on its own with HEALTH_CHECK_TIMEOUT_MS,
 * from the records the engine and the instances keep: it never runs a verify, a count on the
 * request path (backfill totals are estimated in the background) or anything that writes.
 */
@Injectable()
export class MigrationDashboardService {
  private readonly logger = new Logger(MigrationDashboardService.name);
  private readonly estimates = new Map<string, { at: number; total?: number; running?: boolean }>();
  /** the last checkpoint seen per direction, for a rate over the time between two page loads */
  private readonly seen = new Map<string, { copied: number; at: number; started: string }>();

  constructor(
    private readonly config: AppConfig,
    private readonly phase: CurrentPhase,
    private readonly control: PhaseControl,
    private readonly phaseSwitch: PhaseSwitch,
    private readonly connections: StoreConnections,
    private readonly backfill: BackfillService,
    private readonly verifier: VerifyService,
    private readonly reconciler: ReconcileService,
    private readonly hintLogs: HintLogs,
    private readonly replicas: Replicas,
    private readonly audit: AuditTrail,
    private readonly shadow: ShadowLedger,
    readonly history: MetricsHistory,
  ) {}

  async read(): Promise<DashboardData> {
    // the migration state lives in Cassandra; a phase without it (mongo) does not connect to it
    // just for this page
    const cassandra = this.connections.isOpen('cassandra');
    const [overview, instances, backfills, verify, reconcile, hints, audit, shadow] =
      await Promise.all([
        this.part('gates', () => this.phaseSwitch.overview()),
        this.part('instances', () => this.control.instances()),
        this.part('backfill', async () => (cassandra ? this.backfills() : [])),
        this.part('verify', async () => (cassandra ? this.verifier.last() : undefined)),
        this.part('reconcile', async () => (cassandra ? this.reconciler.last() : undefined)),
        this.part('hints', () => this.pendingHints()),
        this.part('audit', () => this.audit.read({ limit: AUDIT_TAIL })),
        this.part('shadow reads', () => this.shadowData()),
      ]);
    return {
      now: Date.now(),
      served: this.phase.get(),
      cassandraOpen: cassandra,
      overview,
      instances,
      backfills,
      verify,
      reconcile,
      hints,
      audit,
      shadow,
    };
  }

  private async part<T>(what: string, read: () => Promise<T>): Promise<Part<T>> {
    try {
      const value = await withTimeout(read(), this.config.healthCheckTimeoutMs, what);
      return { ok: true, value };
    } catch (error) {
      this.logger.warn(`dashboard: ${what} unknown: ${reasonOf(error)}`);
      return { ok: false, error: reasonOf(error) };
    }
  }

  /** What every instance recorded: the open mismatches and the samples of the last hour. */
  private async shadowData(): Promise<ShadowData> {
    const [open, lastHour] = await Promise.all([
      this.shadow.openMismatches(),
      this.shadow.samplesSince(new Date(Date.now() - HISTORY_MS)),
    ]);
    return { open, lastHour };
  }

  private async pendingHints(): Promise<{ store: string; pending: number } | undefined> {
    const { hintLog } = phasePlan(this.phase.get());
    if (!hintLog) return undefined;
    const log = this.hintLogs.get(hintLog);
    return { store: log.store, pending: await log.pending() };
  }

  private async backfills(): Promise<BackfillData[]> {
    const directions: [StoreName, StoreName][] = [
      ['mongo', 'cassandra'],
      ['cassandra', 'mongo'],
    ];
    const found = await Promise.all(
      directions.map(async ([source, target]) => ({
        source,
        target,
        checkpoint: await this.backfill.checkpoint(source, target),
      })),
    );
    return found
      .filter((entry) => entry.checkpoint)
      .map(({ source, target, checkpoint }) => this.progressOf(source, target, checkpoint!));
  }

  private progressOf(source: StoreName, target: StoreName, checkpoint: BackfillCheckpoint) {
    const key = `${source}->${target}`;
    const copied = this.copied(checkpoint);
    const at = Date.parse(checkpoint.updated_at);
    const before = this.seen.get(key);
    let rate = checkpoint.seconds > 0 ? copied / checkpoint.seconds : undefined;
    let recent = false;
    if (before && before.started === checkpoint.started_at && at > before.at) {
      rate = (copied - before.copied) / ((at - before.at) / 1000);
      recent = true;
    }
    if (!before || at > before.at || before.started !== checkpoint.started_at) {
      this.seen.set(key, { copied, at, started: checkpoint.started_at });
    }
    const done = checkpoint.stage === 'done';
    return {
      source,
      target,
      checkpoint,
      total: done ? undefined : this.estimate(source),
      rate,
      recent,
    };
  }

  /** Records of every kind the checkpoint copied (deletions have no total to compare with). */
  copied(checkpoint: BackfillCheckpoint): number {
    return this.replicas.kinds.all.reduce((sum, kind) => {
      const value = checkpoint[kind.plural];
      return sum + (typeof value === 'number' ? value : 0);
    }, 0);
  }

  /** The last estimate of the source's records; a new one is started when it is old. */
  private estimate(source: StoreName): number | undefined {
    const known = this.estimates.get(source);
    if (!known || (!known.running && Date.now() - known.at > ESTIMATE_MAX_AGE_MS)) {
      const entry = { at: Date.now(), total: known?.total, running: true };
      this.estimates.set(source, entry);
      const replica = this.replicas.get(source);
      void Promise.all(this.replicas.kinds.all.map((kind) => replica.estimate(kind)))
        .then((totals) => {
          entry.total = totals.reduce((a, b) => a + b, 0);
        })
        .catch((error: unknown) =>
          this.logger.warn(`dashboard: estimating ${source}'s records failed: ${reasonOf(error)}`),
        )
        .finally(() => {
          entry.running = false;
          entry.at = Date.now();
        });
    }
    return known?.total;
  }
}
