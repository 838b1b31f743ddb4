// Incident 2025-10-17: a deploy added a query to a hot path whose tables lived in different
// keyspaces; no index could be used, every call did full scans, the inbox became unusable.
// The heartbeat alarm triggered an automatic rollback, and processes blocked on slow queries
// stretched recovery. Here the inbox list switches (a flag flipped at runtime: the deploy) to
// a join with a URL-verdict table in the other keyspace, joined on a column with no index.
import type { RowDataPacket } from 'mysql2/promise';
import type { Cluster } from '../harness/cluster/cluster';
import { SEQUENCE_KEYSPACE } from '../harness/cluster/default-topology';
import { usePool } from '../harness/cluster/pool';
import { waitFor } from '../harness/cluster/readiness';
import type { Topology } from '../harness/cluster/topology';
import { atLeast, atMost, Check, equals } from '../harness/experiment/assertions';
import type { Experiment, ExperimentContext, ExperimentResult, IncidentStep } from '../harness/experiment/experiment';
import { Figure, notMeasured, showFigure } from '../harness/experiment/figure';
import { act, awaitAlarm, awaitRecovery, injectFault, remediate } from '../harness/experiment/steps';
import { firstAlarm, seconds, settledAt } from '../harness/experiment/timings';
import { DeployFault } from '../harness/faults/deploy';
import { heartbeatAnomaly, p99LatencyHigh } from '../harness/observe/detectors';
import { guardQuery, GuardVerdict } from '../harness/observe/query-guard';
import type { Timeline } from '../harness/observe/timeline';
import { INBOX_LIST_QUERY } from '../harness/workload/inbox-routes';
import { INBOX_KEYSPACE, withInboxSchema } from '../harness/workload/schema';
import { inboxJoinRoutes, joinedInboxQuery } from './routes/inbox-join';

/** Rows in the other keyspace's table: a scan of them takes tens of milliseconds here, per row joined. */
export const URL_VERDICT_ROWS = 200_000;

export const THRESHOLDS = {
  /** The incident's alarm came ~3.7 min after the deploy; the sharpened alarm must fire within 30 s. */
  detectSeconds: 30,
  /** Slow queries still running at the rollback must have finished within 30 s. */
  drainSeconds: 30,
  /** Heartbeat and p99 back at baseline within 60 s of the rollback (the incident: ~7 min). */
  recoverSeconds: 60,
  /** The deploy must really hurt: p99 at least this many times the steady one (a no-op deploy would not). */
  latencyRiseFactor: 5,
};

/** p99 over a 1 s window on 2 shared cores is noisy (steady 15-50 ms): "back" is under 3x steady, or 100 ms. */
const p99Ceiling = (steady: number) => Math.max(3 * steady, 100);
/** The one ceiling both the wait for the settle and its measure use (from the unrounded steady p99). */
const p99BackCeiling = (ctx: Pick<ExperimentContext, 'baselineOf'>) => p99Ceiling(ctx.baselineOf('load', 'p99_ms') ?? 0);

export const INCIDENT_TIMELINE: IncidentStep[] = [
  { minute: 0, what: 'deployment completes: a query joining tables of two keyspaces is on busy paths (11:45:15 UTC)' },
  { minute: 0.75, what: 'application latency starts rising (11:46:00)' },
  { minute: 3.7, what: 'inbox activity (heartbeat) alarm fires (11:48:59)' },
  { minute: 4.8, what: 'automatic rollback starts (11:50:01)' },
  { minute: 7, what: 'rollback completes: processes blocked on slow queries were replaced one at a time (11:52:17)' },
  { minute: 8.75, what: 'inbox activity starts recovering (11:54:00)' },
  { minute: 11.75, what: 'inbox activity at normal levels (11:57:00)' },
];

export function topology(): Topology {
  const t = withInboxSchema();
  const seq = t.keyspaces.find((k) => k.name === SEQUENCE_KEYSPACE)!;
  // Verdicts on URLs found in conversations, kept (by mistake) in the other keyspace, and with
  // no index on the column the new query joins on.
  seq.schema.push(`CREATE TABLE url_verdicts (
    id BIGINT NOT NULL AUTO_INCREMENT, conversation_token VARCHAR(40) NOT NULL, url VARCHAR(200) NOT NULL,
    verdict VARCHAR(10) NOT NULL, PRIMARY KEY (id))`);
  seq.vschema.tables = { ...seq.vschema.tables, url_verdicts: {} };
  return t;
}

/** Fills url_verdicts on the sequence keyspace's primary (replicated as usual); returns how long one scan of it takes. */
export async function seedUrlVerdicts(cluster: Cluster, rows = URL_VERDICT_ROWS): Promise<{ rows: number; scanMs: number }> {
  const primary = await cluster.primaryOf(SEQUENCE_KEYSPACE, '0');
  const conn = await primary.mysql();
  try {
    await conn.query(`USE \`${primary.dbName}\``);
    const [have] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM url_verdicts');
    if (Number(have[0].n) < rows) {
      await conn.query('SET SESSION cte_max_recursion_depth = ?', [rows + 1]);
      await conn.query(
        `INSERT INTO url_verdicts (conversation_token, url, verdict)
         WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         SELECT LEFT(SHA2(i, 256), 40), CONCAT('https://example.invalid/', i), IF(i % 97 = 0, 'unsafe', 'safe') FROM n`,
        [rows - Number(have[0].n)],
      );
    }
    // Fresh statistics, as a table long in production has them (the guard reads row estimates).
    await conn.query('ANALYZE TABLE url_verdicts');
    const t0 = performance.now();
    await conn.query("SELECT verdict FROM url_verdicts WHERE conversation_token = 'none'");
    return { rows, scanMs: Math.round(performance.now() - t0) };
  } finally {
    conn.destroy();
  }
}

/** What the steps record (kind 'note'), read back by measuring. */
const DRAINING = 'draining slow requests';
const DRAINED = 'slow requests drained';
const COUNTED = 'conversations counted';

/**
 * After the rollback, requests already running the joined query keep the app's connections
 * busy until they finish: the drain, the counterpart of the incident's grace periods. How many
 * were in flight and how long they took is part of the result.
 */
async function drain(ctx: ExperimentContext): Promise<void> {
  const inFlight = (await ctx.app.counters()).inFlight.joined ?? 0;
  ctx.timeline.event('note', DRAINING, { inFlight });
  await waitFor({
    what: 'the slow joined requests to drain',
    timeoutMs: THRESHOLDS.drainSeconds * 1000 * 2,
    intervalMs: 100,
    check: async () => {
      const left = (await ctx.app.counters()).inFlight.joined ?? 0;
      return { ready: left === 0, status: `${left} still running` };
    },
  });
  ctx.timeline.event('note', DRAINED);
}

/** Counted once the fault is over: the inbox the join walked had at most this many conversations. */
async function countConversations(ctx: ExperimentContext): Promise<void> {
  const [conv] = await usePool(ctx.cluster.vtgatePool({ connectionLimit: 1, database: INBOX_KEYSPACE }), (pool) => pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM conversations'));
  ctx.timeline.event('note', COUNTED, { n: Number(conv[0].n) });
}

export type JoinMeasures = {
  sizes: { urlVerdictRows: number; oneScanMs: number; conversationsAtEnd: Figure };
  steady: { p99Ms: number; writesPerSec: number; okPerSec: number };
  duringFault: { maxP99Ms: number; minWritesPerSec: number; minOkPerSec: number };
  latencyRiseFactor: Figure;
  rollbackAfterAlarmSeconds: number | null;
  inFlightAtRollback: number | null;
  drainSeconds: number | null;
  p99BackSeconds: number | null;
  guard: { plain: GuardVerdict['findings']; joined: GuardVerdict['findings']; routes: Record<'plain' | 'joined', { keyspace: string; variant?: string; query: string; scans: string[] }[]> };
};

export function crossKeyspaceJoin(o: { broken?: boolean } = {}): Experiment<JoinMeasures> {
  const fault = new DeployFault({
    flag: 'inbox-query',
    deployed: 'joined',
    rolledBack: 'plain',
    description: 'the inbox list now joins each conversation to its URL verdict, kept in the other keyspace, on a column with no index',
    broken: o.broken,
  });
  const sizes = { urlVerdictRows: 0, oneScanMs: 0 };
  const guard: JoinMeasures['guard'] = { plain: [], joined: [], routes: { plain: [], joined: [] } };
  return {
    name: `cross-keyspace-join${o.broken ? '-broken-fault' : ''}`,
    ...(o.broken ? { negativeControl: { why: 'the deploy flips no flag', failsWith: /no alarm|never fired/ } } : {}),
    title: 'A cross-keyspace join ships to the inbox list; heartbeat alarm, automatic rollback, slow queries drained',
    incident: { file: '2025-10-17-cross-keyspace-join-full-scans.txt', timeline: INCIDENT_TIMELINE },
    topology,
    // The deployed query, served by the app once the flag names it; url_verdicts is in the sequence keyspace.
    app: { routes: [inboxJoinRoutes(SEQUENCE_KEYSPACE)] },
    // The inbox list is the hot path here: a third of the requests (reads of one conversation fewer).
    load: { mix: { list_inbox: 30, read_conversation: 10 } },
    fault,
    // The latency page's ceiling is the rise a deploy must cause to count as hurting (never under 1 s).
    detectors: ({ baseline: b, baselineOf }) => [
      heartbeatAnomaly(b),
      p99LatencyHigh({ thresholdMs: 1000, forMs: 1000, steady: () => baselineOf('load', 'p99_ms'), timesSteady: THRESHOLDS.latencyRiseFactor }),
    ],
    primaryDetector: ['heartbeat-anomaly', 'p99-latency'],
    steps: [
      injectFault(),
      // No alarm within the detection threshold is a failed run: waiting longer proves nothing.
      awaitAlarm(['heartbeat-anomaly', 'p99-latency'], { timeoutSeconds: THRESHOLDS.detectSeconds }),
      remediate('automatic rollback: the flag back', (ctx) => fault.heal(ctx)),
      act('slow requests drained', drain),
      awaitRecovery({ timeoutSeconds: 120 }),
      // Latency settles after the heartbeat (the incident's long tail): the run goes on until p99
      // has been back for 3 s, or the threshold passed (then the check fails with "not measured").
      act('p99 back at baseline', async (ctx) => {
        const rollbackAt = ctx.remediationAt();
        if (rollbackAt === undefined) return;
        const ceiling = p99BackCeiling(ctx);
        await waitFor({
          what: `p99 back under ${ceiling.toFixed(0)} ms for 3 s`,
          timeoutMs: Math.max(0, rollbackAt + THRESHOLDS.recoverSeconds * 1000 - ctx.timeline.now()),
          intervalMs: 250,
          check: async () => ({ ready: settledAt(ctx.timeline.series('load', 'p99_ms'), rollbackAt, ceiling, 3000) !== undefined, status: 'p99 still high' }),
        }).catch(() => undefined);
      }),
      act('the conversations the join walked, counted', countConversations, { always: true }),
    ],
    prepare: async (cluster) => {
      const seeded = await seedUrlVerdicts(cluster);
      sizes.urlVerdictRows = seeded.rows;
      sizes.oneScanMs = seeded.scanMs;
      // The pre-deploy guard, as a CI step would run it before shipping: both queries planned.
      // The deploy then goes ahead anyway: the run shows what the guard would have prevented.
      const sample = [7];
      const queries = { plain: INBOX_LIST_QUERY, joined: joinedInboxQuery(SEQUENCE_KEYSPACE) };
      for (const variant of ['plain', 'joined'] as const) {
        const v = await guardQuery(cluster, queries[variant], sample, { keyspace: INBOX_KEYSPACE });
        guard[variant] = v.findings;
        guard.routes[variant] = v.routes.map((r) => ({ keyspace: r.keyspace, variant: r.variant, query: r.query, scans: r.explain.map((e) => `${e.table}: ${e.type}${e.key ? ` via ${e.key}` : ''}, ~${e.rows} rows`) }));
      }
    },
    measure: (ctx, r) =>
      measureJoin(ctx.timeline, {
        timings: r.timings,
        steady: { p99Ms: ctx.baselineOf('load', 'p99_ms') ?? 0, writesPerSec: ctx.baseline() ?? 0, okPerSec: ctx.baselineOf('load', 'ok_per_s') ?? 0 },
        sizes,
        guard,
      }),
    checks: (r) => joinChecks(r),
    compare: (r) => {
      const m = r.measured;
      const s = (v: number | null | undefined) => (v == null ? 'never' : `${v} s`);
      const alarm = firstAlarm(r.timings.detectionSeconds);
      return [
        { what: 'deploy → latency rising', incident: '~45 s (11:46:00)', measured: m ? `p99 ${m.steady.p99Ms} → ${m.duringFault.maxP99Ms} ms (${showFigure(m.latencyRiseFactor, '×')})` : 'not measured' },
        { what: 'deploy → alarm', incident: '~3.7 min (11:48:59)', measured: s(alarm) },
        { what: 'alarm → rollback', incident: '~1 min (11:50:01), completed 11:52:17', measured: s(m?.rollbackAfterAlarmSeconds) },
        { what: 'blocked work at the rollback', incident: 'processes blocked on slow queries; each given a grace period', measured: m ? `${m.inFlightAtRollback} slow requests in flight, all finished ${s(m.drainSeconds)} after the rollback` : 'not measured' },
        { what: 'deploy → back at normal', incident: '~11.75 min (11:57:00)', measured: `heartbeat ${s(r.timings.timeToRecoverSeconds)}, p99 ${s(m?.p99BackSeconds)}` },
        { what: 'prevention', incident: '[In progress] block high-volume joins across keyspaces', measured: m ? `guard rejects the joined query (${m.guard.joined.map((f) => f.kind).join(', ') || 'nothing found'}) and passes the plain one (${m.guard.plain.length} findings)` : 'not measured' },
      ];
    },
  };
}

/** What measuring the join reads besides the timeline: the run's timings, its steady state, what preparing found. */
export interface JoinFacts {
  timings: Pick<ExperimentResult['timings'], 'injectAt' | 'remediationAt' | 'remediationSeconds' | 'recoveredAt' | 'detectionSeconds'>;
  /** Steady-state figures, unrounded. */
  steady: { p99Ms: number; writesPerSec: number; okPerSec: number };
  sizes: { urlVerdictRows: number; oneScanMs: number };
  guard: JoinMeasures['guard'];
}

/** The join's figures from what the run recorded (a pure function: unit-tested on recorded timelines). */
export function measureJoin(tl: Pick<Timeline, 'series' | 'events'>, facts: JoinFacts): JoinMeasures {
  const { timings } = facts;
  const injectAt = timings.injectAt ?? 0;
  const rollbackAt = timings.remediationAt;
  const events = tl.events();
  const end = events.reduce((m, e) => Math.max(m, e.t), injectAt);
  const note = (name: string) => events.find((e) => e.kind === 'note' && e.t >= injectAt && e.name === name);
  const steady = { p99Ms: Math.round(facts.steady.p99Ms), writesPerSec: Math.round(facts.steady.writesPerSec), okPerSec: Math.round(facts.steady.okPerSec) };
  const faultEnd = timings.recoveredAt ?? end;
  const inFault = ([t]: [number, number]) => t >= injectAt && t <= faultEnd;
  const p99 = tl.series('load', 'p99_ms');
  const duringFault = {
    maxP99Ms: Math.round(Math.max(0, ...p99.filter(inFault).map(([, v]) => v))),
    minWritesPerSec: Math.round(Math.min(Infinity, ...tl.series('heartbeat', 'writes_per_s').filter(inFault).map(([, v]) => v))),
    minOkPerSec: Math.round(Math.min(Infinity, ...tl.series('load', 'ok_per_s').filter(inFault).map(([, v]) => v))),
  };
  const alarm = firstAlarm(timings.detectionSeconds);
  const p99Back = rollbackAt === undefined ? undefined : settledAt(p99, rollbackAt, p99Ceiling(facts.steady.p99Ms), 3000);
  const inFlight = note(DRAINING)?.data?.inFlight;
  const drainedAt = note(DRAINED)?.t;
  const counted = note(COUNTED)?.data?.n;
  return {
    sizes: { ...facts.sizes, conversationsAtEnd: typeof counted === 'number' ? counted : notMeasured('the conversations were not counted') },
    steady,
    duringFault,
    latencyRiseFactor: steady.p99Ms > 0 ? Math.round((duringFault.maxP99Ms / steady.p99Ms) * 10) / 10 : notMeasured('no steady-state p99'),
    rollbackAfterAlarmSeconds: alarm === null || timings.remediationSeconds === undefined ? null : seconds((timings.remediationSeconds - alarm) * 1000),
    inFlightAtRollback: typeof inFlight === 'number' ? inFlight : null,
    drainSeconds: drainedAt === undefined || rollbackAt === undefined ? null : seconds(drainedAt - rollbackAt),
    p99BackSeconds: p99Back === undefined || rollbackAt === undefined ? null : seconds(p99Back - rollbackAt),
    guard: facts.guard,
  };
}

export function joinChecks(r: Pick<ExperimentResult<JoinMeasures>, 'measured' | 'timings'>): Check[] {
  const m = r.measured;
  if (!m) return [atMost('cross-keyspace join measures', null, 0)];
  return [
    atLeast('p99 during the deploy, times the steady p99', m.latencyRiseFactor, THRESHOLDS.latencyRiseFactor, 'x'),
    atMost('first alarm after the deploy', firstAlarm(r.timings.detectionSeconds), THRESHOLDS.detectSeconds),
    atMost('slow requests gone after the rollback', m.drainSeconds, THRESHOLDS.drainSeconds),
    atMost('heartbeat back at baseline after the rollback', r.timings.recoverySeconds, THRESHOLDS.recoverSeconds),
    atMost('p99 back at baseline after the rollback', m.p99BackSeconds, THRESHOLDS.recoverSeconds),
    equals('guard: cross-keyspace joins found in the joined query', m.guard.joined.filter((f) => f.kind === 'cross-keyspace-join').length >= 1 ? 1 : 0, 1),
    equals('guard: full scans found in the joined query', m.guard.joined.filter((f) => f.kind === 'full-scan').length >= 1 ? 1 : 0, 1),
    equals('guard: findings in the plain query', m.guard.plain.length, 0, 'findings'),
  ];
}
