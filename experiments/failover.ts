// Incident 2023-11-07: a memory-heavy query on a shard's primary led to a failover; the
// failover worked, but the app kept erroring until a redeploy re-created its connections.
// Here the primary of customer/-80 dies (three ways); VTOrc reparents on its own; the
// main app (a pool that replaces broken connections, through vtgate) must heal without a
// restart, and two other apps show what pool configuration does: the incident's (a fixed set of
// connections, never validated or replaced) once through vtgate and once straight to the
// primary's MySQL, as the incident's app was connected.
import type { TabletHandle } from '../harness/cluster/cluster';
import { gtidExecuted, replicaThreads, waitForGtids } from '../harness/cluster/replication';
import { waitFor } from '../harness/cluster/readiness';
import { atLeast, atMost, Check, equals, holds } from '../harness/experiment/assertions';
import { Figure, figure, isMeasured, notMeasured } from '../harness/experiment/figure';
import type { Experiment, ExperimentContext, ExperimentResult, IncidentStep } from '../harness/experiment/experiment';
import { act, awaitRecovery, injectFault } from '../harness/experiment/steps';
import { firstAlarm, onsetAfter, seconds, secondsBetween, secondsSince, settledAt, slowestBeyondStall } from '../harness/experiment/timings';
import { errorRateHigh, heartbeatAnomaly, p99LatencyHigh } from '../harness/observe/detectors';
import { shardWriteProbes, shardWritesIn, VtorcProbe } from '../harness/observe/failover-probes';
import { stallReadings } from '../harness/observe/stall-meter';
import { effectEvent } from '../harness/faults/fault';
import { PrimaryDeath, PrimaryDeathFault } from '../harness/faults/primary';
import type { Timeline, TimelineEvent } from '../harness/observe/timeline';
import type { AppOptions } from '../harness/workload/app';
import { AppProcess } from '../harness/workload/app-process';
import type { FailureDetail } from '../harness/workload/load';
import { SIDE_APP_PROBE } from '../harness/workload/side-app';
import { withInboxSchema } from '../harness/workload/schema';

export const KEYSPACE = 'customer';
export const SHARD = '-80';
export const OTHER_SHARD = '80-';
export const topology = () => withInboxSchema();

/**
 * vtgate buffering for the "on" cluster. The minimum time between failovers is cut from 1 min
 * to 5 s because one cluster hosts several failovers of the same shard a few seconds apart;
 * left at 1 min, every failover after the first would silently not be buffered.
 */
export const BUFFERING_FLAGS = ['--enable-buffer', '--buffer-min-time-between-failovers', '5s'];

/** Thresholds, each with why it is where it is. */
export const THRESHOLDS = {
  /** VTOrc polls instances and recoveries every 1 s; 10 s leaves room for a slow poll on 2 shared cores. */
  vtorcNoticesSeconds: 10,
  /**
   * vtgate buffers a failover for at most its buffer window (10 s by default): a new primary
   * later than that means clients see errors even with buffering on.
   */
  newPrimaryServesSeconds: 10,
  /** The incident's app erred for 6 minutes (until a redeploy); a self-healing pool must be back within 15 s. */
  errorRateBackSeconds: 15,
  /** Any alarm must fire within 10 s (the incident's first page came after 5 minutes). */
  detectSeconds: 10,
  /**
   * The untouched shard's slowest probe write from the primary's death until clients are back at
   * baseline (steady: 100-200 ms at worst), less the instrument's own stall within it: beside a
   * busy neighbour the whole host stalled 1.6 s once (harness and app alike, 4 Dec 2026), and a
   * write in flight then was timed at 1,639 ms by a process that could not run.
   */
  otherShardMaxWriteMs: 1000,
  /** The old primary, started again, must replicate from the new one within 60 s and catch up within 60 s more. */
  rejoinSeconds: 60,
  catchUpSeconds: 60,
  /** Error rate above the steady-state one by more than this counts as "not back". */
  errorRateSlack: 0.01,
};

export const INCIDENT_TIMELINE: IncidentStep[] = [
  { minute: 0, what: 'a capacity-planning query is run on a sharded cluster from the production console (11:49 UTC)' },
  { minute: 1, what: 'free memory drops; the cloud provider starts an automated failover; latency rises (11:50)' },
  { minute: 5, what: 'first paging alarm; the failover completes (11:54)' },
  { minute: 6, what: 'all database instances restarted; most customers fine again (11:55)' },
  { minute: 7, what: 'an app redeploy re-creates its connections; errors for the last customers stop (11:56)' },
];

export interface FailoverCase {
  how: PrimaryDeath;
  buffering: boolean;
  broken?: boolean;
}

/** What the rejoin step records, one event each (kind 'note', name `rejoin: <stage>`). */
type RejoinStage = 'restarted' | 'errant GTID' | 're-provisioned' | 'replicating' | 'caught up' | 'failed';
const REJOIN = (stage: RejoinStage) => `rejoin: ${stage}`;
/** A pool tried connection by connection (kind 'note', name `pool check: <app>`). */
const POOL_CHECK = 'pool check: ';
/** The shard's primary once the failover is over, as the redeploy step found it. */
export const PRIMARY_AFTER = 'primary after the failover';
const MAIN_APP = 'main';
const REDEPLOYED = 'static-direct, redeployed';

/** Until the tablet replicates ('replicating') or its container exits ('exited'). */
function replicatingOrExited(t: TabletHandle): Promise<'replicating' | 'exited'> {
  return waitFor({
    what: `${t.alias} replicating again`,
    timeoutMs: THRESHOLDS.rejoinSeconds * 1000,
    intervalMs: 250,
    check: async () => {
      if (!(await t.node.running())) return { ready: true, status: 'exited', value: 'exited' as const };
      const r = await replicaThreads(t).catch((e: Error) => ({ running: false, status: e.message }));
      return { ready: r.running, status: r.status, value: 'replicating' as const };
    },
  });
}

/** The incident's app: a fixed pool of 8 connections, wired straight to the shard primary's MySQL. */
function directApp(primary: TabletHandle): AppOptions {
  const ep = primary.mysqlEndpoint;
  return { vtgate: { host: ep.host, port: ep.port }, user: ep.user, database: primary.dbName, poolMode: 'static', poolSize: 8 };
}

/**
 * Brings the dead primary back (the fault's heal) and times its return as a replica. A primary
 * that died with transactions in its binlog no replica received (never acknowledged: semi-sync
 * waits for a replica before answering) holds errant GTIDs, and vttablet then refuses to start.
 * The operator's answer is to re-provision it: its data discarded, it starts over as a new
 * replica and catches up from the new primary.
 */
async function rejoin(ctx: ExperimentContext, fault: PrimaryDeathFault): Promise<void> {
  const victim = fault.victim;
  if (!victim || !fault.died) return;
  const tl = ctx.timeline;
  const mark = (stage: RejoinStage, data: Record<string, unknown> = {}) => tl.event('note', REJOIN(stage), { tablet: victim.alias, ...data });
  try {
    await fault.heal(ctx);
    mark('restarted');
    if ((await replicatingOrExited(victim)) === 'exited') {
      const logs = await victim.node.logs();
      const errant = /Errant GTID detected - ([^;\n]+)/.exec(logs)?.[1];
      if (!errant) throw new Error(`${victim.alias} exited after its restart: ${logs.trim().split('\n').slice(-2).join(' | ').slice(0, 400)}`);
      mark('errant GTID', { errant });
      await victim.node.markForReprovision();
      await victim.node.start();
      tl.event('remediation', `re-provision ${victim.alias}`, { tablet: victim.alias, why: 'errant GTID: its data is discarded and it starts over as a new replica' });
      mark('re-provisioned');
      if ((await replicatingOrExited(victim)) === 'exited') throw new Error(`${victim.alias} exited again after re-provisioning`);
    }
    mark('replicating');
    const primary = await ctx.cluster.primaryOf(KEYSPACE, SHARD);
    const target = await gtidExecuted(primary);
    if (!(await waitForGtids(victim, target, THRESHOLDS.catchUpSeconds * 1000))) throw new Error(`${victim.alias} had not caught up with ${primary.alias} after ${THRESHOLDS.catchUpSeconds} s`);
    mark('caught up', { role: await victim.role() });
  } catch (e) {
    mark('failed', { error: (e as Error).message });
  }
}

/** Every pooled connection of each app tried once, after recovery: what the incident's apps did not survive. */
async function checkPools(ctx: ExperimentContext): Promise<void> {
  const record = (app: string, data: Record<string, unknown>) => ctx.timeline.event('note', `${POOL_CHECK}${app}`, { app, ...data });
  const main = await ctx.app.poolCheck();
  record(MAIN_APP, { usable: main.usable, total: main.total });
  for (const a of ctx.sideApps) {
    const check = await a.poolCheck();
    const sum = await a.summary(check);
    record(a.spec.name, { usable: check.usable, total: check.total, ok: sum.ok, failed: sum.failed, errorSample: Object.values(sum.errorSamples)[0] });
  }
}

/** The incident's fix: the direct app deployed again (new connections, to whichever server is primary now). */
async function redeployDirectApp(ctx: ExperimentContext): Promise<void> {
  const primary = await ctx.cluster.primaryOf(KEYSPACE, SHARD);
  ctx.timeline.event('note', PRIMARY_AFTER, { tablet: primary.alias });
  if (!ctx.sideApps.some((a) => a.spec.name === 'static-direct')) return;
  const fresh = await AppProcess.start(directApp(primary));
  try {
    const check = await fresh.poolCheck();
    ctx.timeline.event('note', `${POOL_CHECK}${REDEPLOYED}`, { app: REDEPLOYED, usable: check.usable, total: check.total, primary: primary.alias });
  } finally {
    await fresh.stop();
  }
}


export type FailoverMeasures = {
  victim?: string;
  newPrimary?: string;
  reparented: boolean;
  /** What VTOrc diagnosed on the shard, in the order it first did. */
  vtorcAnalyses: string[];
  vtorcRecovery?: string;
  /** Recoveries VTOrc attempted on the shard after the fault and counted as failed (type, seconds after the fault). */
  vtorcFailedRecoveries: { type: string; seconds: number }[];
  vtorcNoticedSeconds: number | null;
  vtorcRecoveredSeconds: number | null;
  newPrimaryServesSeconds: number | null;
  errorRateBaseline: number;
  errorRateBackSeconds: number | null;
  failedRequests: number;
  /** The main app's pool as the check step tried it (not measured when no check was recorded). */
  mainPool: { total: Figure; usable: Figure };
  /** Probe writes from the primary's death until clients were back at baseline. */
  /** maxWriteMs as timed; beyondStallMs, less the instrument's stall within each write (what its check judges). */
  otherShard: { failedWrites: number; maxWriteMs: Figure; maxWriteBeyondStallMs: Figure; clientErrorsNamingIt: number };
  /** oom: while the memory-hungry query ran, before mysqld was killed (reported, not judged: see measure()). */
  beforeDeath?: { seconds: number; otherShardMaxWriteMs: Figure; faultShardMaxWriteMs: Figure };
  faultShard: { failedWrites: number; maxWriteMs: Figure };
  rejoin: { restartSeconds: number | null; replicatingSeconds: number | null; caughtUpSeconds: number | null; role?: string; errantGtid?: string; reprovisionSeconds?: number | null; error?: string };
  sideApps: Record<string, { ok: number; failed: number; usable: number; total: number; failedInLast5s: number; errorSample?: string }>;
  /** The incident's fix, a redeploy: the direct app started again against the current primary. */
  redeployedDirectApp?: { usable: number; total: number };
  oomQuery?: string;
};

export function failover(c: FailoverCase): Experiment<FailoverMeasures> {
  const fault = new PrimaryDeathFault({ keyspace: KEYSPACE, shard: SHARD, how: c.how, broken: c.broken });
  const buffering = c.buffering ? 'buffering on' : 'buffering off';
  return {
    name: `failover-${c.how}-${c.buffering ? 'buffered' : 'unbuffered'}${c.broken ? '-broken-fault' : ''}`,
    // Judged on what a kill alone causes: a reparent. Whether VTOrc diagnosed anything is not
    // the fault's alone: a ~6 s stall of every container (idle soak, 3 Dec) had VTOrc see every
    // tablet unreachable, DeadPrimaryAndReplicas, with nothing killed.
    ...(c.broken ? { negativeControl: { why: 'the fault kills nothing', failsWith: /VTOrc reparented to another tablet: measured 0,/ } } : {}),
    title: `Primary of ${KEYSPACE}/${SHARD} dies (${c.how}), vtgate ${buffering}`,
    incident: { file: '2023-11-07-memory-query-failover-connection-pools.txt', timeline: INCIDENT_TIMELINE },
    topology,
    fault,
    detectors: ({ baseline }) => [
      heartbeatAnomaly(baseline),
      errorRateHigh(),
      // Buffered requests fail less and wait instead: the latency page is the one that fires.
      p99LatencyHigh({ thresholdMs: 1000, forMs: 0 }),
    ],
    primaryDetector: ['error-rate', 'p99-latency', 'heartbeat-anomaly'],
    probes: (ctx) => [new VtorcProbe(ctx.cluster), ...shardWriteProbes(ctx.cluster, KEYSPACE)],
    sideApps: async (cluster) => {
      const primary = await cluster.primaryOf(KEYSPACE, SHARD);
      return [
        {
          name: 'static-via-vtgate',
          description: "the incident's pool (fixed connections, never validated or replaced), through vtgate",
          app: { vtgate: { host: cluster.vtgate.host, port: cluster.vtgate.port }, poolMode: 'static', poolSize: 8 },
        },
        {
          name: 'static-direct',
          description: `the incident's pool and the incident's wiring: straight to the primary's MySQL (${primary.alias}), no proxy`,
          app: directApp(primary),
        },
      ];
    },
    // Nobody is paged to act: VTOrc reparents on its own, so recovery counts from the fault.
    steps: [
      injectFault(),
      awaitRecovery({ timeoutSeconds: 60 }),
      // The operator's part: the old primary's node comes back and must rejoin as a replica.
      act('the old primary is started again and rejoins', (ctx) => rejoin(ctx, fault), { always: true }),
      act('every pooled connection of each app tried once', checkPools, { always: true }),
      act("the incident's fix: the direct app redeployed against the current primary", redeployDirectApp, { always: true }),
    ],
    tailSeconds: 5,
    measure: (ctx, r) => measureFailover(ctx.timeline, { faultName: fault.name, timings: r.timings, errorRateBaseline: ctx.baselineOf('load', 'error_rate') ?? 0, failures: ctx.load.failureDetails }),
    checks: (r) => failoverChecks(r),
    compare: (r) => {
      const m = r.measured;
      const s = (v: number | null | undefined) => (v == null ? 'never' : `${v} s`);
      const direct = m?.sideApps['static-direct'];
      return [
        { what: 'fault → failover under way', incident: '~1 min (11:49 → 11:50)', measured: `VTOrc noticed after ${s(m?.vtorcNoticedSeconds)}` },
        { what: 'fault → failover complete', incident: '~5 min (11:54)', measured: `new primary serving after ${s(m?.newPrimaryServesSeconds)} (${m?.newPrimary ?? '?'}; VTOrc's recovery done after ${s(m?.vtorcRecoveredSeconds)}${m?.vtorcFailedRecoveries.length ? `, failed attempts: ${m.vtorcFailedRecoveries.map((f) => `${f.type} at ${f.seconds} s`).join(', ')}` : ''}${m ? lockedFirst(m) : ''})` },
        { what: 'fault → first alarm', incident: '~5 min (11:54)', measured: s(firstAlarm(r.timings.detectionSeconds)) },
        {
          what: 'old primary back',
          incident: '~6 min (instances restarted 11:55)',
          measured: `${m?.rejoin.errantGtid ? `refused for errant GTID ${m.rejoin.errantGtid}, re-provisioned; ` : ''}replicating ${s(m?.rejoin.replicatingSeconds)} after the fault, caught up ${s(m?.rejoin.caughtUpSeconds)}`,
        },
        { what: 'app errors end (self-healing pool)', incident: 'only after a redeploy, ~7 min', measured: `error rate at baseline after ${s(m?.errorRateBackSeconds)}, no restart` },
        {
          what: "app errors end (the incident's pool, straight to MySQL)",
          incident: 'only after a redeploy, ~7 min',
          measured: direct ? `${direct.usable}/${direct.total} connections usable at the end, ${direct.failedInLast5s} failures in the last 5 s; after a redeploy ${m?.redeployedDirectApp?.usable ?? '?'}/${m?.redeployedDirectApp?.total ?? '?'}` : 'not run',
        },
      ];
    },
  };
}

/** What measuring a failover reads besides the timeline: recorded facts, no live state. */
export interface FailoverFacts {
  faultName: string;
  timings: Pick<ExperimentResult['timings'], 'injectAt' | 'recoveredAt'>;
  /** The load's error rate in its steady state. */
  errorRateBaseline: number;
  /** The load's failed requests (message included: a vtgate error names the shard it failed on). */
  failures: readonly FailureDetail[];
}

export type FailoverTimeline = Pick<Timeline, 'series' | 'labelSets' | 'events'>;

/** The failover's figures, from what the run recorded (a pure function: unit-tested on recorded timelines). */
export function measureFailover(tl: FailoverTimeline, facts: FailoverFacts): FailoverMeasures {
  const injectAt = facts.timings.injectAt ?? 0;
  const events = tl.events();
  const end = events.reduce((m, e) => Math.max(m, e.t), injectAt);
  const note = (name: string) => events.find((e) => e.kind === 'note' && e.t >= injectAt && e.name === name);
  const issue = events.find((e) => e.kind === 'fault' && e.name === facts.faultName && e.data?.stamp === 'issued');
  const effect = effectEvent(events, facts.faultName, injectAt);
  const victim = typeof issue?.data?.tablet === 'string' ? issue.data.tablet : undefined;

  // Each problem VTOrc diagnosed on the shard after the fault, with when it began, earliest first.
  // One already listed at injection (sampled every 200 ms while listed) is not the fault's.
  const diagnosed = tl
    .labelSets('vtorc', 'problem')
    .filter((l) => l.keyspace === KEYSPACE && l.shard === SHARD)
    .map((l) => ({ analysis: l.analysis, t: onsetAfter(tl.series('vtorc', 'problem', l).map(([t]) => t), injectAt, 1000) }))
    .filter((x): x is { analysis: string; t: number } => x.t !== undefined)
    .sort((a, b) => a.t - b.t);
  // VTOrc's recovery counters on the shard, each rise after the fault with its recovery type.
  const risesOf = (series: 'recoveries_ok' | 'recoveries_failed') =>
    tl
      .labelSets('vtorc', series)
      .filter((l) => l.keyspace === KEYSPACE && l.shard === SHARD)
      .flatMap((l) => counterRises(tl.series('vtorc', series, l), injectAt).map((t) => ({ t, type: l.type })))
      .sort((a, b) => a.t - b.t);
  const recovered = risesOf('recoveries_ok')[0];
  // A failover that succeeded late often failed first: VTOrc counts each failed attempt.
  const failedRecoveries = risesOf('recoveries_failed').map((r) => ({ type: r.type, seconds: seconds(r.t - injectAt) }));
  // The failover window: from the primary's death until clients are back at baseline. Before the
  // death (oom: the memory-hungry query running) and after recovery (the old primary's restart
  // and re-provisioning), work on one node takes CPU from every process of this 2-core host,
  // and a stall then shows on both shards at the same instant: that is the host, not the
  // failover's blast radius. Those stretches are reported apart, not judged.
  // oom dies when memory runs out, after the query was issued; a kill is its own death.
  const diedAt = issue?.data?.how === 'oom' ? effect?.t : injectAt;
  const windowStart = diedAt ?? injectAt;
  const windowEnd = facts.timings.recoveredAt ?? end;
  const stalls = stallReadings(tl);
  const writes = (shard: string, from = windowStart, to = windowEnd) => {
    const w = shardWritesIn(tl, shard, from, to);
    const none = `no probe write on ${KEYSPACE}/${shard} sampled in the window`;
    const timed = tl.series('shard_write', 'latency_ms', { shard }).filter(([t]) => t >= from && t <= to);
    return { failedWrites: w.failedWrites, maxWriteMs: figure(w.maxWriteMs, none), maxWriteBeyondStallMs: figure(slowestBeyondStall(timed, stalls), none) };
  };
  const faultShard = writes(SHARD);
  const otherShard = writes(OTHER_SHARD);
  const beforeDeath = diedAt !== undefined && diedAt > injectAt ? { other: writes(OTHER_SHARD, injectAt, diedAt), fault: writes(SHARD, injectAt, diedAt) } : undefined;
  const served = recovered ? tl.series('shard_write', 'ok', { shard: SHARD }).find(([t, v]) => t >= recovered!.t && v === 1)?.[0] : undefined;

  const rate = tl.series('load', 'error_rate');
  const slack = facts.errorRateBaseline + THRESHOLDS.errorRateSlack;
  const firstBreach = rate.find(([t, v]) => t >= injectAt && v > slack)?.[0];
  const back5 = settledAt(rate, firstBreach ?? injectAt, slack, 5000);

  // The pools as the check step found them; an app whose check is missing reads 0 of 0.
  const pools = new Map(events.filter((e) => e.kind === 'note' && e.name.startsWith(POOL_CHECK)).map((e) => [String(e.data?.app), e]));
  const num = (e: TimelineEvent | undefined, k: string) => (typeof e?.data?.[k] === 'number' ? (e.data[k] as number) : 0);
  const mainPool = pools.get(MAIN_APP);
  const sideApps: FailoverMeasures['sideApps'] = {};
  for (const [app, e] of pools) {
    if (app === MAIN_APP || app === REDEPLOYED) continue;
    const failedInLast5s = tl.series(SIDE_APP_PROBE, 'errors_per_s', { app }).filter(([t]) => t >= e.t - 5000 && t <= e.t).reduce((n, [, v]) => Math.max(n, v), 0);
    const sample = e.data?.errorSample;
    sideApps[app] = { ok: num(e, 'ok'), failed: num(e, 'failed'), usable: num(e, 'usable'), total: num(e, 'total'), failedInLast5s: Math.round(failedInLast5s), ...(typeof sample === 'string' ? { errorSample: sample } : {}) };
  }
  const redeployed = pools.get(REDEPLOYED);
  const newPrimary = note(PRIMARY_AFTER)?.data?.tablet;

  const rejoinAt = (stage: RejoinStage) => note(REJOIN(stage));
  const errant = rejoinAt('errant GTID')?.data?.errant;
  const role = rejoinAt('caught up')?.data?.role;
  const rejoinError = rejoinAt('failed')?.data?.error;
  const oomQuery = effect?.data?.query ?? note('mysqld survived the query')?.data?.query;
  const after = facts.failures.filter((f) => f.t >= injectAt);
  const clientErrorsNamingIt = after.filter((f) => new RegExp(`${KEYSPACE}\\.${OTHER_SHARD}\\.`).test(f.message ?? '')).length;
  return {
    ...(victim ? { victim } : {}),
    ...(typeof newPrimary === 'string' ? { newPrimary } : {}),
    reparented: victim !== undefined && typeof newPrimary === 'string' && newPrimary !== victim,
    vtorcAnalyses: [...new Set(diagnosed.map((d) => d.analysis))],
    vtorcRecovery: recovered?.type,
    vtorcFailedRecoveries: failedRecoveries,
    vtorcNoticedSeconds: secondsSince(diagnosed[0]?.t, injectAt),
    vtorcRecoveredSeconds: secondsSince(recovered?.t, injectAt),
    newPrimaryServesSeconds: secondsSince(served, injectAt),
    errorRateBaseline: facts.errorRateBaseline,
    errorRateBackSeconds: secondsSince(back5, injectAt),
    failedRequests: after.length,
    mainPool: mainPool ? { total: num(mainPool, 'total'), usable: num(mainPool, 'usable') } : { total: notMeasured('no pool check of the main app was recorded'), usable: notMeasured('no pool check of the main app was recorded') },
    otherShard: { failedWrites: otherShard.failedWrites, maxWriteMs: otherShard.maxWriteMs, maxWriteBeyondStallMs: otherShard.maxWriteBeyondStallMs, clientErrorsNamingIt },
    ...(beforeDeath ? { beforeDeath: { seconds: seconds(diedAt! - injectAt), otherShardMaxWriteMs: beforeDeath.other.maxWriteMs, faultShardMaxWriteMs: beforeDeath.fault.maxWriteMs } } : {}),
    faultShard: { failedWrites: faultShard.failedWrites, maxWriteMs: faultShard.maxWriteMs },
    rejoin: {
      restartSeconds: secondsSince(rejoinAt('restarted')?.t, injectAt),
      replicatingSeconds: secondsSince(rejoinAt('replicating')?.t, injectAt),
      caughtUpSeconds: secondsSince(rejoinAt('caught up')?.t, injectAt),
      ...(typeof role === 'string' ? { role } : {}),
      ...(typeof errant === 'string' ? { errantGtid: errant, reprovisionSeconds: secondsSince(rejoinAt('re-provisioned')?.t, injectAt) } : {}),
      ...(typeof rejoinError === 'string' ? { error: rejoinError } : {}),
    },
    sideApps,
    ...(redeployed ? { redeployedDirectApp: { usable: num(redeployed, 'usable'), total: num(redeployed, 'total') } } : {}),
    ...(typeof oomQuery === 'string' ? { oomQuery } : {}),
  };
}

/**
 * VTOrc diagnosed the dead primary as unreachable before its replicas noticed: that recovery
 * (24.0.3, 24.0.4) re-reads the dead primary under the shard lock until its remote operation
 * timeout, and the DeadPrimary recovery waits for the lock (a late failover's usual cause here).
 */
export function lockedFirst(m: Pick<FailoverMeasures, 'vtorcAnalyses'>): string {
  return m.vtorcAnalyses[0] === 'UnreachablePrimary'
    ? '; VTOrc diagnosed UnreachablePrimary first, whose recovery holds the shard lock while it re-reads the dead primary, up to VTOrc\'s --remote-operation-timeout'
    : '';
}

/** The instants a counter rose at or after `from`, against its last value before then. */
export function counterRises(series: readonly [number, number][], from: number): number[] {
  let last = [...series].reverse().find(([t]) => t < from)?.[1] ?? 0;
  const out: number[] = [];
  for (const [t, v] of series) {
    if (t < from || v <= last) continue;
    last = v;
    out.push(t);
  }
  return out;
}


export function failoverChecks(r: Pick<ExperimentResult<FailoverMeasures>, 'measured' | 'timings'>): Check[] {
  const m = r.measured;
  if (!m) return [atMost('failover measures', null, 0)];
  const list = [
    atMost('VTOrc noticed the dead primary', m.vtorcNoticedSeconds, THRESHOLDS.vtorcNoticesSeconds),
    equals('VTOrc reparented to another tablet', m.reparented ? 1 : 0, 1),
    atMost('a new primary serves writes', m.newPrimaryServesSeconds, THRESHOLDS.newPrimaryServesSeconds),
    atMost('first alarm', firstAlarm(r.timings.detectionSeconds), THRESHOLDS.detectSeconds),
    atMost("main app's error rate back at baseline, without a restart", m.errorRateBackSeconds, THRESHOLDS.errorRateBackSeconds),
    equals("main app's pooled connections usable", m.mainPool.usable, isMeasured(m.mainPool.total) ? m.mainPool.total : 0, 'connections'),
    equals('failed writes on the other shard', m.otherShard.failedWrites, 0, 'writes'),
    equals('client errors naming the other shard', m.otherShard.clientErrorsNamingIt, 0, 'errors'),
    atMost("other shard's slowest write during the failover, beyond the host's own stall", m.otherShard.maxWriteBeyondStallMs, THRESHOLDS.otherShardMaxWriteMs, 'ms'),
    // One name whatever happened (a vet compares checks by name); an errant GTID shows in the measures.
    atMost('old primary replicating again, after its restart (re-provisioned when refused for an errant GTID)', secondsBetween(m.rejoin.replicatingSeconds, m.rejoin.restartSeconds), THRESHOLDS.rejoinSeconds),
    atMost('old primary caught up, after replicating', secondsBetween(m.rejoin.caughtUpSeconds, m.rejoin.replicatingSeconds), THRESHOLDS.catchUpSeconds),
    equals('old primary rejoined as a replica', m.rejoin.role === 'replica' ? 1 : 0, 1),
  ];
  // The incident's way to die: the kernel kills mysqld for memory, and the query loses its connection.
  if (m.oomQuery !== undefined) list.push(holds('the memory-hungry query lost its connection (mysqld killed for memory)', /connection lost|closed|gone away/i.test(m.oomQuery)));
  const viaVtgate = m.sideApps['static-via-vtgate'];
  const direct = m.sideApps['static-direct'];
  if (viaVtgate) list.push(equals("incident's pool through vtgate: connections usable (vtgate hides the failover)", viaVtgate.usable, viaVtgate.total, 'connections'));
  if (direct) {
    list.push(equals("incident's pool straight to MySQL: connections usable (stays broken)", direct.usable, 0, 'connections'));
    list.push(atLeast("incident's pool straight to MySQL: still failing in the last 5 s", direct.failedInLast5s, 1, 'req/s'));
    list.push(equals('after a redeploy, its connections usable', m.redeployedDirectApp?.usable ?? null, direct.total, 'connections'));
  }
  return list;
}
