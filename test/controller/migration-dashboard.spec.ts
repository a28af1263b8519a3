import { AuditTrail } from '../../src/audit/audit-trail';
import { MigrationState } from '../../src/control/migration-state';
import { PhaseUnknownError } from '../../src/control/phase-control';
import { PhaseRecord } from '../../src/control/phase-record';
import { MetricsHistory } from '../../src/metrics/metrics-history';
import { ShadowLedger } from '../../src/shadow/shadow-ledger';
import { Replicas } from '../../src/store/replicas';
import { PhaseStepError, PhaseSwitch, SwitchOutcome } from '../../src/phase/phase-switch';
import { BlogMetrics } from '../../src/metrics/blog-metrics';
import { csrfOf, useControllerApp } from './helpers/controller-app';

const FAILED_CHECK = {
  name: 'backfill mongo → cassandra',
  ok: false,
  detail: 'never run: run `migrate backfill`',
};

/** `/admin/migration`: who may see it, the confirmation flow of a phase step, CSRF and refusals. */
describe('the migration dashboard (controller tier)', () => {
  const web = useControllerApp('dual-write');
  let phaseSwitch: PhaseSwitch;

  beforeAll(() => {
    phaseSwitch = web.app.get(PhaseSwitch);
  });
  afterEach(() => jest.restoreAllMocks());

  function record(phase: PhaseRecord['phase'], previous: PhaseRecord['phase']): PhaseRecord {
    return {
      phase,
      previous,
      version: Date.now(),
      set_at: new Date().toISOString(),
      set_by: 'account:root',
      forced: false,
    };
  }

  describe('who may see it', () => {
    it('sends an anonymous reader to sign in (303 to /login)', async () => {
      const page = await web.http().get('/admin/migration').expect(303);
      expect(page.headers.location).toBe('/login?next=%2Fadmin%2Fmigration');
    });

    it('refuses an author (403), on the page and both forms', async () => {
      const author = await web.signIn('ann', 'author');
      await author.agent.get('/admin/migration').expect(403);
      for (const path of ['/admin/migration/phase', '/admin/migration/phase/confirm']) {
        await author.agent
          .post(path)
          .type('form')
          .send({ _csrf: author.csrf, target: 'mongo' })
          .expect(403);
      }
    });

    it('shows an admin the phase, the gates check by check, the hints and the phase form (200)', async () => {
      const admin = await web.signIn('root', 'admin');
      const page = await admin.agent.get('/admin/migration').expect(200);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.text).toContain('data-phase="dual-write"');
      // dual-write → mongo has no gate; → cassandra-primary names each check as last recorded
      expect(page.text).toMatch(/data-gate="mongo"[\s\S]*no gate/);
      expect(page.text).toMatch(/data-gate="cassandra-primary"[\s\S]*gate closed/);
      expect(page.text).toContain('data-check="backfill mongo → cassandra"');
      expect(page.text).toContain('never run (&#x60;phase set&#x60; runs it)');
      expect(page.text).toMatch(/id="hints">\s*<span class="badge ok">0<\/span> in mongo/);
      expect(page.text).toContain('<form id="phase-form"');
      expect(page.text).toMatch(/<option value="mongo">mongo<\/option>/);
      expect(page.text).toContain('No backfill has run.');
      // the charts are drawn on the server with an accessible name
      expect(page.text.match(/<svg [^>]*role="img"/g)).toHaveLength(4);
      expect(page.text).toContain('<title id="chart-copies-title">');
      expect(page.text).toContain('id="audit"');
      expect(page.text).toContain('id="shadow-mismatches"');
      expect(page.headers.refresh).toBeUndefined();
    });

    it('reloads itself every 30 s only when asked (?refresh=on)', async () => {
      const admin = await web.signIn('root', 'admin');
      const page = await admin.agent.get('/admin/migration?refresh=on').expect(200);
      expect(page.headers.refresh).toBe('30');
      expect(page.text).toContain('Stop refreshing every 30 s');
    });
  });

  describe('a backfill in progress', () => {
    it('shows its progress, rate and ETA from the checkpoint', async () => {
      const state = web.app.get(MigrationState);
      const now = Date.now();
      await state.put('backfill:mongo->cassandra', {
        source: 'mongo',
        target: 'cassandra',
        stage: 'comments',
        started_at: new Date(now - 60_000).toISOString(),
        updated_at: new Date(now - 500).toISOString(),
        seconds: 50,
        runs: 1,
        posts: 400,
        comments: 600,
      });
      // the source's size is estimated in the background: 500 records of each of the 4 kinds
      const estimate = jest.spyOn(web.app.get(Replicas).get('mongo'), 'estimate');
      estimate.mockResolvedValue(500);
      const admin = await web.signIn('root', 'admin');
      const first = await admin.agent.get('/admin/migration').expect(200);
      expect(first.text).toContain('id="backfill-mongo-cassandra"');
      expect(first.text).toContain('copying comments');
      expect(first.text).toMatch(/class="backfill-copied">1,000 records/);
      // the average of its runs: 1 000 records in 50 s
      expect(first.text).toMatch(/class="backfill-rate">20 records\/s/);
      expect(estimate).toHaveBeenCalled();
      const page = await admin.agent.get('/admin/migration').expect(200);
      expect(page.text).toMatch(/class="backfill-copied">1,000 of about 2,000 \(50 %\) records/);
      expect(page.text).toContain('<progress max="100" value="50"');
      expect(page.text).toMatch(/class="backfill-eta">50 s/);
    });
  });

  describe('changing the phase', () => {
    it('POST /admin/migration/phase shows from → to and the gate, with a confirm form carrying _csrf; nothing changes', async () => {
      const set = jest.spyOn(phaseSwitch, 'set');
      const admin = await web.signIn('root', 'admin');
      const page = await admin.agent
        .post('/admin/migration/phase')
        .type('form')
        .send({ _csrf: admin.csrf, target: 'cassandra-primary' })
        .expect(200);
      expect(page.text).toContain('data-from="dual-write" data-to="cassandra-primary"');
      expect(page.text).toContain('data-check="backfill mongo → cassandra"');
      expect(page.text).toMatch(
        /<form id="phase-confirm-form"[^>]*action="\/admin\/migration\/phase\/confirm"/,
      );
      expect(csrfOf(page.text)).toBe(admin.csrf);
      expect(page.text).toContain('name="target" value="cassandra-primary"');
      expect(set).not.toHaveBeenCalled();
    });

    it('confirming sets the phase as the account, never forced, then 303 back with a flash', async () => {
      const set = jest.spyOn(phaseSwitch, 'set').mockResolvedValue({
        status: 'set',
        from: 'dual-write',
        target: 'mongo',
        checks: [],
        forced: false,
        record: record('mongo', 'dual-write'),
        skipped: [],
      } satisfies SwitchOutcome);
      const admin = await web.signIn('root', 'admin');
      const done = await admin.agent
        .post('/admin/migration/phase/confirm')
        .type('form')
        .send({ _csrf: admin.csrf, target: 'mongo', from: 'dual-write' })
        .expect(303);
      expect(done.headers.location).toBe('/admin/migration');
      expect(set).toHaveBeenCalledTimes(1);
      expect(set.mock.calls[0][0]).toMatchObject({
        target: 'mongo',
        force: false,
        actor: 'account:root',
      });
      const after = await admin.agent.get('/admin/migration').expect(200);
      expect(after.text).toContain('data-flash="phaseChanged"');
    });

    it('refuses a `force` field (400): the page has no way around the gate', async () => {
      const set = jest.spyOn(phaseSwitch, 'set');
      const admin = await web.signIn('root', 'admin');
      const page = await admin.agent
        .post('/admin/migration/phase/confirm')
        .type('form')
        .send({ _csrf: admin.csrf, target: 'mongo', force: 'true' })
        .expect(400);
      expect(page.text).toContain('force is not a field of this form.');
      expect(set).not.toHaveBeenCalled();
    });

    it('a refused gate answers 409 naming the failed check; nothing changes', async () => {
      jest.spyOn(phaseSwitch, 'set').mockResolvedValue({
        status: 'refused',
        from: 'dual-write',
        target: 'cassandra-primary',
        checks: [{ name: 'instances', ok: true, detail: 'all 1 serve dual-write' }, FAILED_CHECK],
      });
      const admin = await web.signIn('root', 'admin');
      const page = await admin.agent
        .post('/admin/migration/phase/confirm')
        .type('form')
        .send({ _csrf: admin.csrf, target: 'cassandra-primary', from: 'dual-write' })
        .expect(409);
      expect(page.text).toContain('id="phase-refused"');
      expect(page.text).toMatch(/phase-refused[\s\S]*data-check="backfill mongo → cassandra"/);
      expect(page.text).toContain('never run: run &#x60;migrate backfill&#x60;');
      expect(page.text).not.toContain('phase-confirm-form');
    });

    it('a step that is not allowed answers 409 with the reason (PhaseStepError)', async () => {
      jest
        .spyOn(phaseSwitch, 'set')
        .mockRejectedValue(
          new PhaseStepError('phase dual-write cannot go to cassandra in one step'),
        );
      const admin = await web.signIn('root', 'admin');
      const page = await admin.agent
        .post('/admin/migration/phase/confirm')
        .type('form')
        .send({ _csrf: admin.csrf, target: 'cassandra' })
        .expect(409);
      expect(page.text).toContain('cannot go to cassandra in one step');
    });

    it('the review refuses a phase that is not one step away (409) and one that is no phase (400)', async () => {
      const admin = await web.signIn('root', 'admin');
      const far = await admin.agent
        .post('/admin/migration/phase')
        .type('form')
        .send({ _csrf: admin.csrf, target: 'cassandra' })
        .expect(409);
      expect(far.text).toContain('cannot go to cassandra in one step');
      const same = await admin.agent
        .post('/admin/migration/phase')
        .type('form')
        .send({ _csrf: admin.csrf, target: 'dual-write' })
        .expect(409);
      expect(same.text).toContain('already dual-write');
      const bogus = await admin.agent
        .post('/admin/migration/phase')
        .type('form')
        .send({ _csrf: admin.csrf, target: 'postgres' })
        .expect(400);
      expect(bogus.text).toContain('Phase must be one of');
    });

    it('a confirmation made for another phase than the current one is refused (409)', async () => {
      const set = jest.spyOn(phaseSwitch, 'set');
      const admin = await web.signIn('root', 'admin');
      const page = await admin.agent
        .post('/admin/migration/phase/confirm')
        .type('form')
        .send({ _csrf: admin.csrf, target: 'dual-write', from: 'mongo' })
        .expect(409);
      expect(page.text).toContain('the phase changed to dual-write');
      expect(set).not.toHaveBeenCalled();
    });

    it.each(['/admin/migration/phase', '/admin/migration/phase/confirm'])(
      '%s answers 503 when the phase cannot be known (a record store unreachable); nothing changes',
      async (path) => {
        jest
          .spyOn(phaseSwitch, 'overview')
          .mockRejectedValue(new PhaseUnknownError('dual-write', ['cassandra: down (test)']));
        const set = jest.spyOn(phaseSwitch, 'set');
        const admin = await web.signIn('root', 'admin');
        const page = await admin.agent
          .post(path)
          .type('form')
          .send({ _csrf: admin.csrf, target: 'mongo' })
          .expect(503);
        expect(page.text).toContain(
          'cannot read the phase (dual-write so far): cassandra: down (test)',
        );
        expect(set).not.toHaveBeenCalled();
      },
    );

    it.each(['/admin/migration/phase', '/admin/migration/phase/confirm'])(
      '%s without _csrf (or with another browser’s) is 403 and changes nothing',
      async (path) => {
        const set = jest.spyOn(phaseSwitch, 'set');
        const admin = await web.signIn('root', 'admin');
        const other = await web.signIn('ops', 'admin');
        await admin.agent.post(path).type('form').send({ target: 'mongo' }).expect(403);
        await admin.agent
          .post(path)
          .type('form')
          .send({ _csrf: other.csrf, target: 'mongo' })
          .expect(403);
        expect(set).not.toHaveBeenCalled();
      },
    );
  });

  describe('the audit tail', () => {
    it('shows the newest entries of the trail, a refusal marked, with a link to the whole trail', async () => {
      const trail = web.app.get(AuditTrail);
      await trail.record({
        actor: 'account:root',
        action: 'phase.set',
        target: 'cassandra-primary',
        outcome: 'refused',
      });
      await trail.record({ actor: 'cli:ops@host', action: 'migrate.verify', outcome: 'ok' });
      const admin = await web.signIn('root', 'admin');
      const page = await admin.agent.get('/admin/migration').expect(200);
      const tail = page.text.slice(page.text.indexOf('id="audit-tail"'));
      // newest first
      expect(tail.indexOf('migrate.verify')).toBeLessThan(tail.indexOf('phase.set'));
      expect(tail).toMatch(
        /class="check bad"[^>]*>[^]*?<strong>phase.set<\/strong> cassandra-primary: refused/,
      );
      expect(page.text).toContain('<a href="/admin/audit">');
    });
  });

  describe('the shadow reads', () => {
    it('list the open mismatches by record and the samples of the last hour', async () => {
      const ledger = web.app.get(ShadowLedger);
      jest.spyOn(ledger, 'openMismatches').mockResolvedValue([
        {
          key: 'post:p1',
          kind: 'post',
          id: 'p1',
          fields: ['content'],
          page: 'post',
          phase: 'dual-write',
          primary: 'mongo',
          secondary: 'cassandra',
          first_seen: '2026-12-03T18:00:00.000Z',
          last_seen: '2026-12-03T18:05:00.000Z',
          confirmations: 2,
        },
      ]);
      jest
        .spyOn(ledger, 'samplesSince')
        .mockResolvedValue({ matched: 1200, mismatched: 3, errors: 1, dropped: 0, compared: 1203 });
      const admin = await web.signIn('root', 'admin');
      const page = await admin.agent.get('/admin/migration').expect(200);
      expect(page.text).toMatch(/id="shadow-samples">1,203 compared, 3 mismatched, 1 error\(s\)/);
      expect(page.text).toMatch(/id="shadow-open-count"><span class="badge bad">1</);
      expect(page.text).toMatch(/data-mismatch="post:p1"><strong>post p1<\/strong>: content/);
      const since = (ledger.samplesSince as jest.Mock).mock.calls[0][0] as Date;
      expect(Date.now() - since.getTime()).toBeGreaterThanOrEqual(3_600_000);
    });

    it('say why they could not be read, and the rest of the page still shows', async () => {
      jest
        .spyOn(web.app.get(ShadowLedger), 'openMismatches')
        .mockRejectedValue(new Error('cassandra is down'));
      const admin = await web.signIn('root', 'admin');
      const page = await admin.agent.get('/admin/migration').expect(200);
      expect(page.text).toContain('Not available: cassandra is down');
      expect(page.text).toContain('data-phase="dual-write"');
    });
  });

  describe('the charts', () => {
    it('draw what the metrics history sampled', async () => {
      const metrics = web.app.get(BlogMetrics);
      const history = web.app.get(MetricsHistory);
      await history.sample();
      metrics.secondaryCopies.inc({ store: 'cassandra', outcome: 'written' }, 30);
      metrics.secondaryCopies.inc({ store: 'cassandra', outcome: 'hinted' }, 3);
      await history.sample(Date.now());
      const admin = await web.signIn('root', 'admin');
      const page = await admin.agent.get('/admin/migration').expect(200);
      expect(page.text).toMatch(/data-chart="chart-copies"[\s\S]*?<polyline|<circle/);
      expect(page.text).toContain('Secondary copies to cassandra');
    });
  });
});
